import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../infra/local/cloud.ts';
import { newPersonContext, signIn, useBrowser } from '../support/browser.ts';
import { type FakeGa4, startFakeGa4 } from '../support/fake-ga4.ts';
import { until } from '../support/live.ts';
import {
  callFrom,
  collectPageErrors,
  keepFailedPages,
  record,
  type ShowsCloud,
  startShowsCloud,
} from '../support/shows-browser.ts';

declare const localStorage: { getItem(key: string): string | null };

const MEASUREMENT_ID = 'G-BROWSER123';
const API_SECRET = randomBytes(16).toString('base64url');

interface StoredEvent {
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

/**
 * The consent banner and the page beacons of the shows app in Debian's Chromium against the local
 * cloud, with GA4 pointed at the stand-in: what the browser reports goes through the collect
 * route, the outbox, the relay, the event stream and analytics-forward, so the GA4 requests seen
 * here are the whole path.
 */
describe('Analytics consent and beacons in a real browser (local cloud)', () => {
  const browser = useBrowser();
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let shows: ShowsCloud;
  let cloud: LocalCloud;
  let ga4: FakeGa4;

  async function personPage(name: string): Promise<Page> {
    const context = await newPersonContext(browser(), cloud.webUrl);
    contexts.push(context);
    collectPageErrors(context, name, pageErrors);
    return context.newPage();
  }

  async function analyticsEvents(): Promise<StoredEvent[]> {
    const [rows] = await shows.db.pool.query<RowDataPacket[]>(
      "SELECT event_type, payload FROM outbox WHERE event_type LIKE 'analytics.%' ORDER BY seq",
    );
    return rows.map((row) => ({
      type: row.event_type as string,
      payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<
        string,
        unknown
      >,
    }));
  }

  const banner = (page: Page) => page.getByRole('region', { name: 'Analytics' });
  const choicesButton = (page: Page) => page.getByRole('button', { name: 'Analytics choices' });

  beforeAll(async () => {
    ga4 = await startFakeGa4({ measurementId: MEASUREMENT_ID, apiSecret: API_SECRET });
    shows = await startShowsCloud('analytics_browser', {
      logLevel: 'warn',
      transcoders: { count: 1 },
      liveIngest: { enabled: false },
      functionEnv: {
        ANALYTICS_ID_SALT: randomBytes(32).toString('hex'),
        GA4_MEASUREMENT_ID: MEASUREMENT_ID,
        GA4_API_SECRET: API_SECRET,
        GA4_BASE_URL: ga4.url,
      },
    });
    cloud = shows.cloud;
  }, 300_000);

  afterEach((test) => keepFailedPages(test, contexts, pageErrors, 'failed-analytics'));

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await shows?.stop();
    await ga4?.close();
  }, 180_000);

  it('asks once with equal-weight buttons; declining counts the page without any id and sends nothing to GA4', async () => {
    // Prepare
    const page = await personPage('decliner');

    // Act
    await page.goto('/shows');
    await banner(page).waitFor();
    const accept = banner(page).getByRole('button', { name: 'Accept' });
    const decline = banner(page).getByRole('button', { name: 'Decline' });
    const classes = [await accept.getAttribute('class'), await decline.getAttribute('class')];
    await record(page, 'analytics-banner');
    await decline.click();

    // Assess
    expect(classes[0]).toBe(classes[1]);
    await expect(banner(page).count()).resolves.toBe(0);
    await page.getByText('You declined analytics.').waitFor();
    const stored = await until(
      analyticsEvents,
      (events) => events.some((event) => event.payload.path === '/shows'),
      60_000,
      'the page view of /shows in the outbox',
    );
    const view = stored.find((event) => event.payload.path === '/shows');
    expect(view).toEqual({
      type: 'analytics.page_viewed',
      payload: { page: 'catalogue', path: '/shows', consent: false },
    });
    // Remembered: a new load does not ask again.
    await page.reload();
    await choicesButton(page).waitFor();
    await expect(banner(page).count()).resolves.toBe(0);
    expect(ga4.received).toEqual([]);
  }, 120_000);

  it('accepting later from the foot of the page sends page views with the browser’s id, which reach GA4', async () => {
    // Prepare
    const page = await personPage('accepter');
    await page.goto('/shows');
    await banner(page).getByRole('button', { name: 'Decline' }).click();

    // Act
    await choicesButton(page).click();
    await banner(page).getByRole('button', { name: 'Accept' }).click();
    await page.goto('/shows?when=live');
    const clientId = await until(
      () => page.evaluate(() => localStorage.getItem('forgecast.analytics.client')),
      (id) => id !== null,
      30_000,
      'the client id in localStorage',
    );

    // Assess
    const sent = await until(
      async () =>
        ga4.accepted().filter((request) => (request.body as { client_id?: string }).client_id === clientId),
      (requests) => requests.length > 0,
      90_000,
      'a GA4 request for the browser',
    );
    const events = sent.flatMap(
      (request) => (request.body as { events: { name: string; params: Record<string, unknown> }[] }).events,
    );
    expect(events[0]).toMatchObject({
      name: 'page_view',
      params: { page_location: `${cloud.webUrl}/shows`, page_kind: 'catalogue' },
    });
    expect(ga4.received.every((request) => request.validationMessages.length === 0)).toBe(true);
    expect(JSON.stringify(ga4.received.map((request) => request.body))).not.toContain('"consent"');
  }, 180_000);

  it('a signed-in person’s choice is stored on their account and holds in their other browsers', async () => {
    // Prepare
    const person = cloud.identity.seededPeople.find((one) => one.role === 'creator');
    if (!person) throw new Error('no seeded creator');
    const first = await personPage('person-first');
    await signIn(
      first,
      { email: person.email, password: cloud.identity.seededPassword },
      cloud.webUrl,
      '/shows',
    );

    // Act
    await banner(first).getByRole('button', { name: 'Accept' }).click();
    const stored = await until(
      () => callFrom<{ granted: boolean | null }>(first, 'GET', '/me/analytics-consent'),
      (answer) => answer.json?.granted === true,
      30_000,
      'the stored choice',
    );
    // A page view after the choice: the person is named (by hash) from now on.
    await first.goto('/shows?when=on_demand');
    const second = await personPage('person-second');
    await signIn(
      second,
      { email: person.email, password: cloud.identity.seededPassword },
      cloud.webUrl,
      '/shows',
    );
    const adopted = await until(
      () => second.evaluate(() => localStorage.getItem('forgecast.analytics')),
      (choice) => choice !== null,
      30_000,
      'the account’s choice in the second browser',
    );

    // Assess
    expect(stored.status).toBe(200);
    expect(adopted).toBe('granted');
    await expect(banner(second).count()).resolves.toBe(0);
    const named = await until(
      analyticsEvents,
      (events) => events.some((event) => typeof event.payload.userIdHash === 'string'),
      60_000,
      'an event naming the person by hash',
    );
    expect(JSON.stringify(named)).not.toContain(person.email);
  }, 240_000);
});
