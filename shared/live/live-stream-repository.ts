import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type DbConnection, type DbPool, withTransaction } from '../db/pool.ts';
import { newId } from '../ids.ts';
import { appendToOutbox } from '../outbox/outbox.ts';
import type { WorkQueue } from '../queue/work-queue.ts';
import { linkShowVideo } from '../shows/show-repository.ts';
import { type LiveRecordingJob, liveRecordingJobSchema } from '../video/transcode-job.ts';
import { VIDEO_FAILURES } from '../video/video.ts';
import {
  insertLiveVideo,
  lockLostLiveRecording,
  lostLiveRecordings,
  recordFailed,
  recordLiveRecordingQueued,
  recordLiveRecordingRequeued,
} from '../video/video-repository.ts';
import {
  type CutReason,
  cutEndsStream,
  doneOutcome,
  type EndReason,
  endRequestOutcome,
  isCutReason,
  type LiveRefusalCode,
  type LiveStatus,
  type Protocol,
  publishVerdict,
  reconnectExpiry,
  SILENT_AFTER_UPDATES,
  type StreamFacts,
  type UpdateCall,
  updateVerdict,
} from './live-stream.ts';
import { hashStreamKey, type IssuedStreamKey, issueStreamKey } from './stream-key.ts';

type Queryable = DbPool | DbConnection;

/**
 * The only place with `live_streams` SQL and the live domain events (`live.started`, `live.ended`,
 * `live.recording_ready`, aggregate `live_stream`). Every transition is a conditional UPDATE on
 * the stream row or runs under its row lock, so concurrent agents, watchdog ticks and creators
 * cannot take a stream through the same step twice.
 */
export interface LiveStream {
  readonly id: string;
  readonly orgId: string;
  readonly showId: string | null;
  readonly assetId: string;
  /** The asset's status (`live` until the stream is finalised), or null if it is gone. */
  readonly assetStatus: string | null;
  readonly title: string;
  readonly keyHint: string;
  readonly status: LiveStatus;
  readonly failure: { readonly code: string; readonly reason: string } | null;
  readonly endReason: string | null;
  readonly session: number;
  readonly workerId: string | null;
  readonly protocol: Protocol | null;
  readonly reconnectWindowSeconds: number;
  readonly maxDurationSeconds: number;
  readonly recordedSeconds: number;
  readonly recordedSegments: number;
  readonly playlistLagMs: number | null;
  readonly cutReason: CutReason | null;
  readonly heartbeatAt: Date | null;
  readonly liveAt: Date | null;
  readonly disconnectedAt: Date | null;
  readonly endedAt: Date | null;
  readonly finalisedAt: Date | null;
  readonly vodJobMessageId: string | null;
  readonly createdAt: Date;
  /** What the state rules read (shared/live/live-stream.ts), by the database clock. */
  readonly facts: StreamFacts;
}

const AGGREGATE = 'live_stream';

const SELECT_STREAM = `SELECT ls.id, ls.org_id, ls.show_id, ls.asset_id, ls.title, ls.key_hint, ls.status,
    ls.failure_code, ls.failure_reason, ls.end_reason, ls.session, ls.worker_id, ls.protocol,
    ls.reconnect_window_seconds, ls.max_duration_seconds, ls.recorded_seconds, ls.recorded_segments,
    ls.playlist_lag_ms, ls.cut_reason, ls.heartbeat_at, ls.live_at, ls.disconnected_at, ls.ended_at,
    ls.finalised_at, ls.vod_job_message_id, ls.created_at,
    TIMESTAMPDIFF(MICROSECOND, ls.heartbeat_at, NOW(3)) DIV 1000 AS heartbeat_age_ms,
    TIMESTAMPDIFF(MICROSECOND, ls.disconnected_at, NOW(3)) DIV 1000 AS disconnected_age_ms,
    s.status AS show_status, v.status AS asset_status
  FROM live_streams ls
  LEFT JOIN shows s ON s.id = ls.show_id
  LEFT JOIN video_assets v ON v.id = ls.asset_id`;

