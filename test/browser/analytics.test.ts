import { createHmac, randomBytes } from 'node:crypto';
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
const SALT = randomBytes(32).toString('hex');

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
        ANALYTICS_ID_SALT: SALT,
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
    // The portal (another page of the same site) holds the same choice and offers the same change.
    await page.goto('/');
    await choicesButton(page).waitFor();
    await expect(banner(page).count()).resolves.toBe(0);
    await until(
      analyticsEvents,
      (events) => events.some((event) => event.payload.path === '/' && event.payload.page === 'portal'),
      60_000,
      'the portal page view in the outbox',
    );
    expect(ga4.received).toEqual([]);
  }, 120_000);

  it('accepting later from the foot of the page sends page views and sign-up with the browser’s id, which reach GA4', async () => {
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

    // Act: the visitor leaves for the identity provider's sign-up page; the beacon goes as the page hides
    await page.getByRole('link', { name: 'Create an account' }).first().click();
    await page.waitForURL((url) => !url.pathname.startsWith('/shows'));

    // Assess
    const stored = await until(
      analyticsEvents,
      (all) => all.some((event) => event.type === 'analytics.action' && event.payload.clientId === clientId),
      60_000,
      'the sign-up action in the outbox',
    );
    expect(stored.find((event) => event.type === 'analytics.action')?.payload).toMatchObject({
      action: 'sign_up',
      consent: true,
      clientId,
    });
  }, 180_000);

  it('a signed-in person’s choice is stored on their account, holds in their other browsers, and their checkout and purchase reach GA4 under their hash', async () => {
    // Prepare: a show on sale (the seeded creator), and the seeded viewer signed in on its page
    const creatorPerson = cloud.identity.seededPeople.find((one) => one.role === 'creator');
    const person = cloud.identity.seededPeople.find((one) => one.role === 'viewer');
    if (!creatorPerson || !person) throw new Error('no seeded creator or viewer');
    const creator = await personPage('creator');
    await signIn(
      creator,
      { email: creatorPerson.email, password: cloud.identity.seededPassword },
      cloud.webUrl,
      '/shows',
    );
    const show = await callFrom<{ id: string }>(creator, 'POST', '/shows', {
      title: `Counted ${Date.now().toString(36)}`,
      description: 'A show people look at.',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      capacity: 5,
      price: { amount: 1500, currency: 'eur' },
    });
    expect(show.status).toBe(201);
    const showId = show.json.id;
    const first = await personPage('person-first');
    await signIn(
      first,
      { email: person.email, password: cloud.identity.seededPassword },
      cloud.webUrl,
      `/shows/${showId}`,
    );

    // Act: accept, then buy (off to the local Stripe page), then sign in on another browser
    await banner(first).getByRole('button', { name: 'Accept' }).click();
    const stored = await until(
      () => callFrom<{ granted: boolean | null }>(first, 'GET', '/me/analytics-consent'),
      (answer) => answer.json?.granted === true,
      30_000,
      'the stored choice',
    );
    await first.getByRole('button', { name: /buy a ticket for/i }).click();
    await first.waitForURL((url) => url.origin === new URL(cloud.stripe.url).origin);
    await first.getByRole('button', { name: /^pay$/i }).click();
    await first.waitForURL((url) => url.origin === cloud.webUrl && url.pathname.endsWith('/bought'), {
      timeout: 90_000,
    });
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
    const [users] = await shows.db.pool.query<RowDataPacket[]>('SELECT id FROM users WHERE email = ?', [
      person.email,
    ]);
    const hash = createHmac('sha256', SALT)
      .update(users[0]?.id as string)
      .digest('hex');
    const checkout = await until(
      analyticsEvents,
      (all) => all.some((event) => event.payload.action === 'begin_checkout'),
      60_000,
      'begin_checkout in the outbox',
    );
    expect(checkout.find((event) => event.payload.action === 'begin_checkout')?.payload).toMatchObject({
      page: 'show',
      path: `/shows/${showId}`,
      showId,
      consent: true,
      userIdHash: hash,
    });
    expect(JSON.stringify(checkout)).not.toContain(person.email);
    expect(JSON.stringify(checkout)).not.toContain(users[0]?.id as string);
    const sent = await until(
      async () =>
        ga4
          .accepted()
          .filter((request) => (request.body as { user_id?: string }).user_id === hash)
          .flatMap(
            (request) =>
              (request.body as { events: { name: string; params: Record<string, unknown> }[] }).events,
          ),
      (events) => events.some((event) => event.name === 'begin_checkout'),
      90_000,
      'begin_checkout at GA4',
    );
    // The payment's tickets.issued goes as GA4's purchase, under the same hash.
    const purchases = await until(
      async () =>
        ga4
          .accepted()
          .filter((request) => (request.body as { user_id?: string }).user_id === hash)
          .flatMap(
            (request) =>
              (request.body as { events: { name: string; params: Record<string, unknown> }[] }).events,
          )
          .filter((event) => event.name === 'purchase'),
      (events) => events.length > 0,
      90_000,
      'the purchase at GA4',
    );
    expect(purchases[0]?.params).toMatchObject({
      currency: 'EUR',
      value: 15,
      items: [{ item_id: showId, quantity: 1 }],
    });
    expect(typeof purchases[0]?.params.transaction_id).toBe('string');
    expect(sent.find((event) => event.name === 'begin_checkout')?.params).toMatchObject({
      show_id: showId,
      page_kind: 'show',
    });
  }, 300_000);
});
