import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
import { scheduleTick } from '#events/schedule-tick.ts';
import {
  claimPublishSession,
  createLiveStream,
  findStream,
  findStreamForKey,
  type LiveDeps,
  type LiveStream,
  recordAgentUpdate,
  recordPublisherDone,
  runLiveWatchdog,
} from '#shared/live/live-stream-repository.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import { transcodeQueueMessageSchema } from '#shared/video/transcode-job.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { functionFromSource } from '#test/support/function-source.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';

const FUNCTION = 'live-watchdog';
const INTERVAL = 5;
/** The function's defaults (transcode-dispatch's): a job untouched for 25 h has lost its message. */
const LOST = { lostAfterSeconds: 90_000, maxAttempts: 5 };

/**
 * live-watchdog on MariaDB and its MySQL work queue: through the real FDK (ticks as the scheduler
 * sends them, two containers racing) and in-process for the finer steps. Streams are brought into
 * each state by the repository the functions use; only the clock is moved, by ageing timestamps.
 */
describe('Function: live-watchdog', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let deps: LiveDeps;
  let orgId: string;

  async function tick(): Promise<EventOutcome> {
    const outcome = await runner.call(FUNCTION, {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(scheduleTick(FUNCTION, 'watch'))),
    });
    if (outcome.kind !== 'ok') throw new Error(`delivery ended ${outcome.kind}`);
    return JSON.parse(outcome.reply.body.toString('utf8')) as EventOutcome;
  }

  /** A stream authorised for `workerId`; with `segments`, also reported live with that many. */
  async function published(
    options: { segments?: number; reconnectWindowSeconds?: number; workerId?: string } = {},
  ): Promise<{ stream: LiveStream; key: string; session: number }> {
    const created = await createLiveStream(db.pool, {
      orgId,
      title: 'Late show',
      reconnectWindowSeconds: options.reconnectWindowSeconds ?? 60,
      maxDurationSeconds: 14_400,
    });
    if (created.outcome !== 'created') throw new Error(created.outcome);
    const key = created.key.plaintext;
    const found = (await findStreamForKey(db.pool, key)) as LiveStream;
    const claim = await claimPublishSession(deps, found, key, {
      workerId: options.workerId ?? 'agent-1',
      protocol: 'rtmp',
    });
    if (!claim.ok) throw new Error(claim.code);
    if (options.segments) {
      const report = {
        session: claim.session,
        workerId: options.workerId ?? 'agent-1',
        recordedSeconds: options.segments,
        segments: options.segments,
      };
      const updated = await recordAgentUpdate(db.pool, found.id, report);
      if (!updated.ok) throw new Error(updated.code);
    }
    return { stream: found, key, session: claim.session };
  }

  /** Moves the stream's clock back: its last heartbeat and disconnect happened `seconds` earlier. */
  async function age(id: string, seconds: number): Promise<void> {
    await db.pool.query(
      `UPDATE live_streams
          SET heartbeat_at = heartbeat_at - INTERVAL ? SECOND,
              disconnected_at = disconnected_at - INTERVAL ? SECOND
        WHERE id = ?`,
      [seconds, seconds, id],
    );
  }

  async function row(id: string): Promise<RowDataPacket> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT * FROM live_streams WHERE id = ?', [id]);
    return rows[0] as RowDataPacket;
  }

  async function assetOf(id: string): Promise<RowDataPacket> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT * FROM video_assets WHERE id = ?', [id]);
    return rows[0] as RowDataPacket;
  }

  async function jobsFor(assetId: string) {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT id, content FROM queue_messages WHERE queue = ? ORDER BY id',
      [QUEUES.transcode],
    );
    return rows
      .map((r) => ({
        messageId: String(r.id),
        job: transcodeQueueMessageSchema.parse(JSON.parse(String(r.content))),
      }))
      .filter((queued) => queued.job.assetId === assetId);
  }

  async function eventsOf(aggregateType: string, id: string) {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT event_type, payload FROM outbox WHERE aggregate_type = ? AND aggregate_id = ? ORDER BY seq',
      [aggregateType, id],
    );
    return rows.map((r) => ({ type: String(r.event_type), payload: JSON.parse(String(r.payload)) }));
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'live_watchdog');
    deps = {
      pool: db.pool,
      queue: new MySqlWorkQueue({ pool: db.pool, name: QUEUES.transcode }),
      updateIntervalSeconds: INTERVAL,
    };
    orgId = (await createOrgWithKey(db.pool, ['videos:write'], { kind: 'creator' })).orgId;
    runner = new FnRunner(
      [
        functionFromSource(
          FUNCTION,
          {
            MYSQL_URL: db.url,
            QUEUE_BACKEND: 'mysql',
            LIVE_UPDATE_INTERVAL_SECONDS: String(INTERVAL),
          },
          { timeoutSeconds: 30 },
        ),
      ],
      // Two containers, so two ticks really race.
      { processesPerFunction: 2 },
    );
    // Both containers started before any test ages a clock (a cold start can take seconds).
    await Promise.all([tick(), tick()]);
  });
  afterAll(async () => {
    await runner?.close();
    await db?.drop();
  });

  it('moves a stream whose agent went silent for three update intervals to reconnecting, from its last heartbeat', async () => {
    // Prepare
    const silent = await published({ segments: 4 });
    const heard = await published({ segments: 4 });
    await age(silent.stream.id, 3 * INTERVAL + 1);
    // Well inside the three intervals, so a slow tick on a busy machine cannot silence it too.
    await age(heard.stream.id, INTERVAL);
    const lastHeartbeat = (await row(silent.stream.id)).heartbeat_at as Date;

    // Act
    const outcome = await tick();

    // Assess
    expect(outcome).toMatchObject({ status: 'processed' });
    expect(await row(silent.stream.id)).toMatchObject({
      status: 'reconnecting',
      disconnected_at: lastHeartbeat,
    });
    expect((await row(heard.stream.id)).status).toBe('live');
    // The agent was only slow: its next update revives the same session.
    const revived = await recordAgentUpdate(db.pool, silent.stream.id, {
      session: silent.session,
      workerId: 'agent-1',
      recordedSeconds: 9,
      segments: 9,
    });
    expect(revived.ok).toBe(true);
    expect((await row(silent.stream.id)).status).toBe('live');
  });

  it('keeps a reconnecting stream inside its window, and a publisher that comes back continues it as session 2', async () => {
    // Prepare
    const { stream, key, session } = await published({ segments: 5, reconnectWindowSeconds: 60 });
    await recordPublisherDone(deps, stream.id, {
      session,
      workerId: 'agent-1',
      recordedSeconds: 5,
      segments: 5,
    });
    await age(stream.id, 40);

    // Act
    await tick();
    const during = await row(stream.id);
    const again = await claimPublishSession(deps, (await findStream(db.pool, stream.id)) as LiveStream, key, {
      workerId: 'agent-2',
      protocol: 'whip',
    });

    // Assess
    expect(during.status).toBe('reconnecting');
    expect(again).toMatchObject({ ok: true, session: 2 });
    expect(await row(stream.id)).toMatchObject({
      status: 'starting',
      asset_id: stream.assetId,
      protocol: 'whip',
    });
    expect(await jobsFor(stream.assetId)).toEqual([]);
  });

  it('finalises a stream whose window has passed with exactly one live-recording job, even when ticks race', async () => {
    // Prepare
    const { stream, session } = await published({ segments: 30, reconnectWindowSeconds: 60 });
    await recordPublisherDone(deps, stream.id, {
      session,
      workerId: 'agent-1',
      recordedSeconds: 30.5,
      segments: 30,
    });
    await age(stream.id, 61);

    // Act: two containers and four in-process passes at once.
    const outcomes = await Promise.all([
      tick(),
      tick(),
      runLiveWatchdog(deps, LOST),
      runLiveWatchdog(deps, LOST),
      runLiveWatchdog(deps, LOST),
      runLiveWatchdog(deps, LOST),
    ]);

    // Assess
    const jobs = await jobsFor(stream.assetId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.job).toMatchObject({
      version: 1,
      kind: 'live-recording',
      assetId: stream.assetId,
      streamId: stream.id,
      sessions: 1,
    });
    const finalised = outcomes
      .map((outcome) => {
        if ('silenced' in outcome) return outcome.finalised;
        return outcome.status === 'processed' ? Number(outcome.detail?.finalised ?? 0) : 0;
      })
      .reduce((sum, n) => sum + n, 0);
    expect(finalised).toBe(1);
    expect(await row(stream.id)).toMatchObject({
      status: 'ended',
      end_reason: 'reconnect-window-expired',
      vod_job_message_id: jobs[0]?.messageId,
    });
    expect(await assetOf(stream.assetId)).toMatchObject({
      status: 'queued',
      job_message_id: jobs[0]?.messageId,
    });
    const ended = (await eventsOf('live_stream', stream.id)).filter((e) => e.type === 'live.ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]?.payload).toMatchObject({
      status: 'ended',
      recording: 'queued',
      recordedSeconds: 30.5,
      endReason: 'reconnect-window-expired',
    });
    // Later ticks find nothing to do.
    expect(await runLiveWatchdog(deps, LOST)).toEqual({ silenced: 0, finalised: 0, requeued: 0 });
    expect(await jobsFor(stream.assetId)).toHaveLength(1);
  });

  it('takes a killed agent’s stream through reconnecting to a VOD job of what was recorded', async () => {
    // Prepare: a stream whose agent reported 12 s, then died without a done.
    const { stream } = await published({ segments: 12, reconnectWindowSeconds: 30 });
    await age(stream.id, 3 * INTERVAL);

    // Act
    await tick();
    const afterSilence = await row(stream.id);
    await age(stream.id, 30);
    await tick();

    // Assess
    expect(afterSilence.status).toBe('reconnecting');
    expect((await row(stream.id)).status).toBe('ended');
    expect(await jobsFor(stream.assetId)).toHaveLength(1);
  });

  it('fails a stream that recorded nothing, with the reason, on the stream and its video', async () => {
    // Prepare: authorised, but the publisher left before a single segment was stored.
    const { stream, session } = await published({ reconnectWindowSeconds: 0 });
    await recordPublisherDone(deps, stream.id, {
      session,
      workerId: 'agent-1',
      recordedSeconds: 0,
      segments: 0,
    });
    await age(stream.id, 1);

    // Act
    await tick();

    // Assess
    expect(await row(stream.id)).toMatchObject({
      status: 'failed',
      failure_code: 'no_recording',
      end_reason: 'reconnect-window-expired',
    });
    expect((await row(stream.id)).failure_reason).toMatch(/before any media was recorded/);
    expect(await assetOf(stream.assetId)).toMatchObject({ status: 'failed', failure_code: 'no_recording' });
    expect(await jobsFor(stream.assetId)).toEqual([]);
    expect((await eventsOf('video', stream.assetId)).map((e) => e.type)).toEqual(['video.failed']);
    expect((await eventsOf('live_stream', stream.id)).at(-1)).toMatchObject({
      type: 'live.ended',
      payload: { status: 'failed', recording: 'none', failure: { code: 'no_recording' } },
    });
  });

  it('does not wait for the window when a silent stream’s cut ends it', async () => {
    // Prepare: the show was cancelled, the update cut the publisher, and then the agent died.
    const { stream, session } = await published({ segments: 8, reconnectWindowSeconds: 300 });
    await db.pool.query("UPDATE live_streams SET cut_reason = 'show-cancelled' WHERE id = ?", [stream.id]);
    const refused = await recordAgentUpdate(db.pool, stream.id, {
      session,
      workerId: 'agent-1',
      recordedSeconds: 8,
      segments: 8,
    });
    await age(stream.id, 3 * INTERVAL);

    // Act
    await tick();

    // Assess
    expect(refused).toMatchObject({ ok: false, code: 'show-cancelled' });
    expect(await row(stream.id)).toMatchObject({ status: 'ended', end_reason: 'show-cancelled' });
    expect(await jobsFor(stream.assetId)).toHaveLength(1);
  });

  it('puts a finished stream’s recording job again once its message has outlived the queue, once', async () => {
    // Prepare: an ended stream whose job message vanished (queue retention) before any worker took it.
    const { stream, session } = await published({ segments: 6, reconnectWindowSeconds: 0 });
    await recordPublisherDone(deps, stream.id, {
      session,
      workerId: 'agent-1',
      recordedSeconds: 6,
      segments: 6,
    });
    await runLiveWatchdog(deps, LOST);
    const [lostJob] = await jobsFor(stream.assetId);
    await db.pool.query('DELETE FROM queue_messages WHERE id = ?', [lostJob?.messageId]);
    await db.pool.query(
      'UPDATE video_assets SET queued_at = queued_at - INTERVAL 90001 SECOND, progress_at = progress_at - INTERVAL 90001 SECOND WHERE id = ?',
      [stream.assetId],
    );

    // Act: the function's tick and an in-process pass race.
    const [ticked, passed] = await Promise.all([tick(), runLiveWatchdog(deps, LOST)]);

    // Assess
    const jobs = await jobsFor(stream.assetId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.job).toMatchObject({ kind: 'live-recording', streamId: stream.id, sessions: 1 });
    expect(jobs[0]?.messageId).not.toBe(lostJob?.messageId);
    const requeued =
      passed.requeued + (ticked.status === 'processed' ? Number(ticked.detail?.requeued ?? 0) : 0);
    expect(requeued).toBe(1);
    expect(await assetOf(stream.assetId)).toMatchObject({
      status: 'queued',
      job_message_id: jobs[0]?.messageId,
    });
    expect((await row(stream.id)).vod_job_message_id).toBe(jobs[0]?.messageId);
    expect((await runLiveWatchdog(deps, LOST)).requeued).toBe(0);
  });
});
