import { createHash } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { liveIngestManifest } from '#functions/live-ingest/manifest.ts';
import { liveStreamsManifest } from '#functions/live-streams/manifest.ts';
import { insertApiKey } from '#shared/accounts/api-key-store.ts';
import { issueApiKey } from '#shared/accounts/api-keys.ts';
import { newId } from '#shared/ids.ts';
import {
  claimPublishSession,
  findStreamForKey,
  type LiveStream,
} from '#shared/live/live-stream-repository.ts';
import { transcodeQueueMessageSchema } from '#shared/video/transcode-job.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { functionFromSource } from '#test/support/function-source.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';

const RTMP_URL = 'rtmp://ingest.forgecast.test:1935/live';
const RTMPS_URL = 'rtmps://ingest.forgecast.test:443/live';
const WHIP_URL = 'https://ingest.forgecast.test/whip';

interface Stream {
  id: string;
  assetId: string;
  videoStatus: string | null;
  showId: string | null;
  title: string;
  status: string;
  keyHint: string;
  streamKey?: string;
  ingest: { rtmp: string; rtmps: string; whip: string; streamName?: string };
  reconnectWindowSeconds: number;
  maxDurationSeconds: number;
  session: number;
  protocol: string | null;
  recordedSeconds: number;
  cutReason: string | null;
  endReason: string | null;
  failure: { code: string; reason: string } | null;
}

interface Plan {
  streamId: string;
  assetId: string;
  session: number;
  mediaPrefix: string;
  segmentSeconds: number;
  updateIntervalSeconds: number;
  maxDurationSeconds: number;
  recordedSeconds: number;
  reconnectWindowSeconds: number;
  ladder: Array<{ name: string; width: number; height: number; videoBitrate: number }>;
  audioBitrate: number;
}

interface Problem {
  type: string;
  status: number;
  code?: string;
  detail?: string;
}