async function readStream(db: Queryable, where: string, params: unknown[]): Promise<LiveStream | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`${SELECT_STREAM} WHERE ${where}`, params);
  return rows[0] ? toStream(rows[0]) : undefined;
}

/** Locks the stream row (only it: a locking read over the join would lock the show's row too). */
async function lockStream(connection: DbConnection, id: string): Promise<LiveStream | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT id FROM live_streams WHERE id = ? FOR UPDATE',
    [id],
  );
  if (rows.length === 0) return undefined;
  return readStream(connection, 'ls.id = ?', [id]);
}

export type CreateStreamResult =
  | { readonly outcome: 'created'; readonly stream: LiveStream; readonly key: IssuedStreamKey }
  | { readonly outcome: 'show-missing' }
  | { readonly outcome: 'show-has-video' }
  | { readonly outcome: 'show-cancelled' };

/** A stream, its asset and (with a show) the show's link to the asset, in one transaction. */
export async function createLiveStream(
  pool: DbPool,
  input: {
    orgId: string;
    title: string;
    showId?: string | undefined;
    reconnectWindowSeconds: number;
    maxDurationSeconds: number;
  },
): Promise<CreateStreamResult> {
  const id = newId();
  const assetId = newId();
  const key = issueStreamKey();
  try {
    return await withTransaction(pool, async (connection): Promise<CreateStreamResult> => {
      await insertLiveVideo(connection, { id: assetId, orgId: input.orgId, title: input.title });
      if (input.showId !== undefined) {
        const link = await linkShowVideo(connection, {
          showId: input.showId,
          orgId: input.orgId,
          videoId: assetId,
        });
        // Thrown so the transaction rolls back the asset inserted above.
        if (link.outcome !== 'linked') throw new ShowLinkRefused(link.outcome);
      }
      await connection.query(
        `INSERT INTO live_streams (id, org_id, show_id, asset_id, title, key_hash, key_hint,
           reconnect_window_seconds, max_duration_seconds)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          input.orgId,
          input.showId ?? null,
          assetId,
          input.title,
          key.hash,
          key.hint,
          input.reconnectWindowSeconds,
          input.maxDurationSeconds,
        ],
      );
      const stream = await readStream(connection, 'ls.id = ?', [id]);
      if (!stream) throw new Error('live stream vanished after insert');
      return { outcome: 'created', stream, key };
    });
  } catch (err) {
    if (err instanceof ShowLinkRefused) return { outcome: `show-${err.outcome}` };
    throw err;
  }
}

class ShowLinkRefused extends Error {
  readonly outcome: 'missing' | 'has-video' | 'cancelled';
  constructor(outcome: 'missing' | 'has-video' | 'cancelled') {
    super(`the show cannot take the stream's video: ${outcome}`);
    this.name = 'ShowLinkRefused';
    this.outcome = outcome;
  }
}

/** Another organisation's stream is reported as missing. */
export async function findOrgStream(
  db: Queryable,
  orgId: string,
  id: string,
): Promise<LiveStream | undefined> {
  return readStream(db, 'ls.id = ? AND ls.org_id = ?', [id, orgId]);
}

export async function findStream(db: Queryable, id: string): Promise<LiveStream | undefined> {
  return readStream(db, 'ls.id = ?', [id]);
}

/** The stream whose asset is `assetId` (show-access: a live show's playback). */
export async function findStreamByAsset(db: Queryable, assetId: string): Promise<LiveStream | undefined> {
  return readStream(db, 'ls.asset_id = ?', [assetId]);
}

/** Newest first; `before` is the last id of the previous page. */
export async function listOrgStreams(
  db: Queryable,
  orgId: string,
  page: { limit: number; before?: string | undefined },
): Promise<{ items: LiveStream[]; next: string | null }> {
  const [rows] = await db.query<RowDataPacket[]>(
    `${SELECT_STREAM} WHERE ls.org_id = ?${page.before ? ' AND ls.id < ?' : ''} ORDER BY ls.id DESC LIMIT ?`,
    page.before ? [orgId, page.before, page.limit + 1] : [orgId, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toStream);
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

export type RotateResult =
  | { readonly outcome: 'rotated'; readonly stream: LiveStream; readonly key: IssuedStreamKey }
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'ended'; readonly stream: LiveStream };

/**
 * A new key; the old one stops matching at once (its hash is gone). A publisher on the old key is
 * cut at its next update (`key-rotated`). An ended stream, or one a pending cut is ending, gets none.
 */
export async function rotateStreamKey(pool: DbPool, orgId: string, id: string): Promise<RotateResult> {
  const key = issueStreamKey();
  return withTransaction(pool, async (connection): Promise<RotateResult> => {
    const current = await lockStream(connection, id);
    if (current?.orgId !== orgId) return { outcome: 'missing' };
    // An ending stream (a cut that ends it waits for the agent's done) could never use a new key.
    const ending = current.cutReason !== null && cutEndsStream(current.cutReason);
    if (current.facts.finalised || ending) return { outcome: 'ended', stream: current };
    await connection.query(
      `UPDATE live_streams
          SET key_hash = ?, key_hint = ?,
              cut_reason = IF(worker_id IS NOT NULL AND status IN ('starting', 'live', 'reconnecting')
                                AND cut_reason IS NULL, 'key-rotated', cut_reason)
        WHERE id = ?`,
      [key.hash, key.hint, id],
    );
    const stream = await readStream(connection, 'ls.id = ?', [id]);
    if (!stream) throw new Error('live stream vanished while rotating its key');
    return { outcome: 'rotated', stream, key };
  });
}

/** How the live functions reach the transcode queue and pace the agents. */
export interface LiveDeps {
  readonly pool: DbPool;
  readonly queue: WorkQueue;
  readonly updateIntervalSeconds: number;
}

export type EndResult =
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'ended' | 'cut' | 'already-ended'; readonly stream: LiveStream };

/**
 * The creator ends the stream: a stream with a publisher on is cut (`stream-ended`) and ends at
 * the agent's done (or the watchdog's, if the agent is gone); any other is finalised now.
 */
export async function requestEnd(deps: LiveDeps, orgId: string, id: string): Promise<EndResult> {
  const outcome = await withTransaction(
    deps.pool,
    async (connection): Promise<EndResult> => {
      const stream = await lockStream(connection, id);
      if (stream?.orgId !== orgId) return { outcome: 'missing' };
      const next = endRequestOutcome(stream.facts, deps.updateIntervalSeconds);
      if (next === 'already-ended') return { outcome: 'already-ended', stream };
      if (next === 'cut') {
        await connection.query(
          `UPDATE live_streams SET cut_reason = 'stream-ended'
            WHERE id = ? AND (cut_reason IS NULL OR cut_reason = 'key-rotated')`,
          [id],
        );
        return { outcome: 'cut', stream };
      }
      await finaliseLocked(connection, deps.queue, stream, 'ended-by-creator');
      return { outcome: 'ended', stream };
    },
    { retries: 0 },
  );
  if (outcome.outcome === 'missing') return outcome;
  const stream = await findStream(deps.pool, id);
  return { ...outcome, stream: stream ?? outcome.stream };
}

/** The stream a presented key opens (one lookup on the unique key-hash index), if any. */
export async function findStreamForKey(db: Queryable, streamKey: string): Promise<LiveStream | undefined> {
  return readStream(db, 'ls.key_hash = ?', [hashStreamKey(streamKey)]);
}

export type PublishClaim =
  | { readonly ok: true; readonly stream: LiveStream; readonly session: number }
  | { readonly ok: false; readonly code: LiveRefusalCode; readonly detail: string };

/**
 * The publish gate's write: one atomic conditional UPDATE moves the stream to `starting` with
 * the next session number (the fencing token of everything the agent reports afterwards). Of two
 * concurrent publishes exactly one matches; the other reads the stream again and is refused
 * (`already-live`). A pending key-rotation cut is settled: the new key was presented.
 */
export async function claimPublishSession(
  deps: Pick<LiveDeps, 'pool' | 'updateIntervalSeconds'>,
  stream: LiveStream,
  streamKey: string,
  claim: { workerId: string; protocol: Protocol },
): Promise<PublishClaim> {
  const silentMicros = SILENT_AFTER_UPDATES * deps.updateIntervalSeconds * 1_000_000;
  // The row's primary key is locked first, as rotate, end, update, done and the watchdog do: an
  // UPDATE matching on the key-hash index locked that index before the row and deadlocked with a
  // rotation (which holds the row and then rewrites the key-hash index).
  const claimed = await withTransaction(deps.pool, async (connection) => {
    await connection.query('SELECT id FROM live_streams WHERE id = ? FOR UPDATE', [stream.id]);
    // The same agent asking again for a stream it holds in `starting`: its earlier answer never
    // reached it (the agent gave up waiting on a slow function and refused the publisher, who
    // retries). It gets the same session again, nothing moves: a second publisher on that agent
    // is still refused by the agent's own one-ladder-per-stream guard, and the session that may
    // already run keeps its fencing token.
    const [held] = await connection.query<ResultSetHeader>(
      `UPDATE live_streams SET heartbeat_at = NOW(3)
        WHERE id = ? AND key_hash = ? AND finalised_at IS NULL AND status = 'starting'
          AND worker_id = ? AND protocol = ? AND (cut_reason IS NULL OR cut_reason = 'key-rotated')`,
      [stream.id, hashStreamKey(streamKey), claim.workerId, claim.protocol],
    );
    if (held.affectedRows === 1) {
      const again = await readStream(connection, 'ls.id = ?', [stream.id]);
      return again ? { stream: again, session: again.session } : undefined;
    }
    const [result] = await connection.query<ResultSetHeader>(
      `UPDATE live_streams
        SET session = LAST_INSERT_ID(session + 1), status = 'starting', worker_id = ?, protocol = ?,
            heartbeat_at = NOW(3), disconnected_at = NULL, cut_reason = NULL,
            session_base_seconds = recorded_seconds, session_base_segments = recorded_segments,
            playlist_lag_ms = NULL
      WHERE id = ? AND key_hash = ? AND finalised_at IS NULL
        AND (cut_reason IS NULL OR cut_reason = 'key-rotated')
        AND recorded_seconds < max_duration_seconds
        AND (status IN ('idle', 'reconnecting')
             OR (status IN ('starting', 'live')
                 AND (heartbeat_at IS NULL OR heartbeat_at <= NOW(3) - INTERVAL ? MICROSECOND)))`,
      [claim.workerId, claim.protocol, stream.id, hashStreamKey(streamKey), silentMicros],
    );
    // LAST_INSERT_ID(expr) hands back exactly the session this statement wrote. The show and the
    // asset were checked by the caller's lookup an instant ago; a cancel in between is caught by
    // the agent's first update.
    if (result.affectedRows !== 1) return undefined;
    const after = await readStream(connection, 'ls.id = ?', [stream.id]);
    return after ? { stream: after, session: Number(result.insertId) } : undefined;
  });
  if (claimed) return { ok: true, ...claimed };
  const now = await findStreamForKey(deps.pool, streamKey);
  if (!now) return { ok: false, code: 'unknown-key', detail: 'No stream has this key.' };
  const verdict = publishVerdict(now.facts, deps.updateIntervalSeconds);
  if (!verdict.ok) return verdict;
  // Matched nothing yet allowed a moment later: another publish won in between.
  return { ok: false, code: 'already-live', detail: 'Another publisher is live on this stream.' };
}

export interface AgentReport extends UpdateCall {
  /** Seconds stored in this session so far. */
  readonly recordedSeconds: number;
  /** Segments stored in this session so far (per rendition). */
  readonly segments: number;
  readonly playlistLagMs?: number | undefined;
}

export type UpdateResult =
  | { readonly ok: true; readonly stream: LiveStream }
  | { readonly ok: false; readonly code: LiveRefusalCode; readonly detail: string }
  | { readonly ok: false; readonly code: 'unknown-stream'; readonly detail: string };

/**
 * An agent's heartbeat with its session's figures. The first update with stored segments makes
 * the stream `live` (and `live.started`, once per stream). A refusal tells the agent to cut the
 * publisher; a cut decided here is stored so the agent's done ends the stream.
 */
export async function recordAgentUpdate(
  pool: DbPool,
  id: string,
  report: AgentReport,
): Promise<UpdateResult> {
  return withTransaction(pool, async (connection): Promise<UpdateResult> => {
    const before = await lockStream(connection, id);
    if (!before) return { ok: false, code: 'unknown-stream', detail: `No live stream ${id}` };
    const gate = updateVerdict(before.facts, report);
    if (!gate.ok && (gate.code === 'stream-ended' || gate.code === 'session-superseded')) return gate;
    await connection.query(
      `UPDATE live_streams
          SET heartbeat_at = NOW(3),
              recorded_seconds = GREATEST(recorded_seconds, session_base_seconds + ?),
              recorded_segments = GREATEST(recorded_segments, session_base_segments + ?),
              playlist_lag_ms = ?,
              disconnected_at = NULL,
              live_at = IF(? > 0, COALESCE(live_at, NOW(3)), live_at),
              status = IF(? > 0, 'live', IF(status = 'reconnecting', 'starting', status))
        WHERE id = ?`,
      [
        report.recordedSeconds,
        report.segments,
        report.playlistLagMs ?? null,
        report.segments,
        report.segments,
        id,
      ],
    );
    if (report.segments > 0 && before.liveAt === null) {
      await appendToOutbox(connection, {
        aggregateType: AGGREGATE,
        aggregateId: id,
        type: 'live.started',
        payload: {
          streamId: id,
          assetId: before.assetId,
          showId: before.showId,
          session: before.session,
          protocol: before.protocol,
        },
      });
    }
    const after = await readStream(connection, 'ls.id = ?', [id]);
    if (!after) throw new Error('live stream vanished during an update');
    const verdict = updateVerdict(after.facts, report);
    if (verdict.ok) return { ok: true, stream: after };
    if ('cut' in verdict && verdict.cut !== undefined) {
      await connection.query('UPDATE live_streams SET cut_reason = ? WHERE id = ? AND cut_reason IS NULL', [
        verdict.cut,
        id,
      ]);
    }
    return { ok: false, code: verdict.code, detail: verdict.detail };
  });
}

export type DoneResult =
  | { readonly found: false }
  | { readonly found: true; readonly status: LiveStatus; readonly changed: boolean };

/**
 * The publisher of a session left. Its final figures are kept; the stream waits for a reconnect,
 * or is finalised when a cut says it is over. A superseded session's done changes nothing.
 */
export async function recordPublisherDone(
  deps: LiveDeps,
  id: string,
  report: AgentReport,
): Promise<DoneResult> {
  return withTransaction(
    deps.pool,
    async (connection): Promise<DoneResult> => {
      const before = await lockStream(connection, id);
      if (!before) return { found: false };
      if (doneOutcome(before.facts, report).kind === 'stale') {
        return { found: true, status: before.status, changed: false };
      }
      await connection.query(
        `UPDATE live_streams
            SET recorded_seconds = GREATEST(recorded_seconds, session_base_seconds + ?),
                recorded_segments = GREATEST(recorded_segments, session_base_segments + ?)
          WHERE id = ?`,
        [report.recordedSeconds, report.segments, id],
      );
      const stream = await readStream(connection, 'ls.id = ?', [id]);
      if (!stream) throw new Error('live stream vanished during done');
      const outcome = doneOutcome(stream.facts, report);
      if (outcome.kind === 'end') {
        const status = await finaliseLocked(connection, deps.queue, stream, outcome.reason);
        return { found: true, status, changed: true };
      }
      await connection.query(
        `UPDATE live_streams
            SET disconnected_at = IF(status = 'reconnecting', COALESCE(disconnected_at, NOW(3)), NOW(3)),
                status = 'reconnecting', worker_id = NULL,
                cut_reason = IF(cut_reason = 'key-rotated', NULL, cut_reason)
          WHERE id = ?`,
        [id],
      );
      return { found: true, status: 'reconnecting', changed: true };
    },
    // The queue put inside must not run twice (a rerun after a deadlock would put a second job).
    { retries: 0 },
  );
}

export interface WatchdogSummary {
  readonly silenced: number;
  readonly finalised: number;
  /** Live-recording jobs put again because their message outlived the queue's retention. */
  readonly requeued: number;
}

/** When a live-recording job counts as lost, as transcode-dispatch's upkeep judges upload jobs. */
export interface LostJobOptions {
  /** Past the queue's retention no message for the job can exist any more. */
  readonly lostAfterSeconds: number;
  /** The transcode queue's dead-letter count: a job that used them up is failed by transcode-dispatch. */
  readonly maxAttempts: number;
}

/**
 * One watchdog pass: streams whose agent went silent (no update for three intervals: a killed
 * agent) wait for a reconnect from their last heartbeat; streams whose window has passed, or
 * whose cut ends them, are finalised; a recording whose job message was lost is queued again.
 * Each step is conditional, so concurrent passes are harmless.
 */
export async function runLiveWatchdog(
  deps: LiveDeps,
  lost: LostJobOptions,
  limit = 100,
): Promise<WatchdogSummary> {
  const silentMicros = SILENT_AFTER_UPDATES * deps.updateIntervalSeconds * 1_000_000;
  const [silentRows] = await deps.pool.query<RowDataPacket[]>(
    `SELECT id FROM live_streams
      WHERE status IN ('starting', 'live') AND heartbeat_at <= NOW(3) - INTERVAL ? MICROSECOND
      ORDER BY heartbeat_at LIMIT ?`,
    [silentMicros, limit],
  );
  let silenced = 0;
  for (const row of silentRows) {
    const [result] = await deps.pool.query<ResultSetHeader>(
      `UPDATE live_streams SET status = 'reconnecting', disconnected_at = heartbeat_at
        WHERE id = ? AND status IN ('starting', 'live') AND heartbeat_at <= NOW(3) - INTERVAL ? MICROSECOND`,
      [row.id, silentMicros],
    );
    silenced += result.affectedRows;
  }

  const [expiredRows] = await deps.pool.query<RowDataPacket[]>(
    `SELECT ls.id FROM live_streams ls
       LEFT JOIN shows s ON s.id = ls.show_id
       LEFT JOIN video_assets v ON v.id = ls.asset_id
      WHERE ls.status = 'reconnecting' AND ls.finalised_at IS NULL
        AND (ls.disconnected_at IS NULL
             OR ls.disconnected_at <= NOW(3) - INTERVAL ls.reconnect_window_seconds SECOND
             OR (ls.cut_reason IS NOT NULL AND ls.cut_reason <> 'key-rotated')
             -- No publisher may continue these (reconnectExpiry): no point waiting for the window.
             OR ls.recorded_seconds >= ls.max_duration_seconds
             OR s.status = 'cancelled'
             OR v.status IS NULL OR v.status <> 'live')
      ORDER BY ls.disconnected_at LIMIT ?`,
    [limit],
  );
  let finalised = 0;
  for (const row of expiredRows) {
    const done = await withTransaction(
      deps.pool,
      async (connection) => {
        // Decided again under the lock: a publisher may have reconnected since the scan.
        const stream = await lockStream(connection, String(row.id));
        const reason = stream ? reconnectExpiry(stream.facts) : undefined;
        if (!stream || !reason) return false;
        await finaliseLocked(connection, deps.queue, stream, reason);
        return true;
      },
      { retries: 0 },
    );
    if (done) finalised += 1;
  }

  let requeued = 0;
  for (const assetId of await lostLiveRecordings(deps.pool, { ...lost, limit })) {
    const put = await withTransaction(
      deps.pool,
      async (connection) => {
        if (!(await lockLostLiveRecording(connection, assetId, lost.lostAfterSeconds))) return false;
        const [rows] = await connection.query<RowDataPacket[]>(
          'SELECT id, session FROM live_streams WHERE asset_id = ? FOR UPDATE',
          [assetId],
        );
        const stream = rows[0];
        if (!stream) return false;
        const job: LiveRecordingJob = liveRecordingJobSchema.parse({
          version: 1,
          kind: 'live-recording',
          assetId,
          streamId: String(stream.id),
          sessions: Math.max(1, Number(stream.session)),
          enqueuedAt: new Date().toISOString(),
        });
        const messageId = (await deps.queue.put([JSON.stringify(job)]))[0] ?? 'unknown';
        await recordLiveRecordingRequeued(connection, assetId, messageId);
        await connection.query('UPDATE live_streams SET vod_job_message_id = ? WHERE id = ?', [
          messageId,
          String(stream.id),
        ]);
        return true;
      },
      { retries: 0 },
    );
    if (put) requeued += 1;
  }
  return { silenced, finalised, requeued };
}

/**
 * Ends a stream for good, exactly once: the conditional UPDATE on `finalised_at` is the witness,
 * and the live-recording job is put while the row is locked, in the same transaction (a failed put
 * rolls everything back for the next try). Nothing recorded: stream and asset fail `no_recording`.
 * The caller holds the row lock.
 */
async function finaliseLocked(
  connection: DbConnection,
  queue: WorkQueue,
  stream: LiveStream,
  reason: EndReason,
): Promise<LiveStatus> {
  const recorded = stream.recordedSegments > 0 || stream.recordedSeconds > 0;
  const status: LiveStatus = recorded ? 'ended' : 'failed';
  const failure = recorded
    ? null
    : {
        code: VIDEO_FAILURES.noRecording,
        reason: 'The stream ended before any media was recorded.',
      };
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE live_streams
        SET status = ?, end_reason = ?, failure_code = ?, failure_reason = ?, cut_reason = NULL,
            worker_id = NULL, ended_at = NOW(3), finalised_at = NOW(3),
            disconnected_at = COALESCE(disconnected_at, NOW(3))
      WHERE id = ? AND finalised_at IS NULL`,
    [status, reason, failure?.code ?? null, failure?.reason ?? null, stream.id],
  );
  if (result.affectedRows !== 1) return stream.status;

  let messageId: string | null = null;
  // An asset an operator deleted or failed gets no job: there is nothing to publish it as.
  if (recorded && !stream.facts.assetGone) {
    const job: LiveRecordingJob = liveRecordingJobSchema.parse({
      version: 1,
      kind: 'live-recording',
      assetId: stream.assetId,
      streamId: stream.id,
      sessions: Math.max(1, stream.session),
      enqueuedAt: new Date().toISOString(),
    });
    messageId = (await queue.put([JSON.stringify(job)]))[0] ?? 'unknown';
    await recordLiveRecordingQueued(connection, stream.assetId, messageId);
    await connection.query('UPDATE live_streams SET vod_job_message_id = ? WHERE id = ?', [
      messageId,
      stream.id,
    ]);
  } else if (failure && !stream.facts.assetGone) {
    await recordFailed(connection, stream.assetId, failure);
  }
  await appendToOutbox(connection, {
    aggregateType: AGGREGATE,
    aggregateId: stream.id,
    type: 'live.ended',
    payload: {
      streamId: stream.id,
      assetId: stream.assetId,
      showId: stream.showId,
      status,
      endReason: reason,
      sessions: stream.session,
      recordedSeconds: stream.recordedSeconds,
      recording: messageId === null ? 'none' : 'queued',
      ...(failure ? { failure } : {}),
    },
  });
  return status;
}

/**
 * vod-package published a live asset's recording: `live.recording_ready`, in the transaction that
 * marked the asset ready (so exactly once, like `video.ready`).
 */
export async function recordRecordingReady(
  connection: DbConnection,
  assetId: string,
  published: { attempt: number; mediaPrefix: string; durationSeconds: number },
): Promise<boolean> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT id, show_id FROM live_streams WHERE asset_id = ?',
    [assetId],
  );
  const row = rows[0];
  if (!row) return false;
  await appendToOutbox(connection, {
    aggregateType: AGGREGATE,
    aggregateId: String(row.id),
    type: 'live.recording_ready',
    payload: {
      streamId: String(row.id),
      assetId,
      showId: (row.show_id as string | null) ?? null,
      attempt: published.attempt,
      mediaPrefix: published.mediaPrefix,
      durationSeconds: published.durationSeconds,
    },
  });
  return true;
}

function toStream(row: RowDataPacket): LiveStream {
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  const cut = (row.cut_reason as string | null) ?? null;
  const status = row.status as LiveStatus;
  const stream = {
    id: String(row.id),
    orgId: String(row.org_id),
    showId: (row.show_id as string | null) ?? null,
    assetId: String(row.asset_id),
    assetStatus: (row.asset_status as string | null) ?? null,
    title: String(row.title),
    keyHint: String(row.key_hint),
    status,
    failure: row.failure_code
      ? { code: String(row.failure_code), reason: String(row.failure_reason ?? '') }
      : null,
    endReason: (row.end_reason as string | null) ?? null,
    session: Number(row.session),
    workerId: (row.worker_id as string | null) ?? null,
    protocol: (row.protocol as Protocol | null) ?? null,
    reconnectWindowSeconds: Number(row.reconnect_window_seconds),
    maxDurationSeconds: Number(row.max_duration_seconds),
    recordedSeconds: Number(row.recorded_seconds),
    recordedSegments: Number(row.recorded_segments),
    playlistLagMs: number(row.playlist_lag_ms),
    cutReason: isCutReason(cut) ? cut : null,
    heartbeatAt: (row.heartbeat_at as Date | null) ?? null,
    liveAt: (row.live_at as Date | null) ?? null,
    disconnectedAt: (row.disconnected_at as Date | null) ?? null,
    endedAt: (row.ended_at as Date | null) ?? null,
    finalisedAt: (row.finalised_at as Date | null) ?? null,
    vodJobMessageId: (row.vod_job_message_id as string | null) ?? null,
    createdAt: row.created_at as Date,
  };
  return {
    ...stream,
    facts: {
      status,
      session: stream.session,
      workerId: stream.workerId,
      cutReason: stream.cutReason,
      recordedSeconds: stream.recordedSeconds,
      maxDurationSeconds: stream.maxDurationSeconds,
      heartbeatAgeMs: number(row.heartbeat_age_ms),
      disconnectedAgeMs: number(row.disconnected_age_ms),
      reconnectWindowSeconds: stream.reconnectWindowSeconds,
      finalised: stream.finalisedAt !== null,
      showCancelled: row.show_status === 'cancelled',
      assetGone: row.asset_status !== 'live',
    },
  };
}
