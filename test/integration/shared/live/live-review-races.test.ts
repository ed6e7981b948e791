import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
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
  rotateStreamKey,
  runLiveWatchdog,
} from '#shared/live/live-stream-repository.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import { transcodeQueueMessageSchema } from '#shared/video/transcode-job.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';

const INTERVAL = 5;
const LOST = { lostAfterSeconds: 90_000, maxAttempts: 5 };

/**
 * Review of the live control plane's races and dead ends, on MariaDB through the repository the
 * functions use: authorize against end and rotate, done against the watchdog, and reconnecting
 * streams that can never reconnect.
 */
describe('Review: live stream races and dead ends', () => {
  let db: TestDatabase;
  let deps: LiveDeps;
  let orgId: string;

  async function created(
    options: { showId?: string; reconnectWindowSeconds?: number; maxDurationSeconds?: number } = {},
  ): Promise<{ stream: LiveStream; key: string }> {
    const result = await createLiveStream(db.pool, {
      orgId,
      title: 'Review show',
      ...(options.showId ? { showId: options.showId } : {}),
      reconnectWindowSeconds: options.reconnectWindowSeconds ?? 300,
      maxDurationSeconds: options.maxDurationSeconds ?? 14_400,
    });
    if (result.outcome !== 'created') throw new Error(result.outcome);
    return { stream: result.stream, key: result.key.plaintext };
  }

  /** The publish gate as live-ingest runs it: a key that finds no stream is refused as unknown. */
  async function claim(key: string, workerId = 'agent-1') {
    const found = await findStreamForKey(db.pool, key);
    if (!found) return { ok: false as const, code: 'unknown-key' as const };
    return claimPublishSession(deps, found, key, { workerId, protocol: 'rtmp' });
  }

  /** Published, `seconds` recorded, then the agent was SIGKILLed: silent and past the watchdog. */
  async function killedAgent(options: Parameters<typeof created>[0] & { seconds: number }) {
    const { stream, key } = await created(options);
    const claimed = await claim(key);
    if (!claimed.ok) throw new Error(claimed.code);
    const report = { session: claimed.session, workerId: 'agent-1', recordedSeconds: options.seconds };
    await recordAgentUpdate(db.pool, stream.id, { ...report, segments: Math.ceil(options.seconds) });
    await db.pool.query(
      'UPDATE live_streams SET heartbeat_at = heartbeat_at - INTERVAL 20 SECOND WHERE id = ?',
      [stream.id],
    );
    return { stream, key, session: claimed.session };
  }

  async function row(id: string): Promise<RowDataPacket> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT * FROM live_streams WHERE id = ?', [id]);
    return rows[0] as RowDataPacket;
  }

  async function jobsFor(assetId: string) {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT content FROM queue_messages WHERE queue = ? ORDER BY id',
      [QUEUES.transcode],
    );
    return rows
      .map((r) => transcodeQueueMessageSchema.parse(JSON.parse(String(r.content))))
      .filter((job) => job.assetId === assetId);
  }

  async function endedEvents(id: string): Promise<number> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM outbox WHERE aggregate_type = 'live_stream' AND aggregate_id = ? AND event_type = 'live.ended'",
      [id],
    );
    return Number(rows[0]?.n);
  }

  async function insertShow(): Promise<string> {
    const id = newId();
    await db.pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency, status)
       VALUES (?, ?, 'Review night', '2031-05-01 19:30:00', 100, 1500, 'eur', 'on_sale')`,
      [id, orgId],
    );
    return id;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'live_review_races');
    deps = {
      pool: db.pool,
      queue: new MySqlWorkQueue({ pool: db.pool, name: QUEUES.transcode }),
      updateIntervalSeconds: INTERVAL,
    };
    orgId = (await createOrgWithKey(db.pool, ['videos:write'], { kind: 'creator' })).orgId;
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('Method: runLiveWatchdog', () => {
    it('ends a reconnecting stream that reached its maximum duration at once, saying so, instead of waiting out the window', async () => {
      // Prepare: 60 s allowed, 61 s recorded, then the agent died before its update could cut.
      const { stream, key } = await killedAgent({ maxDurationSeconds: 60, seconds: 61 });
      const refused = await claim(key, 'agent-2');

      // Act: the pass that silences it must not wait 300 s for a reconnect the gate refuses.
      await runLiveWatchdog(deps, LOST);

      // Assess
      expect(refused).toMatchObject({ ok: false, code: 'max-duration' });
      expect(await row(stream.id)).toMatchObject({ status: 'ended', end_reason: 'max-duration' });
      expect(await jobsFor(stream.assetId)).toHaveLength(1);
      expect(await endedEvents(stream.id)).toBe(1);
    });

    it('ends a reconnecting stream whose show was cancelled at once, with that reason', async () => {
      // Prepare
      const showId = await insertShow();
      const { stream } = await killedAgent({ showId, seconds: 5 });
      await runLiveWatchdog(deps, LOST);
      await db.pool.query("UPDATE shows SET status = 'cancelled' WHERE id = ?", [showId]);

      // Act
      await runLiveWatchdog(deps, LOST);

      // Assess
      expect(await row(stream.id)).toMatchObject({ status: 'ended', end_reason: 'show-cancelled' });
      expect(await jobsFor(stream.assetId)).toHaveLength(1);
    });

    it('ends a reconnecting stream whose video was deleted at once, without a recording job', async () => {
      // Prepare
      const { stream } = await killedAgent({ seconds: 5 });
      await runLiveWatchdog(deps, LOST);
      await db.pool.query("UPDATE video_assets SET status = 'failed' WHERE id = ?", [stream.assetId]);

      // Act
      await runLiveWatchdog(deps, LOST);

      // Assess
      expect(await row(stream.id)).toMatchObject({ status: 'ended', end_reason: 'asset-deleted' });
      expect(await jobsFor(stream.assetId)).toHaveLength(0);
      expect(await endedEvents(stream.id)).toBe(1);
    });

    it('cleans up a stream left starting by an agent that never reported: reconnecting, then failed with the reason', async () => {
      // Prepare: authorised, then the agent died before its first update.
      const { stream, key } = await created({ reconnectWindowSeconds: 0 });
      const claimed = await claim(key);
      if (!claimed.ok) throw new Error(claimed.code);
      await db.pool.query(
        'UPDATE live_streams SET heartbeat_at = heartbeat_at - INTERVAL 16 SECOND WHERE id = ?',
        [stream.id],
      );

      // Act
      const summary = await runLiveWatchdog(deps, LOST);

      // Assess (other tests' streams may be swept by the same pass)
      expect(summary.silenced).toBeGreaterThanOrEqual(1);
      expect(await row(stream.id)).toMatchObject({
        status: 'failed',
        end_reason: 'reconnect-window-expired',
        failure_code: 'no_recording',
      });
      expect(await jobsFor(stream.assetId)).toHaveLength(0);
      expect(await endedEvents(stream.id)).toBe(1);
    });

    it('keeps a reconnecting stream that can still reconnect inside its window', async () => {
      // Prepare
      const { stream } = await killedAgent({ seconds: 5 });

      // Act
      await runLiveWatchdog(deps, LOST);
      await runLiveWatchdog(deps, LOST);

      // Assess
      expect(await row(stream.id)).toMatchObject({ status: 'reconnecting', finalised_at: null });
    });
  });

  describe('Method: rotateStreamKey', () => {
    it('refuses a new key for a stream that is ending (a cut that ends it is pending), as for an ended one', async () => {
      // Prepare: the creator ended a live stream; its agent has not sent done yet.
      const { stream, key } = await created();
      const claimed = await claim(key);
      if (!claimed.ok) throw new Error(claimed.code);
      const ending = await requestEnd(deps, orgId, stream.id);

      // Act
      const rotated = await rotateStreamKey(db.pool, orgId, stream.id);

      // Assess: a key that no publish could ever use is not handed out.
      expect(ending.outcome).toBe('cut');
      expect(rotated.outcome).toBe('ended');
      expect(await findStreamForKey(db.pool, key)).toBeDefined();
    });
  });

  describe('Races', () => {
    it('authorize racing the creator’s end: never a live session on a finalised stream', async () => {
      for (let round = 0; round < 8; round += 1) {
        // Prepare
        const { stream, key } = await created();

        // Act
        const [claimed] = await Promise.all([claim(key), requestEnd(deps, orgId, stream.id)]);

        // Assess: either the publish won (and is being cut) or the end won (and the publish is refused).
        const after = await row(stream.id);
        if (claimed.ok) {
          expect(after).toMatchObject({ status: 'starting', cut_reason: 'stream-ended', finalised_at: null });
        } else {
          expect(claimed.code).toBe('stream-ended');
          expect(after).toMatchObject({ status: 'failed' });
          expect(after.finalised_at).not.toBeNull();
        }
      }
    });

    it('two streams created for the same show at once: one links, the other is refused and leaves nothing', async () => {
      // Prepare
      const showId = await insertShow();
      const create = () =>
        createLiveStream(db.pool, {
          orgId,
          title: 'Twin',
          showId,
          reconnectWindowSeconds: 60,
          maxDurationSeconds: 3600,
        });

      // Act
      const results = await Promise.all([create(), create(), create()]);

      // Assess
      const outcomes = results.map((result) => result.outcome).sort();
      expect(outcomes).toEqual(['created', 'show-has-video', 'show-has-video']);
      const winner = results.find((result) => result.outcome === 'created');
      const [shows] = await db.pool.query<RowDataPacket[]>('SELECT video_id FROM shows WHERE id = ?', [
        showId,
      ]);
      expect(shows[0]?.video_id).toBe(winner?.outcome === 'created' ? winner.stream.assetId : 'none');
      const [streams] = await db.pool.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM live_streams WHERE show_id = ?',
        [showId],
      );
      const [assets] = await db.pool.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM video_assets WHERE org_id = ? AND title = 'Twin'",
        [orgId],
      );
      expect([Number(streams[0]?.n), Number(assets[0]?.n)]).toEqual([1, 1]);
    });

    it('authorize racing a rotation: the old key never opens a session after the rotation', async () => {
      for (let round = 0; round < 8; round += 1) {
        // Prepare
        const { stream, key } = await created();

        // Act
        const [claimed, rotated] = await Promise.all([
          claim(key),
          rotateStreamKey(db.pool, orgId, stream.id),
        ]);

        // Assess: a publish that won is cut by the rotation; one that lost finds no stream.
        if (rotated.outcome !== 'rotated') throw new Error(rotated.outcome);
        const after = await row(stream.id);
        if (claimed.ok) expect(after).toMatchObject({ status: 'starting', cut_reason: 'key-rotated' });
        else expect(claimed.code).toBe('unknown-key');
        expect(await findStreamForKey(db.pool, key)).toBeUndefined();
      }
    });

    it('done racing the watchdog’s expiry: one end, one job, one live.ended', async () => {
      for (let round = 0; round < 6; round += 1) {
        // Prepare: reconnecting past a 0 s window, while the silent session's late done arrives.
        const { stream, session } = await killedAgent({ reconnectWindowSeconds: 0, seconds: 4 });
        await db.pool.query("UPDATE live_streams SET cut_reason = 'stream-ended' WHERE id = ?", [stream.id]);

        // Act
        await Promise.all([
          runLiveWatchdog(deps, LOST),
          recordPublisherDone(deps, stream.id, {
            session,
            workerId: 'agent-1',
            recordedSeconds: 4,
            segments: 4,
          }),
          runLiveWatchdog(deps, LOST),
        ]);

        // Assess
        expect(await row(stream.id)).toMatchObject({ status: 'ended', end_reason: 'ended-by-creator' });
        expect(await jobsFor(stream.assetId)).toHaveLength(1);
        expect(await endedEvents(stream.id)).toBe(1);
      }
    });

    it('a stream the creator ends while reconnecting is finalised once; a late done and the watchdog change nothing', async () => {
      // Prepare
      const { stream, session } = await killedAgent({ seconds: 6 });
      await runLiveWatchdog(deps, LOST);
      expect(await row(stream.id)).toMatchObject({ status: 'reconnecting' });

      // Act
      const [ended, again] = await Promise.all([
        requestEnd(deps, orgId, stream.id),
        requestEnd(deps, orgId, stream.id),
      ]);
      const late = await recordPublisherDone(deps, stream.id, {
        session,
        workerId: 'agent-1',
        recordedSeconds: 9,
        segments: 9,
      });
      await runLiveWatchdog(deps, LOST);

      // Assess
      expect([ended.outcome, again.outcome].sort()).toEqual(['already-ended', 'ended']);
      expect(late).toMatchObject({ found: true, changed: false, status: 'ended' });
      expect(await row(stream.id)).toMatchObject({ status: 'ended', end_reason: 'ended-by-creator' });
      expect(Number((await row(stream.id)).recorded_seconds)).toBe(6);
      expect(await jobsFor(stream.assetId)).toHaveLength(1);
      expect(await endedEvents(stream.id)).toBe(1);
    });
  });

  describe('Method: createLiveStream (a show whose last stream recorded nothing)', () => {
    it('links the next stream to the show once the previous stream ended with nothing recorded, and not before', async () => {
      // Prepare: a show's stream ended by its creator before any media arrived (its asset failed)
      const showId = await insertShow();
      const first = await created({ showId });
      const whileIdle = await createLiveStream(db.pool, {
        orgId,
        title: 'Second try',
        showId,
        reconnectWindowSeconds: 60,
        maxDurationSeconds: 3_600,
      });
      const ended = await requestEnd(deps, orgId, first.stream.id);

      // Act: the creator makes a new stream for the same show
      const second = await createLiveStream(db.pool, {
        orgId,
        title: 'Second try',
        showId,
        reconnectWindowSeconds: 60,
        maxDurationSeconds: 3_600,
      });

      // Assess: refused while the first could still go live; afterwards the show plays the new one
      expect(whileIdle.outcome).toBe('show-has-video');
      expect(ended.outcome).toBe('ended');
      expect(second.outcome).toBe('created');
      const [shows] = await db.pool.query<RowDataPacket[]>('SELECT video_id FROM shows WHERE id = ?', [
        showId,
      ]);
      expect(shows[0]?.video_id).toBe(second.outcome === 'created' ? second.stream.assetId : 'none');
    });
  });
});
