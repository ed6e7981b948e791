import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { newPersonContext, SCREENSHOT_DIR, signIn, useBrowser } from '../support/browser.ts';
import { binaryStlCube } from '../support/design-files.ts';
import { until } from '../support/live.ts';
import { record, type ShowsCloud, startShowsCloud } from '../support/shows-browser.ts';

/** A JSON call from the page with its session cookie, as the app makes it (same origin). */
async function callFrom<T>(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: T }> {
  return page.evaluate(
    async ([m, p, b, h]) => {
      const response = await fetch(`/v1${p}`, {
        method: m,
        cache: 'no-store',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...h },
        ...(b === undefined ? {} : { body: JSON.stringify(b) }),
      } as RequestInit);
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : null };
    },
    [method, path, body, headers] as const,
  ) as Promise<{ status: number; json: T }>;
}

/** The figure under a total's name on an insights page ("Tickets sold" → "3"). */
const total = (page: Page, name: string): Locator =>
  page
    .locator('.insights-totals > div')
    .filter({ has: page.getByText(name, { exact: true }) })
    .locator('dd');

/**
 * Presses "Refresh figures" until the total `name` reads `expected`: the figures reach the
 * dashboards through the outbox relay, the event stream and the warehouse loader, seconds after
 * the action (the insights answer may also be cached for a minute).
 */
