import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DOMAIN_EVENTS, type DomainEventType } from '#events/domain/catalogue.ts';
import { encodePublishedEvent, streamKeyOf } from '#events/domain/stream-message.ts';
import { scheduleTick } from '#events/schedule-tick.ts';
import { analyticsForwardManifest } from '#functions/analytics/forward-manifest.ts';
import { analyticsManifest } from '#functions/analytics/manifest.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { withTransaction } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import { appendToOutbox } from '#shared/outbox/outbox.ts';
import { hashSessionId, newSessionId } from '#shared/people/session-cookie.ts';
import { insertSession } from '#shared/people/session-repository.ts';
import { upsertUserFromIdentity } from '#shared/people/user-repository.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type FakeGa4, startFakeGa4 } from '#test/support/fake-ga4.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';

const PORTAL = 'http://portal.forgecast.test';
const SALT = randomBytes(32).toString('hex');
const MEASUREMENT_ID = 'G-TEST12345';
const API_SECRET = randomBytes(16).toString('base64url');
const STREAM = { name: 'domain-events', partitions: 2 };
const LIFETIME = { idleMs: 3_600_000, absoluteMs: 7_200_000 };

interface Person {
  readonly userId: string;
  readonly cookie: string;
}

interface OutboxRow {
  readonly id: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly createdAt: Date;
  readonly seq: string;
}

const clientId = () => `c${randomBytes(8).toString('hex')}`;
const pageView = (path = '/shows', page = 'catalogue', extra: Record<string, string> = {}) => ({
  kind: 'page_view',
  page,
  path,
  ...extra,
});

/**
 * The analytics function behind the real gateway and authorizer on MariaDB, and analytics-forward
 * reading the MariaDB event stream and sending to the GA4 stand-in, both as built bundles.
 */
