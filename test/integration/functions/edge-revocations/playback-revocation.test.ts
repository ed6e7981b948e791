import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { scheduleTick } from '#events/schedule-tick.ts';
import { edgeRevocationsManifest } from '#functions/edge-revocations/manifest.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { showAccessManifest } from '#functions/show-access/manifest.ts';
import { stripeWebhookManifest } from '#functions/stripe-webhook/manifest.ts';
import { ticketsManifest } from '#functions/tickets/manifest.ts';
import { newId } from '#shared/ids.ts';
import type { Payments } from '#shared/payments/payments.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { insertVideo } from '#shared/video/video-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { functionFromSource } from '#test/support/function-source.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { paymentsFor, startTestStripe, stripeEnv } from '#test/support/stripe.ts';
import { type RunningLocalEdge, startLocalEdge } from '../../../../infra/local/edge/edge.ts';
import { LOCAL_REVOCATION_DICTIONARY_ID } from '../../../../infra/local/edge/revocation-list-api.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';
import { Scheduler, scheduledCalls } from '../../../../infra/local/scheduler.ts';
import type { RunningLocalStripe } from '../../../../infra/local/stripe/server.ts';

const EDGE_KEY = randomBytes(32);
const REGION = 'local-1';
const BUCKET = 'media';
const SERVICE_ID = 'RevocationTestService';
const FASTLY_TOKEN = randomBytes(16).toString('hex');
const FIREBASE_SERVICE_ACCOUNT = JSON.stringify({
  type: 'service_account',
  client_email: 'chat@forgecast-test.iam.gserviceaccount.com',
  private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }),
});
/** Issue 13: the edge refuses a revoked ticket's next segment within 60 s. */
const REVOCATION_BOUND_MS = 60_000;

interface Org {
  orgId: string;
  key: string;
}

/**
 * Revocation reaches playback: a ticket holder's already issued playback URL stops working at the
 * edge once the ticket is revoked — by a refund or a dispute at (the local) Stripe, or by the
 * show's creator — through the real path: the revoking function writes the revocation in its
 * transaction, the edge-revocations function (ticked by the local scheduler) pushes it through
 * Fastly's dictionary API to the local edge, which then refuses the token.
 */