async function refreshUntil(page: Page, name: string, expected: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = ((await total(page, name).textContent()) ?? '').trim();
    if (shown === expected) return;
    if (Date.now() > deadline)
      throw new Error(`“${name}” shows ${shown}, not ${expected}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await page.reload();
    await total(page, name).waitFor();
  }
}

/** uPlot drew the chart (its canvas is in the figure) and nothing is loading any more. */
async function chartDrawn(page: Page, caption: string): Promise<void> {
  await page
    .locator('figure.insights-chart')
    .filter({ hasText: caption })
    .locator('canvas')
    .first()
    .waitFor();
  await expect.poll(() => page.getByText(/^(Loading|Drawing)/).count(), { timeout: 60_000 }).toBe(0);
}

/**
 * The dashboards as their people read them, in Debian's Chromium against the whole local cloud:
 * a viewer organisation buys tickets for the seeded creator's show and the seeded designer mints a
 * license through the API; the creator's studio, the designer's and the operator's insights pages
 * then show exactly those numbers, drawn by uPlot with the same figures in tables. axe-core and
 * screenshots (desktop and 390 px) on every page, one of them in Italian.
 */
describe('Insights dashboards in a real browser (local cloud, seeded people)', () => {
  const browser = useBrowser();
  // The in-process local cloud on a copy of the built app (another helper's build during the run
  // would empty dist/web under a cloud serving it), with its operator key and seeded people.
  let shows: ShowsCloud | undefined;
  let operatorKey = '';
  const person = (role: string) => {
    const found = shows?.cloud.identity.seededPeople.find((candidate) => candidate.role === role);
    if (!found) throw new Error(`no seeded ${role}`);
    return found;
  };
  const cloud = () => {
    if (!shows) throw new Error('the local cloud is not running (beforeAll failed?)');
    const { cloud: running } = shows;
    return {
      webUrl: running.webUrl,
      gatewayUrl: running.gatewayUrl.replace(/\/$/, ''),
      operatorKey,
    };
  };
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const cloudLog: string[] = [];
  const stamp = Date.now().toString(36);
  const showTitle = `Insights night ${stamp}`;
  const designName = `Insights hinge ${stamp}`;
  const PRICE = 1500; // € 15.00 a seat

  async function personPage(role: string, path: string): Promise<Page> {
    const context = await newPersonContext(browser(), cloud().webUrl);
    contexts.push(context);
    context.on('weberror', (error) => pageErrors.push(`${role}: ${error.error().message}`));
    context.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${role} console: ${message.text()}`);
    });
    const page = await context.newPage();
    await signIn(page, person(role), cloud().webUrl, path);
    // answered once, the analytics question stays out of the pictures
    await page.getByRole('button', { name: 'Decline' }).click();
    return page;
  }

  /** A viewer organisation (the operator's key makes it) buys `quantity` seats through the local Stripe. */
  async function buySeats(showId: string, quantity: number): Promise<void> {
    const api = (key: string, method: string, path: string, body?: unknown) =>
      fetch(`${cloud().gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const org = await api(cloud().operatorKey, 'POST', '/orgs', {
      name: `Viewers ${stamp} ${quantity}`,
      kind: 'viewer',
      scopes: ['tickets:buy', 'tickets:read'],
    });
    expect(org.status).toBe(201);
    const viewer = ((await org.json()) as { apiKey: { key: string } }).apiKey.key;
    const checkout = await api(viewer, 'POST', `/shows/${showId}/checkout`, { quantity });
    expect(checkout.status).toBe(201);
    const { checkoutUrl } = (await checkout.json()) as { checkoutUrl: string };
    const paid = await fetch(checkoutUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choice=pay',
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    await until(
      async () => (await (await api(viewer, 'GET', '/tickets')).json()) as { items: unknown[] },
      (tickets) => tickets.items.length === quantity,
      90_000,
      `${quantity} issued ticket(s)`,
    );
  }

  afterEach(async (test) => {
    if (test.task.result?.state !== 'fail') return;
    console.log(`the cloud's last log lines:\n${cloudLog.slice(-40).join('\n')}`);
    if (pageErrors.length > 0) console.log(`errors in the pages so far:\n${pageErrors.join('\n')}`);
    for (const [index, page] of contexts.flatMap((context) => context.pages()).entries())
      await page
        .screenshot({ path: `${SCREENSHOT_DIR}/insights-failed-${index}.png`, fullPage: true })
        .then(() =>
          console.log(`failed step: page ${index} at ${page.url()} in insights-failed-${index}.png`),
        )
        .catch(() => undefined);
  });

  beforeAll(async () => {
    shows = await startShowsCloud('insights_browser', {
      logLevel: 'warn',
      liveIngest: { enabled: false },
      // the platform's warnings and errors, shown when a step fails
      log: (source, line) =>
        cloudLog.push(`${source}: ${typeof line === 'string' ? line : JSON.stringify(line)}`.slice(0, 600)),
    });
    operatorKey = (await ensureOperatorKey(shows.db.url, shows.dataDir)).plaintext;
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await shows?.stop();
  }, 180_000);

  it('shows the creator the tickets sold and revenue of their show, as a chart and a table', async () => {
    // Prepare: the creator's show, then two orders of another organisation (2 seats and 1).
    const creator = await personPage('creator', '/studio/insights');
    const show = await callFrom<{ id: string }>(creator, 'POST', '/shows', {
      title: showTitle,
      startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      capacity: 20,
      price: { amount: PRICE, currency: 'eur' },
    });
    expect(show.status).toBe(201);
    await creator.getByRole('heading', { level: 1, name: 'Insights' }).waitFor();
    await record(creator, 'insights-creator-empty');

    // Act
    await buySeats(show.json.id, 2);
    await buySeats(show.json.id, 1);

    // Assess: the totals, the show's row and the chart, as the creator reads them.
    await refreshUntil(creator, 'Tickets sold', '3');
    await expect.poll(async () => (await total(creator, 'Revenue').textContent())?.trim()).toBe('€45.00');
    expect((await total(creator, 'Checkouts started').textContent())?.trim()).toBe('2');
    const row = creator
      .getByRole('table', { name: 'Tickets, checkouts and revenue per show' })
      .getByRole('row')
      .filter({ hasText: showTitle });
    await expect.poll(() => row.getByRole('cell').allTextContents()).toEqual([showTitle, '3', '2', '€45.00']);
    await chartDrawn(creator, 'Tickets sold and revenue per day');
    await record(creator, 'insights-creator');

    // Act 2: the same page in Italian.
    await creator.getByLabel('Language').selectOption('it');

    // Assess 2
    await creator.getByRole('heading', { level: 1, name: 'Statistiche' }).waitFor();
    await total(creator, 'Biglietti venduti').waitFor();
    await chartDrawn(creator, 'Biglietti venduti e incasso per giorno');
    await record(creator, 'insights-creator-it');
    await creator.getByLabel('Lingua').selectOption('en');
  }, 400_000);

  it('shows the designer the license minted for their design', async () => {
    // Prepare: a design of the designer's organisation, registered on the chain.
    const designer = await personPage('designer', '/insights');
    await designer.getByRole('heading', { level: 1, name: 'Design insights' }).waitFor();
    await record(designer, 'insights-designer-empty');
    const stl = binaryStlCube(18);
    const design = await callFrom<{ id: string; upload: { url: string; headers: Record<string, string> } }>(
      designer,
      'POST',
      '/designs',
      { name: designName, format: 'stl', sizeBytes: stl.length },
    );
    expect(design.status).toBe(201);
    const put = await fetch(design.json.upload.url, {
      method: 'PUT',
      headers: design.json.upload.headers,
      body: stl,
    });
    expect(put.ok).toBe(true);
    await until(
      async () => (await callFrom<{ status: string }>(designer, 'GET', `/designs/${design.json.id}`)).json,
      (answer) => answer.status === 'registered',
      240_000,
      'the design registered',
    );

    // Act: the designer licenses it to the print shop.
    const shopOrg = person('print_shop_operator').org;
    const minted = await callFrom<{ id: string }>(
      designer,
      'POST',
      '/licenses',
      {
        designId: design.json.id,
        holderOrgId: shopOrg.id,
        prints: 5,
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
      { 'idempotency-key': `insights-${design.json.id}` },
    );
    expect([201, 202]).toContain(minted.status);
    await until(
      async () => (await callFrom<{ status: string }>(designer, 'GET', `/licenses/${minted.json.id}`)).json,
      (license) => license.status === 'active',
      180_000,
      'the license active',
    );

    // Assess
    await refreshUntil(designer, 'Licenses minted', '1');
    expect((await total(designer, 'Prints completed').textContent())?.trim()).toBe('0');
    const row = designer
      .getByRole('table', { name: 'Licenses and prints per design' })
      .getByRole('row')
      .filter({ hasText: designName });
    await expect.poll(() => row.getByRole('cell').allTextContents()).toEqual([designName, '1', '0']);
    await chartDrawn(designer, 'Licenses minted and prints completed per day');
    await record(designer, 'insights-designer');
  }, 600_000);

  it('shows the operator the platform’s totals and the funnel', async () => {
    // Prepare
    const operator = await personPage('platform_operator', '/insights/platform');
    await operator.getByRole('heading', { level: 1, name: 'Platform insights' }).waitFor();

    // Assess: what the two steps above did, platform-wide (this cloud's database is the test's own).
    await refreshUntil(operator, 'Tickets sold', '3');
    expect((await total(operator, 'Orders paid').textContent())?.trim()).toBe('2');
    expect((await total(operator, 'Licenses minted').textContent())?.trim()).toBe('1');
    const funnel = operator.getByRole('table', { name: 'Funnel from show page to paid order' });
    const step = (name: string) => funnel.getByRole('row').filter({ hasText: name }).getByRole('cell').nth(1);
    expect((await step('Checkouts started').textContent())?.trim()).toBe('2');
    expect((await step('Orders paid').textContent())?.trim()).toBe('2');
    await chartDrawn(operator, 'Show page views, checkouts started and orders paid');
    await record(operator, 'insights-platform');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