/** The live-streams and live-ingest functions behind the real gateway and authorizer, on MariaDB. */
describe('Functions: live-streams and live-ingest', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let creator: { orgId: string; key: string };
  let otherCreator: { orgId: string; key: string };
  let reader: { orgId: string; key: string };
  let agent: { orgId: string; key: string };
  let operator: { orgId: string; key: string };

  const call = (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  const post = (path: string, key: string, body?: unknown) =>
    call(path, key, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  async function problemOf(response: Response): Promise<Problem> {
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return (await response.json()) as Problem;
  }

  async function createStream(body: Record<string, unknown> = {}, key = creator.key): Promise<Stream> {
    const response = await post('/live-streams', key, { title: 'Friday show', ...body });
    expect(response.status).toBe(201);
    return (await response.json()) as Stream;
  }

  async function getStream(id: string): Promise<Stream> {
    const response = await call(`/live-streams/${id}`, creator.key);
    expect(response.status).toBe(200);
    return (await response.json()) as Stream;
  }

  const authorize = (streamKey: string, workerId = 'agent-1', key = agent.key) =>
    post('/live-ingest/authorize', key, { streamKey, protocol: 'rtmp', workerId, clientIp: '203.0.113.9' });

  async function authorized(streamKey: string, workerId = 'agent-1'): Promise<Plan> {
    const response = await authorize(streamKey, workerId);
    expect(response.status).toBe(200);
    return (await response.json()) as Plan;
  }

  const update = (
    id: string,
    body: { session: number; workerId?: string; recordedSeconds: number; segments: number },
  ) => post(`/live-ingest/streams/${id}/update`, agent.key, { workerId: 'agent-1', ...body });

  const done = (
    id: string,
    body: { session: number; workerId?: string; recordedSeconds: number; reason: string },
  ) => post(`/live-ingest/streams/${id}/done`, agent.key, { workerId: 'agent-1', ...body });

  async function insertShow(orgId: string, options: { videoId?: string; status?: string } = {}) {
    const id = newId();
    await db.pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency, video_id, status)
       VALUES (?, ?, 'Live night', '2031-05-01 19:30:00', 100, 1500, 'eur', ?, ?)`,
      [id, orgId, options.videoId ?? null, options.status ?? 'on_sale'],
    );
    return id;
  }

  async function streamRow(id: string): Promise<RowDataPacket> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT * FROM live_streams WHERE id = ?', [id]);
    return rows[0] as RowDataPacket;
  }

  async function assetRow(id: string): Promise<RowDataPacket> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT * FROM video_assets WHERE id = ?', [id]);
    return rows[0] as RowDataPacket;
  }

  async function eventsOf(
    streamId: string,
  ): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      "SELECT event_type, payload FROM outbox WHERE aggregate_type = 'live_stream' AND aggregate_id = ? ORDER BY seq",
      [streamId],
    );
    return rows.map((row) => ({ type: String(row.event_type), payload: JSON.parse(String(row.payload)) }));
  }

  async function jobsFor(assetId: string) {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT content FROM queue_messages WHERE queue = ? ORDER BY id',
      [QUEUES.transcode],
    );
    return rows
      .map((row) => transcodeQueueMessageSchema.parse(JSON.parse(String(row.content))))
      .filter((job) => job.assetId === assetId);
  }

  /** A stream with a publisher on: authorised, and its first segments reported. */
  async function liveStream(body: Record<string, unknown> = {}): Promise<{ stream: Stream; plan: Plan }> {
    const stream = await createStream(body);
    const plan = await authorized(stream.streamKey as string);
    expect((await update(stream.id, { session: plan.session, recordedSeconds: 3, segments: 3 })).status).toBe(
      200,
    );
    return { stream, plan };
  }

  /** Authorised for agent-1 (session 1), no update yet: `starting`. */
  async function liveStreamStarting(): Promise<{ stream: Stream; plan: Plan }> {
    const stream = await createStream();
    return { stream, plan: await authorized(stream.streamKey as string) };
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'live_streams');
    creator = await createOrgWithKey(db.pool, ['videos:write', 'shows:write'], { kind: 'creator' });
    otherCreator = await createOrgWithKey(db.pool, ['videos:write'], { kind: 'creator' });
    // A read-only key of the creator's own organisation.
    const readKey = issueApiKey();
    await insertApiKey(db.pool, {
      keyId: readKey.keyId,
      orgId: creator.orgId,
      name: 'read only',
      secretHash: readKey.secretHash,
      scopes: ['videos:read'],
    });
    reader = { orgId: creator.orgId, key: readKey.plaintext };
    agent = await createOrgWithKey(db.pool, ['live:ingest'], { kind: 'operator' });
    operator = await createOrgWithKey(db.pool, ['admin'], { kind: 'operator' });
    const queueEnv = { MYSQL_URL: db.url, QUEUE_BACKEND: 'mysql' };
    runner = new FnRunner(
      [
        functionFromSource(
          'live-streams',
          {
            ...queueEnv,
            LIVE_RTMP_URL: RTMP_URL,
            LIVE_RTMPS_URL: RTMPS_URL,
            LIVE_WHIP_URL: WHIP_URL,
          },
          { timeoutSeconds: 20 },
        ),
        functionFromSource('live-ingest', queueEnv, { timeoutSeconds: 20 }),
        functionFromSource(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }, { timeoutSeconds: 20 }),
      ],
      // Two containers each, so two concurrent publishes really run side by side.
      { processesPerFunction: 2 },
    );
    gateway = await startGateway({
      runner,
      routes: routesOf(liveStreamsManifest, liveIngestManifest),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  describe('Creator API', () => {
    it('creates an idle stream with its key shown once, the ingest URLs, and a live asset; stores only the key’s hash', async () => {
      // Act
      const response = await post('/live-streams', creator.key, { title: 'Friday show' });

      // Assess
      expect(response.status).toBe(201);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      const stream = (await response.json()) as Stream;
      expect(response.headers.get('location')).toBe(`/v1/live-streams/${stream.id}`);
      const key = stream.streamKey as string;
      expect(key).toMatch(/^fcsk_[A-Za-z0-9_-]{43}$/);
      expect(stream).toMatchObject({
        title: 'Friday show',
        status: 'idle',
        videoStatus: 'live',
        keyHint: key.slice(-4),
        showId: null,
        ingest: { rtmp: RTMP_URL, rtmps: RTMPS_URL, whip: WHIP_URL, streamName: key },
        reconnectWindowSeconds: 60,
        maxDurationSeconds: 14_400,
        session: 0,
      });
      const row = await streamRow(stream.id);
      expect(Buffer.from(row.key_hash as Buffer)).toEqual(createHash('sha256').update(key).digest());
      expect(JSON.stringify(row)).not.toContain(key.slice(5));
      expect(await assetRow(stream.assetId)).toMatchObject({
        org_id: creator.orgId,
        origin: 'live',
        status: 'live',
        title: 'Friday show',
        source_key: `live/${stream.assetId}`,
      });
    });

    it('never shows the key again when reading or listing, and hides other organisations’ streams', async () => {
      // Prepare
      const first = await createStream({ title: 'one' });
      const second = await createStream({ title: 'two' });

      // Act
      const read = await call(`/live-streams/${first.id}`, reader.key);
      const page1 = await call('/live-streams?limit=1', creator.key);
      const body1 = (await page1.json()) as { items: Stream[]; nextCursor: string };
      const page2 = (await (
        await call(`/live-streams?limit=1&cursor=${body1.nextCursor}`, creator.key)
      ).json()) as {
        items: Stream[];
      };
      const foreign = await call(`/live-streams/${first.id}`, otherCreator.key);

      // Assess
      expect(read.status).toBe(200);
      const text = await read.text();
      expect(text).not.toContain(first.streamKey as string);
      expect(JSON.parse(text)).not.toHaveProperty('streamKey');
      expect(JSON.parse(text).ingest).toEqual({ rtmp: RTMP_URL, rtmps: RTMPS_URL, whip: WHIP_URL });
      expect(body1.items.map((s) => s.id)).toEqual([second.id]);
      expect(page2.items.map((s) => s.id)).toEqual([first.id]);
      expect(foreign.status).toBe(404);
      expect(await problemOf(foreign)).toMatchObject({ type: 'https://forgecast.dev/problems/not-found' });
    });

    it('makes the stream’s asset the show’s video, and refuses a show that has one, is cancelled or is not the caller’s', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const cancelled = await insertShow(creator.orgId, { status: 'cancelled' });
      const foreign = await insertShow(otherCreator.orgId);
      const [before] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM video_assets');

      // Act
      const linked = await createStream({ showId: show });
      const again = await post('/live-streams', creator.key, { title: 'x', showId: show });
      const toCancelled = await post('/live-streams', creator.key, { title: 'x', showId: cancelled });
      const toForeign = await post('/live-streams', creator.key, { title: 'x', showId: foreign });

      // Assess
      expect(linked.showId).toBe(show);
      const [shows] = await db.pool.query<RowDataPacket[]>('SELECT video_id FROM shows WHERE id = ?', [show]);
      expect(shows[0]?.video_id).toBe(linked.assetId);
      expect(again.status).toBe(409);
      expect(await problemOf(again)).toMatchObject({ code: 'show_has_video' });
      expect(toCancelled.status).toBe(409);
      expect(await problemOf(toCancelled)).toMatchObject({ code: 'show_cancelled' });
      expect(toForeign.status).toBe(404);
      // A refused create leaves no asset behind.
      const [after] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM video_assets');
      expect(Number(after[0]?.n)).toBe(Number(before[0]?.n) + 1);
    });

    it('bounds the reconnect window to 0..300 s and needs videos:write to create', async () => {
      const tooLong = await post('/live-streams', creator.key, { title: 'x', reconnectWindowSeconds: 301 });
      const readOnly = await post('/live-streams', reader.key, { title: 'x' });
      const custom = await createStream({ reconnectWindowSeconds: 300, maxDurationSeconds: 600 });
      expect(tooLong.status).toBe(400);
      expect(readOnly.status).toBe(403);
      expect(custom).toMatchObject({ reconnectWindowSeconds: 300, maxDurationSeconds: 600 });
    });

    it('rotates the key: the new one is shown once, the old one stops matching', async () => {
      // Prepare
      const stream = await createStream();

      // Act
      const response = await post(`/live-streams/${stream.id}/rotate-key`, creator.key);
      const rotated = (await response.json()) as Stream;
      const oldKey = await authorize(stream.streamKey as string);
      const newKey = await authorize(rotated.streamKey as string);

      // Assess
      expect(response.status).toBe(200);
      expect(rotated.streamKey).not.toBe(stream.streamKey);
      expect(rotated.keyHint).toBe((rotated.streamKey as string).slice(-4));
      expect(rotated.ingest.streamName).toBe(rotated.streamKey);
      expect(rotated.cutReason).toBeNull();
      expect(oldKey.status).toBe(403);
      expect(await problemOf(oldKey)).toMatchObject({ code: 'unknown-key' });
      expect(newKey.status).toBe(200);
    });

    it('ends an idle stream at once as failed (nothing recorded), idempotently, and refuses a new key afterwards', async () => {
      // Prepare
      const stream = await createStream();

      // Act
      const first = await post(`/live-streams/${stream.id}/end`, creator.key);
      const second = await post(`/live-streams/${stream.id}/end`, creator.key);
      const rotate = await post(`/live-streams/${stream.id}/rotate-key`, creator.key);

      // Assess
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({
        status: 'failed',
        endReason: 'ended-by-creator',
        failure: { code: 'no_recording' },
        videoStatus: 'failed',
      });
      expect(second.status).toBe(200);
      expect(((await second.json()) as Stream).status).toBe('failed');
      expect(rotate.status).toBe(410);
      expect(await problemOf(rotate)).toMatchObject({ code: 'stream_ended' });
      expect(await assetRow(stream.assetId)).toMatchObject({
        status: 'failed',
        failure_code: 'no_recording',
      });
      expect(await jobsFor(stream.assetId)).toEqual([]);
      expect((await eventsOf(stream.id)).map((e) => e.type)).toEqual(['live.ended']);
    });
  });

  describe('Method: authorize', () => {
    it('moves an idle stream to starting with session 1 and answers the publish plan', async () => {
      // Prepare
      const stream = await createStream({ reconnectWindowSeconds: 90, maxDurationSeconds: 7200 });

      // Act
      const response = await authorize(stream.streamKey as string, 'agent-7');

      // Assess
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        streamId: stream.id,
        assetId: stream.assetId,
        session: 1,
        mediaPrefix: `videos/${stream.assetId}/live/`,
        segmentSeconds: 1,
        updateIntervalSeconds: 5,
        maxDurationSeconds: 7200,
        recordedSeconds: 0,
        reconnectWindowSeconds: 90,
        ladder: [
          { name: '720p', width: 1280, height: 720, videoBitrate: 2_800_000 },
          { name: '480p', width: 854, height: 480, videoBitrate: 1_400_000 },
          { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
        ],
        audioBitrate: 128_000,
      });
      expect(await streamRow(stream.id)).toMatchObject({
        status: 'starting',
        session: 1,
        worker_id: 'agent-7',
        protocol: 'rtmp',
      });
    });

    it('refuses unknown and malformed keys with unknown-key, fast', async () => {
      for (const key of [`fcsk_${'A'.repeat(43)}`, 'not-a-key', `${'x'.repeat(200)}`]) {
        const started = performance.now();
        const response = await authorize(key);
        const elapsed = performance.now() - started;
        expect(response.status).toBe(403);
        expect(await problemOf(response)).toMatchObject({
          type: 'https://forgecast.dev/problems/ingest-unknown-key',
          code: 'unknown-key',
        });
        expect(elapsed).toBeLessThan(1000);
      }
    });

    it('answers every refusal with its own code: ended, show cancelled, max duration, asset deleted', async () => {
      // Prepare
      const ended = await createStream();
      await post(`/live-streams/${ended.id}/end`, creator.key);
      const showId = await insertShow(creator.orgId);
      const ofCancelledShow = await createStream({ showId });
      await db.pool.query("UPDATE shows SET status = 'cancelled' WHERE id = ?", [showId]);
      const full = await createStream({ maxDurationSeconds: 60 });
      await db.pool.query('UPDATE live_streams SET recorded_seconds = 60 WHERE id = ?', [full.id]);
      const orphan = await createStream();
      await db.pool.query("UPDATE video_assets SET status = 'failed' WHERE id = ?", [orphan.assetId]);

      // Act
      const cases = [
        [ended, 410, 'stream-ended'],
        [ofCancelledShow, 409, 'show-cancelled'],
        [full, 409, 'max-duration'],
        [orphan, 410, 'asset-deleted'],
      ] as const;

      // Assess
      for (const [stream, status, code] of cases) {
        const started = performance.now();
        const response = await authorize(stream.streamKey as string);
        expect(performance.now() - started).toBeLessThan(1000);
        expect(response.status).toBe(status);
        expect(await problemOf(response)).toMatchObject({ code, status });
        expect((await streamRow(stream.id)).session).toBe(0);
      }
    });

    it('refuses a second publish while the first is on (already-live)', async () => {
      // Prepare
      const { stream } = await liveStream();

      // Act
      const second = await authorize(stream.streamKey as string, 'agent-2');

      // Assess
      expect(second.status).toBe(409);
      expect(await problemOf(second)).toMatchObject({ code: 'already-live' });
      expect(await streamRow(stream.id)).toMatchObject({ session: 1, worker_id: 'agent-1' });
    });

    it('answers the same agent asking again for a stream it holds in starting with the same session (its first answer was lost)', async () => {
      // Prepare: agent-1 was granted session 1 but gave up waiting for the answer
      const { stream } = await liveStreamStarting();

      // Act: the encoder retries on the same agent; another agent tries too
      const again = await authorize(stream.streamKey as string, 'agent-1');
      const other = await authorize(stream.streamKey as string, 'agent-2');

      // Assess: same session, nothing moved; other agents are still refused
      expect(again.status).toBe(200);
      expect(((await again.json()) as Plan).session).toBe(1);
      expect(other.status).toBe(409);
      expect(await streamRow(stream.id)).toMatchObject({
        session: 1,
        status: 'starting',
        worker_id: 'agent-1',
      });
    });

    it('lets exactly one of two concurrent publishes of the same stream through', async () => {
      for (let round = 0; round < 4; round += 1) {
        // Prepare
        const stream = await createStream();

        // Act
        const answers = await Promise.all([
          authorize(stream.streamKey as string, 'agent-a'),
          authorize(stream.streamKey as string, 'agent-b'),
        ]);

        // Assess
        expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
        const refused = answers.find((a) => a.status === 409) as Response;
        expect(await problemOf(refused)).toMatchObject({ code: 'already-live' });
        const winner = (await (answers.find((a) => a.status === 200) as Response).json()) as Plan;
        expect(winner.session).toBe(1);
        expect((await streamRow(stream.id)).session).toBe(1);
      }
    });

    it('admits exactly one of two publishes that both passed the check: the claim is one conditional UPDATE', async () => {
      // Prepare: both callers read the idle stream before either claims it (the race the check cannot see).
      const created = await createStream();
      const key = created.streamKey as string;
      const seen = (await findStreamForKey(db.pool, key)) as LiveStream;
      const deps = { pool: db.pool, updateIntervalSeconds: 5 };

      // Act
      const claims = await Promise.all(
        ['agent-a', 'agent-b', 'agent-c'].map((workerId) =>
          claimPublishSession(deps, seen, key, { workerId, protocol: 'rtmp' }),
        ),
      );

      // Assess
      expect(claims.filter((claim) => claim.ok)).toEqual([expect.objectContaining({ ok: true, session: 1 })]);
      expect(claims.filter((claim) => !claim.ok)).toEqual([
        expect.objectContaining({ code: 'already-live' }),
        expect.objectContaining({ code: 'already-live' }),
      ]);
      expect((await streamRow(created.id)).session).toBe(1);
    });

    it('is for the ingest agents’ scope only: an operator’s admin key and a creator’s key are refused', async () => {
      const stream = await createStream();
      const asAdmin = await authorize(stream.streamKey as string, 'agent-1', operator.key);
      const asCreator = await authorize(stream.streamKey as string, 'agent-1', creator.key);
      expect(asAdmin.status).toBe(403);
      expect(asCreator.status).toBe(403);
      expect((await streamRow(stream.id)).session).toBe(0);
    });
  });

  describe('Method: update and done', () => {
    it('goes live on the first stored segments and emits live.started once', async () => {
      // Prepare
      const stream = await createStream();
      const plan = await authorized(stream.streamKey as string);

      // Act
      const empty = await update(stream.id, { session: plan.session, recordedSeconds: 0, segments: 0 });
      const startingRow = await streamRow(stream.id);
      const first = await update(stream.id, { session: plan.session, recordedSeconds: 2, segments: 2 });
      const second = await update(stream.id, { session: plan.session, recordedSeconds: 7, segments: 7 });

      // Assess
      expect([empty.status, first.status, second.status]).toEqual([200, 200, 200]);
      expect(startingRow.status).toBe('starting');
      expect(await getStream(stream.id)).toMatchObject({ status: 'live', recordedSeconds: 7 });
      const events = await eventsOf(stream.id);
      expect(events.map((e) => e.type)).toEqual(['live.started']);
      expect(events[0]?.payload).toMatchObject({ streamId: stream.id, assetId: stream.assetId, session: 1 });
    });

    it('cuts the publisher after a key rotation; its done waits for a reconnect with the new key', async () => {
      // Prepare
      const { stream, plan } = await liveStream();
      const rotated = (await (
        await post(`/live-streams/${stream.id}/rotate-key`, creator.key)
      ).json()) as Stream;

      // Act
      const cut = await update(stream.id, { session: plan.session, recordedSeconds: 5, segments: 5 });
      const cutProblem = await problemOf(cut);
      const finished = await done(stream.id, { session: plan.session, recordedSeconds: 5, reason: 'cut' });
      const finishedBody = await finished.json();
      const again = await authorized(rotated.streamKey as string);

      // Assess
      expect(rotated.cutReason).toBe('key-rotated');
      expect(cut.status).toBe(409);
      expect(cutProblem).toMatchObject({ code: 'key-rotated' });
      expect(finished.status).toBe(200);
      expect(finishedBody).toEqual({ status: 'reconnecting' });
      expect(again).toMatchObject({ session: 2, assetId: stream.assetId, recordedSeconds: 5 });
      expect((await streamRow(stream.id)).cut_reason).toBeNull();
    });

    it('cuts the publisher when the show is cancelled; its done ends the stream and queues the recording once', async () => {
      // Prepare
      const showId = await insertShow(creator.orgId);
      const { stream, plan } = await liveStream({ showId });
      await db.pool.query("UPDATE shows SET status = 'cancelled' WHERE id = ?", [showId]);

      // Act
      const cut = await update(stream.id, { session: plan.session, recordedSeconds: 6, segments: 6 });
      const cutProblem = await problemOf(cut);
      const finished = await done(stream.id, { session: plan.session, recordedSeconds: 6.5, reason: 'cut' });
      const repeated = await done(stream.id, { session: plan.session, recordedSeconds: 6.5, reason: 'cut' });

      // Assess
      expect(cut.status).toBe(409);
      expect(cutProblem).toMatchObject({ code: 'show-cancelled' });
      expect(await finished.json()).toEqual({ status: 'ended' });
      expect(await repeated.json()).toEqual({ status: 'ended' });
      expect(await getStream(stream.id)).toMatchObject({
        status: 'ended',
        endReason: 'show-cancelled',
        recordedSeconds: 6.5,
        videoStatus: 'queued',
      });
      const jobs = await jobsFor(stream.assetId);
      expect(jobs).toEqual([
        expect.objectContaining({
          kind: 'live-recording',
          streamId: stream.id,
          assetId: stream.assetId,
          sessions: 1,
        }),
      ]);
      expect(await assetRow(stream.assetId)).toMatchObject({ status: 'queued' });
      const ended = (await eventsOf(stream.id)).filter((e) => e.type === 'live.ended');
      expect(ended).toHaveLength(1);
      expect(ended[0]?.payload).toMatchObject({ endReason: 'show-cancelled', recording: 'queued', showId });
    });

    it('cuts the publisher at the maximum duration, counting every session', async () => {
      // Prepare
      const stream = await createStream({ maxDurationSeconds: 60 });
      const first = await authorized(stream.streamKey as string);
      await update(stream.id, { session: first.session, recordedSeconds: 40, segments: 40 });
      await done(stream.id, { session: first.session, recordedSeconds: 40, reason: 'publisher-left' });
      const second = await authorized(stream.streamKey as string);

      // Act
      const under = await update(stream.id, { session: second.session, recordedSeconds: 19, segments: 19 });
      const over = await update(stream.id, { session: second.session, recordedSeconds: 20, segments: 20 });
      const overProblem = await problemOf(over);
      const finished = await done(stream.id, { session: second.session, recordedSeconds: 20, reason: 'cut' });

      // Assess
      expect(second.recordedSeconds).toBe(40);
      expect(under.status).toBe(200);
      expect(over.status).toBe(409);
      expect(overProblem).toMatchObject({ code: 'max-duration' });
      expect(await finished.json()).toEqual({ status: 'ended' });
      expect(await getStream(stream.id)).toMatchObject({ endReason: 'max-duration', recordedSeconds: 60 });
      expect(await jobsFor(stream.assetId)).toEqual([expect.objectContaining({ sessions: 2 })]);
    });

    it('cuts the publisher when its video is deleted; its done ends the stream without a recording job', async () => {
      // Prepare: an operator failed (deleted) the stream's video while it was live.
      const { stream, plan } = await liveStream();
      await db.pool.query("UPDATE video_assets SET status = 'failed' WHERE id = ?", [stream.assetId]);

      // Act
      const cut = await update(stream.id, { session: plan.session, recordedSeconds: 5, segments: 5 });
      const cutProblem = await problemOf(cut);
      const finished = await done(stream.id, { session: plan.session, recordedSeconds: 5, reason: 'cut' });

      // Assess
      expect(cut.status).toBe(410);
      expect(cutProblem).toMatchObject({ code: 'asset-deleted' });
      expect(await finished.json()).toEqual({ status: 'ended' });
      expect(await getStream(stream.id)).toMatchObject({ endReason: 'asset-deleted', videoStatus: 'failed' });
      expect(await jobsFor(stream.assetId)).toEqual([]);
    });

    it('after done, a publish within the window continues the same asset as session 2 and fences session 1 out', async () => {
      // Prepare
      const { stream, plan } = await liveStream();
      await update(stream.id, { session: plan.session, recordedSeconds: 12.5, segments: 12 });

      // Act
      const left = await done(stream.id, {
        session: plan.session,
        recordedSeconds: 12.5,
        reason: 'publisher-left',
      });
      const leftBody = await left.json();
      const waiting = await streamRow(stream.id);
      const resumed = await authorized(stream.streamKey as string, 'agent-2');
      const stale = await update(stream.id, { session: plan.session, recordedSeconds: 13, segments: 13 });
      const staleProblem = await problemOf(stale);
      const staleDone = await done(stream.id, {
        session: plan.session,
        recordedSeconds: 13,
        reason: 'error',
      });
      const current = await update(stream.id, {
        session: resumed.session,
        workerId: 'agent-2',
        recordedSeconds: 4,
        segments: 4,
      });

      // Assess
      expect(leftBody).toEqual({ status: 'reconnecting' });
      expect(waiting).toMatchObject({ status: 'reconnecting', worker_id: null });
      expect(waiting.disconnected_at).toBeInstanceOf(Date);
      expect(resumed).toMatchObject({
        streamId: stream.id,
        assetId: stream.assetId,
        session: 2,
        recordedSeconds: 12.5,
      });
      expect(stale.status).toBe(409);
      expect(staleProblem).toMatchObject({ code: 'session-superseded' });
      expect(staleDone.status).toBe(200);
      expect(current.status).toBe(200);
      expect(await getStream(stream.id)).toMatchObject({ status: 'live', session: 2, recordedSeconds: 16.5 });
      expect((await eventsOf(stream.id)).map((e) => e.type)).toEqual(['live.started']);
    });

    it('ends a live stream the creator ends: the publisher is cut (stream-ended), its done finalises', async () => {
      // Prepare
      const { stream, plan } = await liveStream();

      // Act
      const ending = await post(`/live-streams/${stream.id}/end`, creator.key);
      const endingBody = (await ending.json()) as Stream;
      const cut = await update(stream.id, { session: plan.session, recordedSeconds: 4, segments: 4 });
      const cutProblem = await problemOf(cut);
      const reconnect = await authorize(stream.streamKey as string, 'agent-9');
      const reconnectProblem = await problemOf(reconnect);
      const finished = await done(stream.id, { session: plan.session, recordedSeconds: 4, reason: 'cut' });

      // Assess
      expect(endingBody).toMatchObject({ status: 'live', cutReason: 'stream-ended' });
      expect(cut.status).toBe(410);
      expect(cutProblem).toMatchObject({ code: 'stream-ended' });
      // The end is pending: a reconnect is told the stream is over, not that someone is live.
      expect(reconnect.status).toBe(410);
      expect(reconnectProblem.code).toBe('stream-ended');
      expect(await finished.json()).toEqual({ status: 'ended' });
      expect(await getStream(stream.id)).toMatchObject({ status: 'ended', endReason: 'ended-by-creator' });
      expect(await jobsFor(stream.assetId)).toHaveLength(1);
      const after = await authorize(stream.streamKey as string);
      expect(after.status).toBe(410);
      expect(await problemOf(after)).toMatchObject({ code: 'stream-ended' });
    });

    it('answers 404 unknown-stream for a stream that does not exist', async () => {
      const response = await update(newId(), { session: 1, recordedSeconds: 1, segments: 1 });
      expect(response.status).toBe(404);
      expect(await problemOf(response)).toMatchObject({ code: 'unknown-stream' });
    });
  });
});
