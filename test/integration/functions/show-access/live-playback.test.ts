import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { showAccessManifest } from '#functions/show-access/manifest.ts';
import { verifyEdgeRequest } from '#shared/cdn/edge-token.ts';
import { withTransaction } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import {
  claimPublishSession,
  createLiveStream,
  findStreamForKey,
  type LiveDeps,
  type LiveStream,
  recordAgentUpdate,
  recordPublisherDone,
  requestEnd,
} from '#shared/live/live-stream-repository.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import { recordReady } from '#shared/video/video-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { functionFromSource } from '#test/support/function-source.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';

const EDGE_KEY = randomBytes(32);
const EDGE_BASE_URL = 'https://media.forgecast.test';
const TTL_SECONDS = 300;

interface Playback {
  url: string;
  expiresAt: string;
  live: boolean;
}

/** show-access for live shows, behind the real gateway and authorizer, on MariaDB. */
describe('Function: show-access (live shows)', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let deps: LiveDeps;
  let creatorOrg: string;
  let viewer: { orgId: string; key: string };
  let stranger: { orgId: string; key: string };

  const playback = (showId: string, key: string) =>
    fetch(`${gateway.url}/shows/${showId}/playback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });

  async function insertShow(): Promise<string> {
    const id = newId();
    await db.pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, seats_sold, price_amount, currency)
       VALUES (?, ?, 'Live night', '2031-05-01 19:30:00', 100, 1, 1500, 'eur')`,
      [id, creatorOrg],
    );
    return id;
  }

  async function insertTicket(showId: string, holderOrgId: string): Promise<string> {
    const holdId = newId();
    await db.pool.query(
      `INSERT INTO seat_holds (id, show_id, buyer_org_id, quantity, amount_total, currency, status,
         checkout_session_id, payment_status, expires_at, paid_at)
       VALUES (?, ?, ?, 1, 1500, 'eur', 'paid', ?, 'paid', NOW(3) + INTERVAL 30 MINUTE, NOW(3))`,
      [holdId, showId, holderOrgId, `cs_test_${holdId}`],
    );
    const id = newId();
    await db.pool.query(
      'INSERT INTO tickets (id, show_id, hold_id, holder_org_id, seat) VALUES (?, ?, ?, ?, 1)',
      [id, showId, holdId, holderOrgId],
    );
    return id;
  }

  /** A show with a live stream (linked through the live repository) and a ticket held by the viewer. */
  async function liveShow(): Promise<{ showId: string; ticketId: string; stream: LiveStream; key: string }> {
    const showId = await insertShow();
    const created = await createLiveStream(db.pool, {
      orgId: creatorOrg,
      title: 'Live night',
      showId,
      reconnectWindowSeconds: 60,
      maxDurationSeconds: 3600,
    });
    if (created.outcome !== 'created') throw new Error(created.outcome);
    const ticketId = await insertTicket(showId, viewer.orgId);
    return { showId, ticketId, stream: created.stream, key: created.key.plaintext };
  }

  async function publish(key: string): Promise<number> {
    const stream = (await findStreamForKey(db.pool, key)) as LiveStream;
    const claim = await claimPublishSession(deps, stream, key, { workerId: 'agent-1', protocol: 'whip' });
    if (!claim.ok) throw new Error(claim.code);
    return claim.session;
  }

  async function problemCode(response: Response): Promise<string | undefined> {
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return ((await response.json()) as { code?: string }).code;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'live_playback');
    deps = {
      pool: db.pool,
      queue: new MySqlWorkQueue({ pool: db.pool, name: QUEUES.transcode }),
      updateIntervalSeconds: 5,
    };
    creatorOrg = (await createOrgWithKey(db.pool, ['videos:write', 'shows:write'], { kind: 'creator' }))
      .orgId;
    viewer = await createOrgWithKey(db.pool, ['tickets:read', 'tickets:buy'], { kind: 'viewer' });
    stranger = await createOrgWithKey(db.pool, ['tickets:read', 'tickets:buy'], { kind: 'viewer' });
    const firebase = JSON.stringify({
      type: 'service_account',
      client_email: 'chat@forgecast-test.iam.gserviceaccount.com',
      private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
    });
    runner = new FnRunner([
      functionFromSource(
        'show-access',
        {
          MYSQL_URL: db.url,
          EDGE_BASE_URL,
          EDGE_TOKEN_KEYS: EDGE_KEY.toString('hex'),
          PLAYBACK_TTL_SECONDS: String(TTL_SECONDS),
          FIREBASE_SERVICE_ACCOUNT_JSON: firebase,
        },
        { timeoutSeconds: 20 },
      ),
      functionFromSource(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }, { timeoutSeconds: 20 }),
    ]);
    gateway = await startGateway({
      runner,
      routes: showAccessManifest.routes.map((route) => ({ ...route, functionName: showAccessManifest.name })),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  it('gives a ticket holder the tokenised live playlist while the stream is starting, live or reconnecting', async () => {
    // Prepare
    const { showId, ticketId, stream, key } = await liveShow();
    const session = await publish(key);
    const answers: Playback[] = [];

    // Act: starting, then live, then reconnecting after the publisher left.
    const read = async () => {
      const response = await playback(showId, viewer.key);
      expect(response.status).toBe(200);
      answers.push((await response.json()) as Playback);
    };
    await read();
    await recordAgentUpdate(db.pool, stream.id, {
      session,
      workerId: 'agent-1',
      recordedSeconds: 3,
      segments: 3,
    });
    await read();
    await recordPublisherDone(deps, stream.id, {
      session,
      workerId: 'agent-1',
      recordedSeconds: 3,
      segments: 3,
    });
    await read();

    // Assess
    for (const answer of answers) {
      expect(answer.live).toBe(true);
      const url = new URL(answer.url);
      expect(url.origin).toBe(EDGE_BASE_URL);
      expect(verifyEdgeRequest(url.pathname, [EDGE_KEY], new Date())).toMatchObject({
        ok: true,
        assetId: stream.assetId,
        objectPath: `videos/${stream.assetId}/live/master.m3u8`,
        grantId: ticketId,
      });
      // The same scope as the VOD's: the token opens the renditions and, later, the recording.
      const token = url.pathname.split('/').slice(0, 3).join('/');
      for (const other of [`live/720p/index.m3u8`, `live/s1/720p/seg-000001.m4s`, `v1/master.m3u8`]) {
        expect(
          verifyEdgeRequest(`${token}/videos/${stream.assetId}/${other}`, [EDGE_KEY], new Date()),
        ).toMatchObject({
          ok: true,
        });
      }
      expect(Date.parse(answer.expiresAt)).toBeLessThanOrEqual(Date.now() + TTL_SECONDS * 1000);
    }
  });

  it('refuses a viewer without a ticket for the live show', async () => {
    // Prepare
    const { showId, key } = await liveShow();
    await publish(key);

    // Act
    const response = await playback(showId, stranger.key);

    // Assess
    expect(response.status).toBe(403);
    expect(await problemCode(response)).toBe('no_valid_ticket');
  });

  it('says not_started before the stream goes live, and replay_pending between its end and the VOD', async () => {
    // Prepare
    const { showId, stream, key } = await liveShow();
    const before = await playback(showId, viewer.key);
    const session = await publish(key);
    await recordAgentUpdate(db.pool, stream.id, {
      session,
      workerId: 'agent-1',
      recordedSeconds: 9,
      segments: 9,
    });
    await recordPublisherDone(deps, stream.id, {
      session,
      workerId: 'agent-1',
      recordedSeconds: 9,
      segments: 9,
    });
    await requestEnd(deps, creatorOrg, stream.id);

    // Act
    const between = await playback(showId, viewer.key);
    await db.pool.query("UPDATE video_assets SET status = 'transcoding', attempt = 1 WHERE id = ?", [
      stream.assetId,
    ]);
    const stillBetween = await playback(showId, viewer.key);
    await withTransaction(db.pool, (connection) =>
      recordReady(connection, stream.assetId, 1, {
        mediaPrefix: `videos/${stream.assetId}/v1/`,
        renditions: [],
        posterKey: `videos/${stream.assetId}/v1/poster.jpg`,
        durationSeconds: 9,
        mode: 'remux',
      }),
    );
    const after = await playback(showId, viewer.key);

    // Assess
    expect(before.status).toBe(409);
    expect(await problemCode(before)).toBe('not_started');
    expect(between.status).toBe(409);
    expect(await problemCode(between)).toBe('replay_pending');
    expect(await problemCode(stillBetween)).toBe('replay_pending');
    expect(after.status).toBe(200);
    const vod = (await after.json()) as Playback;
    expect(vod.live).toBe(false);
    expect(verifyEdgeRequest(new URL(vod.url).pathname, [EDGE_KEY], new Date())).toMatchObject({
      ok: true,
      objectPath: `videos/${stream.assetId}/v1/master.m3u8`,
    });
  });

  it('says not_ready when the stream ended without a recording', async () => {
    // Prepare
    const { showId, stream } = await liveShow();
    await requestEnd(deps, creatorOrg, stream.id);

    // Act
    const response = await playback(showId, viewer.key);

    // Assess
    expect(response.status).toBe(409);
    expect(await problemCode(response)).toBe('not_ready');
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT status FROM video_assets WHERE id = ?', [
      stream.assetId,
    ]);
    expect(rows[0]?.status).toBe('failed');
  });
});