describe('Function: analytics', () => {
  let db: TestDatabase;
  let ga4: FakeGa4;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let stream: MySqlEventStream;
  let published = 0n;

  async function person(): Promise<Person> {
    const { user } = await upsertUserFromIdentity(db.pool, {
      issuer: 'https://id.forgecast.test',
      subject: newId(),
      email: `p.${newId().toLowerCase()}@example.test`,
      name: 'Pat',
      locale: null,
    });
    const sessionId = newSessionId();
    await insertSession(
      db.pool,
      { idHash: hashSessionId(sessionId), userId: user.id, orgId: null, userAgent: null },
      LIFETIME,
      new Date(),
    );
    return { userId: user.id, cookie: `fc_session=${sessionId}` };
  }

  const collect = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/analytics/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const asPerson = (who: Person, origin = PORTAL) => ({ cookie: who.cookie, origin });

  const putConsent = (who: Person, granted: boolean, origin = PORTAL) =>
    fetch(`${gateway.url}/me/analytics-consent`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...asPerson(who, origin) },
      body: JSON.stringify({ granted }),
    });

  async function outboxAfter(seq: string): Promise<OutboxRow[]> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT id, aggregate_type, aggregate_id, event_type, payload, created_at, seq FROM outbox WHERE seq > ? ORDER BY seq',
      [seq],
    );
    return rows.map((row) => ({
      id: row.id as string,
      aggregateType: row.aggregate_type as string,
      aggregateId: row.aggregate_id as string,
      type: row.event_type as string,
      payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<
        string,
        unknown
      >,
      createdAt: row.created_at as Date,
      seq: String(row.seq),
    }));
  }

  async function lastSeq(): Promise<string> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT COALESCE(MAX(seq), 0) AS seq FROM outbox');
    return String(rows[0]?.seq ?? 0);
  }

  /** What the outbox relay does (H2's function is tested on its own): every new row onto the stream. */
  async function relay(): Promise<void> {
    const rows = await outboxAfter(published.toString());
    if (rows.length === 0) return;
    const outcomes = await stream.put(
      rows.map((row) => {
        const event = {
          id: row.id,
          type: row.type as DomainEventType,
          version: 1,
          aggregateType: row.aggregateType,
          aggregateId: row.aggregateId,
          occurredAt: row.createdAt.toISOString(),
          sequence: row.seq,
          payload: row.payload,
        };
        return { key: streamKeyOf(event), value: encodePublishedEvent(event) };
      }),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    published = BigInt(rows.at(-1)?.seq ?? published);
  }

  /** One scheduled run; a run that threw (the FDK's 502, retried at the next tick) is `failed`. */
  async function forward(): Promise<EventOutcome | { status: 'failed' }> {
    const outcome = await runner.call(analyticsForwardManifest.name, {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(scheduleTick(analyticsForwardManifest.name, 'forward'))),
    });
    if (outcome.kind === 'failed') return { status: 'failed' };
    if (outcome.kind !== 'ok') throw new Error(`delivery ended ${outcome.kind}`);
    return JSON.parse(outcome.reply.body.toString('utf8')) as EventOutcome;
  }

  const sentEvents = () =>
    ga4.received.flatMap((request) =>
      ((request.body as { events?: { name: string; params: Record<string, unknown> }[] }).events ?? []).map(
        (event) => ({ request, event }),
      ),
    );

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'analytics');
    ga4 = await startFakeGa4({ measurementId: MEASUREMENT_ID, apiSecret: API_SECRET });
    stream = new MySqlEventStream({ pool: db.pool, ...STREAM });
    published = BigInt(await lastSeq());
    const env = {
      MYSQL_URL: db.url,
      PORTAL_ORIGIN: PORTAL,
      ANALYTICS_ID_SALT: SALT,
    };
    runner = new FnRunner([
      bundledFunction(analyticsManifest.name, env),
      bundledFunction(
        analyticsForwardManifest.name,
        {
          ...env,
          GA4_MEASUREMENT_ID: MEASUREMENT_ID,
          GA4_API_SECRET: API_SECRET,
          GA4_BASE_URL: ga4.url,
          STREAM_NAME: STREAM.name,
          STREAM_PARTITIONS: String(STREAM.partitions),
        },
        60,
      ),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url, PORTAL_ORIGIN: PORTAL }),
    ]);
    gateway = await startGateway({
      runner,
      routes: analyticsManifest.routes.map((route) => ({ ...route, functionName: analyticsManifest.name })),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await ga4?.close();
    await db?.drop();
  });

  describe('Route: POST /analytics/events', () => {
    it('stores page views without any identifier when the visitor declines, each a valid catalogue event', async () => {
      // Prepare
      const before = await lastSeq();

      // Act
      const response = await collect({
        consent: false,
        events: [pageView('/shows/s-1', 'show', { showId: 's-1' }), pageView()],
      });

      // Assess
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ accepted: 2, identified: false });
      const rows = await outboxAfter(before);
      expect(rows.map((row) => row.type)).toEqual(['analytics.page_viewed', 'analytics.page_viewed']);
      expect(rows[0]?.payload).toEqual({ page: 'show', path: '/shows/s-1', showId: 's-1', consent: false });
      for (const row of rows) {
        expect(row.aggregateType).toBe('visitor');
        expect(DOMAIN_EVENTS['analytics.page_viewed'].payload.safeParse(row.payload).success).toBe(true);
      }
      // Nothing links the two: a random aggregate per event.
      expect(new Set(rows.map((row) => row.aggregateId)).size).toBe(2);
    });

    it('keeps the client id with consent, and names a signed-in person only by a salted hash when their stored choice agrees', async () => {
      // Prepare
      const agreeing = await person();
      const declining = await person();
      expect((await putConsent(agreeing, true)).status).toBe(200);
      expect((await putConsent(declining, false)).status).toBe(200);
      const browser = clientId();
      const before = await lastSeq();

      // Act
      const anonymous = await collect({ consent: true, clientId: browser, events: [pageView()] });
      const named = await collect(
        {
          consent: true,
          clientId: browser,
          events: [
            { kind: 'action', action: 'begin_checkout', page: 'show', path: '/shows/s-2', showId: 's-2' },
          ],
        },
        asPerson(agreeing),
      );
      const declined = await collect(
        { consent: true, clientId: browser, events: [pageView()] },
        asPerson(declining),
      );
      const foreign = await collect(
        { consent: true, clientId: browser, events: [pageView()] },
        asPerson(agreeing, 'https://elsewhere.example'),
      );

      // Assess
      expect(await anonymous.json()).toEqual({ accepted: 1, identified: true });
      expect(await named.json()).toEqual({ accepted: 1, identified: true });
      expect(await declined.json()).toEqual({ accepted: 1, identified: false });
      expect(await foreign.json()).toEqual({ accepted: 1, identified: true });
      const [first, second, third, fourth] = await outboxAfter(before);
      expect(first?.payload).toEqual({ page: 'catalogue', path: '/shows', consent: true, clientId: browser });
      expect(first?.aggregateId).toBe(browser);
      expect(second?.type).toBe('analytics.action');
      expect(second?.payload).toEqual({
        action: 'begin_checkout',
        page: 'show',
        path: '/shows/s-2',
        showId: 's-2',
        consent: true,
        clientId: browser,
        userIdHash: createHmac('sha256', SALT).update(agreeing.userId).digest('hex'),
      });
      expect(JSON.stringify(second)).not.toContain(agreeing.userId);
      expect(third?.payload).toEqual({ page: 'catalogue', path: '/shows', consent: false });
      expect(third?.aggregateId).not.toBe(browser);
      // Another site's page cannot make events in the person's name: the cookie is not read.
      expect(fourth?.payload).toEqual({
        page: 'catalogue',
        path: '/shows',
        consent: true,
        clientId: browser,
      });
    });

    it('accepts the text/plain body navigator.sendBeacon sends', async () => {
      // Act
      const response = await collect(JSON.stringify({ consent: false, events: [pageView()] }), {
        'content-type': 'text/plain;charset=UTF-8',
      });

      // Assess
      expect(response.status).toBe(202);
    });

    it('refuses bodies over its bounds, ids without consent and values the catalogue does not take', async () => {
      // Prepare
      const before = await lastSeq();
      const many = Array.from({ length: 21 }, () => pageView());
      const long = { consent: false, events: [pageView(`/${'a'.repeat(255)}`)], padding: 'x'.repeat(9000) };

      // Act
      const tooMany = await collect({ consent: false, events: many });
      const tooLarge = await collect(long);
      const idWithoutConsent = await collect({ consent: false, clientId: clientId(), events: [pageView()] });
      const consentWithoutId = await collect({ consent: true, events: [pageView()] });
      const withQuery = await collect({ consent: false, events: [pageView('/shows?q=secret')] });
      const unknownPage = await collect({ consent: false, events: [pageView('/x', 'admin-secrets')] });
      const unknownMember = await collect({ consent: false, events: [{ ...pageView(), email: 'a@b.c' }] });
      const none = await collect({ consent: false, events: [] });

      // Assess
      expect(tooMany.status).toBe(400);
      expect(tooLarge.status).toBe(413);
      for (const response of [
        idWithoutConsent,
        consentWithoutId,
        withQuery,
        unknownPage,
        unknownMember,
        none,
      ]) {
        expect(response.status).toBe(400);
      }
      expect(await outboxAfter(before)).toEqual([]);
    });
  });

  describe('Route: /me/analytics-consent', () => {
    it('stores and changes a person’s choice through the gateway, from the portal’s pages only', async () => {
      // Prepare
      const pat = await person();
      const get = () => fetch(`${gateway.url}/me/analytics-consent`, { headers: asPerson(pat) });
      const key = await createOrgWithKey(db.pool, ['shows:read']);

      // Act
      const first = await get();
      const accepted = await putConsent(pat, true);
      const afterAccept = await get();
      const foreign = await putConsent(pat, false, 'https://elsewhere.example');
      const declined = await putConsent(pat, false);
      const withKey = await fetch(`${gateway.url}/me/analytics-consent`, {
        headers: { authorization: `Bearer ${key.key}` },
      });
      const anonymous = await fetch(`${gateway.url}/me/analytics-consent`);

      // Assess
      expect(await first.json()).toEqual({ granted: null, decidedAt: null });
      expect(accepted.status).toBe(200);
      const acceptedBody = (await afterAccept.json()) as { granted: boolean; decidedAt: string };
      expect(acceptedBody.granted).toBe(true);
      expect(Date.now() - Date.parse(acceptedBody.decidedAt)).toBeLessThan(60_000);
      expect(foreign.status).toBe(403);
      expect(((await declined.json()) as { granted: boolean }).granted).toBe(false);
      expect(withKey.status).toBe(403);
      expect(((await withKey.json()) as { code?: string; type: string }).type).toContain('not-a-person');
      expect(anonymous.status).toBe(401);
    });
  });

  describe('Function: analytics-forward', () => {
    it('sends consented events and consenting buyers’ purchases to GA4 in the documented shape, never unconsented ones', async () => {
      // Prepare: drain what earlier tests wrote, so this test sees only its own events.
      await relay();
      expect((await forward()).status).toBe('processed');
      const sentBefore = ga4.received.length;
      const buyer = await person();
      const otherBuyer = await person();
      expect((await putConsent(buyer, true)).status).toBe(200);
      const browser = clientId();
      const hidden = clientId();
      const manyViews = Array.from({ length: 15 }, (_, i) =>
        pageView(`/shows/s-${i}`, 'show', { showId: `s-${i}` }),
      );
      expect((await collect({ consent: true, clientId: browser, events: manyViews })).status).toBe(202);
      expect((await collect({ consent: true, clientId: browser, events: manyViews })).status).toBe(202);
      expect((await collect({ consent: false, events: manyViews })).status).toBe(202);
      // A browser that consents while its person declined (stored) must not be sent either.
      expect((await putConsent(otherBuyer, false)).status).toBe(200);
      expect(
        (await collect({ consent: true, clientId: hidden, events: [pageView()] }, asPerson(otherBuyer)))
          .status,
      ).toBe(202);
      for (const [who, holdId] of [
        [buyer, `h-${newId()}`],
        [otherBuyer, `h-${newId()}`],
      ] as const) {
        await withTransaction(db.pool, (connection) =>
          appendToOutbox(connection, {
            type: 'tickets.issued',
            aggregateType: 'order',
            aggregateId: holdId,
            payload: {
              holdId,
              showId: 's-3',
              holderOrgId: null,
              holderUserId: who.userId,
              ticketIds: [randomUUID()],
              quantity: 1,
              paymentIntentId: 'pi_1',
            },
          }),
        );
      }
      await relay();

      // Act
      const outcome = await forward();
      const again = await forward();

      // Assess
      expect(outcome.status).toBe('processed');
      const requests = ga4.received.slice(sentBefore);
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        expect(request.path).toBe('/mp/collect');
        expect(request.validationMessages).toEqual([]);
        expect(request.contentType).toContain('application/json');
        expect((request.body as { events: unknown[] }).events.length).toBeLessThanOrEqual(25);
      }
      const events = sentEvents().filter(({ request }) => requests.includes(request));
      const views = events.filter(
        ({ request }) => (request.body as { client_id: string }).client_id === browser,
      );
      expect(views).toHaveLength(30);
      expect(views[0]?.event).toMatchObject({
        name: 'page_view',
        params: { page_location: `${PORTAL}/shows/s-0`, page_kind: 'show', show_id: 's-0' },
      });
      expect(JSON.stringify(requests.map((request) => request.body))).not.toContain(hidden);
      const purchases = events.filter(({ event }) => event.name === 'purchase');
      expect(purchases).toHaveLength(1);
      const buyerHash = createHmac('sha256', SALT).update(buyer.userId).digest('hex');
      expect((purchases[0]?.request.body as { user_id?: string } | undefined)?.user_id).toBe(buyerHash);
      expect(events).toHaveLength(31);
      // Committed: the next run reads nothing new.
      expect(again.status).toBe('processed');
      expect(ga4.received.length).toBe(sentBefore + requests.length);
    });

    it('answers ignored and sends nothing while GA4 is not configured (the local cloud’s default)', async () => {
      // Prepare: the same function without GA4's measurement id and secret
      const unconfigured = new FnRunner([
        bundledFunction(analyticsForwardManifest.name, { MYSQL_URL: db.url, PORTAL_ORIGIN: PORTAL }),
      ]);
      const sentBefore = ga4.received.length;
      try {
        // Act
        const outcome = await unconfigured.call(analyticsForwardManifest.name, {
          headers: { 'Content-Type': 'application/json' },
          body: Buffer.from(JSON.stringify(scheduleTick(analyticsForwardManifest.name, 'forward'))),
        });

        // Assess
        expect(outcome.kind).toBe('ok');
        const answer = outcome.kind === 'ok' ? JSON.parse(outcome.reply.body.toString('utf8')) : undefined;
        expect(answer).toEqual({ status: 'ignored', reason: 'GA4 is not configured' });
        expect(ga4.received.length).toBe(sentBefore);
      } finally {
        await unconfigured.close();
      }
    });

    it('does not commit a batch GA4 refused: it is sent on the next run', async () => {
      // Prepare
      await relay();
      await forward();
      const browser = clientId();
      expect((await collect({ consent: true, clientId: browser, events: [pageView()] })).status).toBe(202);
      await relay();
      ga4.failNext(1, 503);
      const sentTo = () =>
        ga4.accepted().filter((request) => (request.body as { client_id: string }).client_id === browser);

      // Act
      const refused = await forward();
      const retried = await forward();

      // Assess
      expect(refused.status).toBe('failed');
      const tries = ga4.received.filter(
        (request) => (request.body as { client_id: string }).client_id === browser,
      );
      expect(tries.map((request) => request.status)).toEqual([503, 204]);
      expect(retried.status).toBe('processed');
      expect(sentTo()).toHaveLength(1);
    });
  });
});