describe('Playback revocation at the edge', () => {
  let db: TestDatabase;
  let s3: S3TestServer;
  let edge: RunningLocalEdge;
  let stripe: RunningLocalStripe & { secretKey: string; webhookSecret: string };
  let payments: Payments;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let scheduler: Scheduler;
  let creator: Org;
  let viewer: Org;
  let otherViewer: Org;
  let videoId: string;

  const rows = async (sql: string, params: unknown[] = []) =>
    (await db.pool.query<RowDataPacket[]>(sql, params))[0];

  const post = (path: string, key: string, body?: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  async function insertShow(): Promise<string> {
    const id = newId();
    await db.pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency, video_id)
       VALUES (?, ?, ?, NOW(3) + INTERVAL 7 DAY, 100, 2500, 'eur', ?)`,
      [id, creator.orgId, `Show ${id.slice(-6)}`, videoId],
    );
    return id;
  }

  /** An order paid at the local Stripe and fulfilled by the webhook: its payment intent. */
  async function buyAtStripe(
    showId: string,
    buyer: Org,
  ): Promise<{ holdId: string; paymentIntentId: string }> {
    const holdId = newId();
    await db.pool.query(
      `INSERT INTO seat_holds (id, show_id, buyer_org_id, quantity, amount_total, currency, status, expires_at)
       VALUES (?, ?, ?, 1, 2500, 'eur', 'held', NOW(3) + INTERVAL 40 MINUTE)`,
      [holdId, showId, buyer.orgId],
    );
    const session = await payments.createCheckoutSession({
      holdId,
      showId,
      title: 'A show',
      unitAmount: 2500,
      currency: 'eur',
      quantity: 1,
      expiresAt: new Date(Date.now() + 31 * 60_000),
      successUrl: 'https://forgecast.test/done',
      cancelUrl: 'https://forgecast.test/cancelled',
      idempotencyKey: `checkout-${holdId}`,
    });
    await db.pool.query('UPDATE seat_holds SET checkout_session_id = ? WHERE id = ?', [session.id, holdId]);
    const { event, delivery } = await stripe.complete(session.id);
    expect(delivery?.status).toBe(200);
    const paymentIntentId = (event.data.object as { payment_intent: string }).payment_intent;
    return { holdId, paymentIntentId };
  }

  /** The holder's playback URL of the show's master playlist, and one segment under the same token. */
  async function playbackUrls(showId: string, holder: Org): Promise<{ master: string; segment: string }> {
    const response = await post(`/shows/${showId}/playback`, holder.key);
    expect(response.status).toBe(200);
    const { url } = (await response.json()) as { url: string };
    return { master: url, segment: url.replace(/master\.m3u8$/, '360p/seg-00001.m4s') };
  }

  /** The edge-revocations function's CDN settings: the local edge, through Fastly's API. */
  const fastlyEnv = (token = FASTLY_TOKEN) => ({
    CDN_BACKEND: 'fastly',
    FASTLY_API_BASE: edge.url,
    FASTLY_SERVICE_ID: SERVICE_ID,
    FASTLY_REVOCATION_API_TOKEN: token,
    FASTLY_REVOCATION_DICTIONARY_ID: LOCAL_REVOCATION_DICTIONARY_ID,
  });

  async function until(done: () => Promise<boolean>, boundMs = REVOCATION_BOUND_MS): Promise<void> {
    const started = Date.now();
    while (!(await done())) {
      if (Date.now() - started > boundMs) throw new Error(`not within ${boundMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Polls the edge until it refuses the URL; the time it took, or a failure past the bound. */
  async function refusedWithin(
    url: string,
    boundMs: number,
  ): Promise<{ ms: number; status: number; body: string }> {
    const started = Date.now();
    for (;;) {
      const response = await fetch(url);
      const body = await response.text();
      if (response.status !== 200) return { ms: Date.now() - started, status: response.status, body };
      if (Date.now() - started > boundMs) throw new Error(`still playing after ${boundMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'playback_revocation');
    creator = await createOrgWithKey(db.pool, ['shows:write'], { kind: 'creator' });
    viewer = await createOrgWithKey(db.pool, ['tickets:read', 'tickets:buy'], { kind: 'viewer' });
    otherViewer = await createOrgWithKey(db.pool, ['tickets:read', 'tickets:buy'], { kind: 'viewer' });

    s3 = await startS3TestServer({
      tempPrefix: 'forgecast-revocation-',
      accessKeyId: 'REVOKEKEY',
      secretAccessKey: 'revoke-secret',
      region: REGION,
      buckets: [BUCKET],
    });
    const store = createS3ObjectStore({
      endpoint: s3.server.endpoint,
      region: REGION,
      accessKeyId: 'REVOKEKEY',
      secretAccessKey: 'revoke-secret',
    });
    edge = await startLocalEdge({
      store,
      bucket: BUCKET,
      tokenKeys: [EDGE_KEY],
      serviceId: SERVICE_ID,
      apiToken: FASTLY_TOKEN,
    });

    videoId = newId();
    await insertVideo(db.pool, {
      id: videoId,
      orgId: creator.orgId,
      title: 'Concert',
      contentType: 'video/mp4',
      declaredBytes: 1000,
    });
    const prefix = `videos/${videoId}/v1/`;
    await db.pool.query("UPDATE video_assets SET status = 'ready', media_prefix = ? WHERE id = ?", [
      prefix,
      videoId,
    ]);
    await store.put(
      BUCKET,
      `${prefix}master.m3u8`,
      Buffer.from('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n'),
    );
    await store.put(BUCKET, `${prefix}360p/seg-00001.m4s`, randomBytes(2048));

    stripe = await startTestStripe();
    payments = paymentsFor(stripe);
    const fastly = fastlyEnv();
    runner = new FnRunner([
      functionFromSource(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }, { timeoutSeconds: 30 }),
      functionFromSource(
        'tickets',
        { MYSQL_URL: db.url, TICKET_CODE_KEY: randomBytes(32).toString('hex') },
        { timeoutSeconds: 30 },
      ),
      functionFromSource(
        'show-access',
        {
          MYSQL_URL: db.url,
          EDGE_BASE_URL: edge.url,
          EDGE_TOKEN_KEYS: EDGE_KEY.toString('hex'),
          FIREBASE_SERVICE_ACCOUNT_JSON: FIREBASE_SERVICE_ACCOUNT,
        },
        { timeoutSeconds: 30 },
      ),
      functionFromSource(
        'stripe-webhook',
        {
          MYSQL_URL: db.url,
          ...stripeEnv(stripe),
          STRIPE_WEBHOOK_SECRETS: stripe.webhookSecret,
        },
        { timeoutSeconds: 30 },
      ),
      functionFromSource('edge-revocations', { MYSQL_URL: db.url, ...fastly }, { timeoutSeconds: 30 }),
    ]);
    gateway = await startGateway({
      runner,
      routes: routesOf(ticketsManifest, showAccessManifest, stripeWebhookManifest),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
      rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    });
    stripe.setWebhookUrl(`${gateway.url}/webhooks/stripe`);
    // The local cloud's schedule for the pusher (every 2 s), as npm start runs it.
    scheduler = new Scheduler({ runner, calls: scheduledCalls([edgeRevocationsManifest]) });
    scheduler.start();
  }, 120_000);

  afterAll(async () => {
    await scheduler?.close();
    await gateway?.close();
    await runner?.close();
    await stripe?.close();
    await edge?.close();
    await s3?.stop();
    await db?.drop();
  });

  it('refuses the next segment of a ticket its show’s creator revoked, within 60 s; other holders play on', async () => {
    // Prepare
    const show = await insertShow();
    await buyAtStripe(show, viewer);
    await buyAtStripe(show, otherViewer);
    const [ticket] = await rows('SELECT id FROM tickets WHERE show_id = ? AND holder_org_id = ?', [
      show,
      viewer.orgId,
    ]);
    const revokedUrls = await playbackUrls(show, viewer);
    const keptUrls = await playbackUrls(show, otherViewer);
    expect((await fetch(revokedUrls.segment)).status).toBe(200);

    // Act
    const revoked = await post(`/tickets/${ticket?.id}/revoke`, creator.key, { reason: 'resold' });
    expect(revoked.status).toBe(200);
    const refusal = await refusedWithin(revokedUrls.segment, REVOCATION_BOUND_MS);

    // Assess
    expect(refusal.status).toBe(403);
    expect(refusal.body).toMatch(/revoked/);
    expect(refusal.ms).toBeLessThan(REVOCATION_BOUND_MS);
    expect((await fetch(revokedUrls.master)).status).toBe(403);
    expect((await fetch(keptUrls.segment)).status).toBe(200);
    expect(
      await rows('SELECT grant_id, kind, pushed_at IS NOT NULL AS pushed FROM edge_revocations'),
    ).toEqual(expect.arrayContaining([{ grant_id: ticket?.id, kind: 'ticket', pushed: 1 }]));
  }, 120_000);

  it('refuses the playback URL of an order refunded at Stripe (POST /v1/refunds), within 60 s', async () => {
    // Prepare
    const show = await insertShow();
    const order = await buyAtStripe(show, viewer);
    const urls = await playbackUrls(show, viewer);
    expect((await fetch(urls.segment)).status).toBe(200);

    // Act
    const refund = await fetch(`${stripe.url}/v1/refunds`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stripe.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ payment_intent: order.paymentIntentId }),
    });
    expect(refund.status).toBe(200);
    await stripe.flush();
    const refusal = await refusedWithin(urls.segment, REVOCATION_BOUND_MS);

    // Assess
    expect(refusal).toMatchObject({ status: 403, body: expect.stringMatching(/revoked/) });
    expect(refusal.ms).toBeLessThan(REVOCATION_BOUND_MS);
  }, 120_000);

  it('refuses the playback URL of a disputed order within 60 s', async () => {
    // Prepare
    const show = await insertShow();
    const order = await buyAtStripe(show, viewer);
    const urls = await playbackUrls(show, viewer);
    expect((await fetch(urls.segment)).status).toBe(200);

    // Act
    const { delivery } = await stripe.dispute(order.paymentIntentId);
    expect(delivery?.status).toBe(200);
    const refusal = await refusedWithin(urls.segment, REVOCATION_BOUND_MS);

    // Assess
    expect(refusal).toMatchObject({ status: 403, body: expect.stringMatching(/revoked/) });
    expect(refusal.ms).toBeLessThan(REVOCATION_BOUND_MS);
  }, 120_000);

  it('keeps the list bounded: an entry no token can outlive leaves the edge and the database', async () => {
    // Prepare: a revocation whose keep-until has passed, already at the edge
    const show = await insertShow();
    await buyAtStripe(show, otherViewer);
    const [ticket] = await rows('SELECT id FROM tickets WHERE show_id = ?', [show]);
    const grantId = String(ticket?.id);
    expect((await post(`/tickets/${grantId}/revoke`, creator.key)).status).toBe(200);
    await until(async () => edge.revoked.has(grantId));
    await db.pool.query(
      'UPDATE edge_revocations SET keep_until = NOW(3) - INTERVAL 1 SECOND WHERE grant_id = ?',
      [grantId],
    );

    // Act
    await until(async () => !edge.revoked.has(grantId));

    // Assess
    expect(await rows('SELECT grant_id FROM edge_revocations WHERE grant_id = ?', [grantId])).toEqual([]);
  }, 120_000);

  it('pushes the live list again from a fresh pusher instance, so an edge that lost it relearns it', async () => {
    // Prepare: a revoked ticket, at the edge; then the edge loses its list (a local restart)
    const show = await insertShow();
    await buyAtStripe(show, otherViewer);
    const [ticket] = await rows('SELECT id FROM tickets WHERE show_id = ?', [show]);
    const grantId = String(ticket?.id);
    const urls = await playbackUrls(show, otherViewer);
    expect((await post(`/tickets/${grantId}/revoke`, creator.key)).status).toBe(200);
    await until(async () => edge.revoked.has(grantId));
    await scheduler.close();
    edge.revoked.applyBatch(
      edge.revoked.entries().map(([key]) => ({ op: 'delete' as const, item_key: key })),
    );
    expect((await fetch(urls.segment)).status).toBe(200);

    // Act: a new instance of the pusher (the cloud started again) takes its first tick
    const fresh = new FnRunner([
      functionFromSource('edge-revocations', { MYSQL_URL: db.url, ...fastlyEnv() }, { timeoutSeconds: 30 }),
    ]);
    const outcome = await fresh.call('edge-revocations', {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(scheduleTick('edge-revocations', 'push'))),
    });
    await fresh.close();

    // Assess
    expect(outcome.kind).toBe('ok');
    expect(edge.revoked.has(grantId)).toBe(true);
    expect((await fetch(urls.segment)).status).toBe(403);
  }, 120_000);

  it('keeps a revocation the edge refused, counts the failure, and pushes it on a later tick', async () => {
    // Prepare: the edge refuses the pusher's credentials for now
    const show = await insertShow();
    await buyAtStripe(show, otherViewer);
    const [ticket] = await rows('SELECT id FROM tickets WHERE show_id = ?', [show]);
    const grantId = String(ticket?.id);
    const urls = await playbackUrls(show, otherViewer);
    await scheduler.close();
    await runner.close();
    const failing = new FnRunner([
      functionFromSource(
        'edge-revocations',
        {
          MYSQL_URL: db.url,
          CDN_BACKEND: 'fastly',
          FASTLY_API_BASE: edge.url,
          FASTLY_SERVICE_ID: SERVICE_ID,
          FASTLY_REVOCATION_API_TOKEN: 'a token the edge does not know',
          FASTLY_REVOCATION_DICTIONARY_ID: LOCAL_REVOCATION_DICTIONARY_ID,
        },
        { timeoutSeconds: 30 },
      ),
    ]);
    const tick = () =>
      failing.call('edge-revocations', {
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from(JSON.stringify(scheduleTick('edge-revocations', 'push'))),
      });
    await db.pool.query(`UPDATE tickets SET status = 'revoked', revoked_at = NOW(3) WHERE id = ?`, [grantId]);
    await db.pool.query(
      `INSERT INTO edge_revocations (grant_id, kind, reason, keep_until)
       VALUES (?, 'ticket', 'test', NOW(3) + INTERVAL 1 HOUR)`,
      [grantId],
    );

    // Act
    const outcome = await tick();
    await failing.close();
    const playingMeanwhile = (await fetch(urls.segment)).status;
    const healed = new FnRunner([
      functionFromSource(
        'edge-revocations',
        {
          MYSQL_URL: db.url,
          CDN_BACKEND: 'fastly',
          FASTLY_API_BASE: edge.url,
          FASTLY_SERVICE_ID: SERVICE_ID,
          FASTLY_REVOCATION_API_TOKEN: FASTLY_TOKEN,
          FASTLY_REVOCATION_DICTIONARY_ID: LOCAL_REVOCATION_DICTIONARY_ID,
        },
        { timeoutSeconds: 30 },
      ),
    ]);
    const healedOutcome = await healed.call('edge-revocations', {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(scheduleTick('edge-revocations', 'push'))),
    });
    await healed.close();

    // Assess: nothing lost while the edge refused; refused at the edge after the good push
    expect(outcome.kind).toBe('ok');
    expect(playingMeanwhile).toBe(200);
    expect(healedOutcome.kind).toBe('ok');
    expect((await fetch(urls.segment)).status).toBe(403);
    const [row] = await rows(
      'SELECT pushed_at IS NOT NULL AS pushed, push_failures, last_error FROM edge_revocations WHERE grant_id = ?',
      [grantId],
    );
    expect(row).toEqual({ pushed: 1, push_failures: 1, last_error: null });
  }, 120_000);
});
