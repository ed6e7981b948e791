import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import { appendToOutbox } from '../outbox/outbox.ts';
import { rawVideoKey } from './media-layout.ts';
import type { PublishedRendition, VideoAsset } from './video.ts';

type Queryable = DbPool | DbConnection;

const COLUMNS = `id, org_id, title, content_type, declared_bytes, status, origin, failure_code, failure_reason,
  source_key, source_etag, source_bytes, job_message_id, attempt, worker_id, progress_percent, last_error,
  mode, duration_seconds, source_width, source_height, media_prefix, renditions, poster_key, created_at,
  uploaded_at, queued_at, started_at, progress_at, finished_at`;

export async function insertVideo(
  db: Queryable,
  video: { id: string; orgId: string; title: string; contentType: string; declaredBytes: number },
): Promise<void> {
  await db.query(
    `INSERT INTO video_assets (id, org_id, title, content_type, declared_bytes, status, source_key)
     VALUES (?, ?, ?, ?, ?, 'awaiting_upload', ?)`,
    [video.id, video.orgId, video.title, video.contentType, video.declaredBytes, rawVideoKey(video.id)],
  );
}

/** Object name recorded as a live asset's `source_key`; nothing is ever read there. */
export function liveSourceKey(assetId: string): string {
  return `live/${assetId}`;
}

/**
 * A live stream's asset (shared/live creates it with the stream, in its transaction): origin
 * `live`, status `live` until the stream is finalised. It has no source object, so the upload
 * machinery (dispatch, its upkeep) never touches it.
 */
export async function insertLiveVideo(
  db: Queryable,
  video: { id: string; orgId: string; title: string },
): Promise<void> {
  await db.query(
    `INSERT INTO video_assets (id, org_id, title, content_type, declared_bytes, status, origin, source_key)
     VALUES (?, ?, ?, 'video/mp4', 0, 'live', 'live', ?)`,
    [video.id, video.orgId, video.title, liveSourceKey(video.id)],
  );
}

/**
 * The live stream ended with a recording: its job is on the queue (`messageId`). Only from `live`,
 * so finalising twice cannot queue the asset twice.
 */
export async function recordLiveRecordingQueued(
  connection: DbConnection,
  id: string,
  messageId: string,
): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE video_assets SET status = 'queued', job_message_id = ?, queued_at = NOW(3), progress_at = NOW(3)
      WHERE id = ? AND origin = 'live' AND status = 'live'`,
    [messageId, id],
  );
  return result.affectedRows === 1;
}

/**
 * Live recordings whose job has outlived its queue message: queued or claimed, yet untouched for
 * longer than the queue keeps messages, with deliveries left (transcode-dispatch's sweep fails the
 * ones that used them up). Upload jobs have their own sweep there; a live asset has no source to
 * rebuild an upload job from, so shared/live puts a live-recording job again.
 */
export async function lostLiveRecordings(
  db: Queryable,
  options: { lostAfterSeconds: number; maxAttempts: number; limit: number },
): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM video_assets
      WHERE origin = 'live' AND status IN ('queued', 'transcoding') AND deliveries < ?
        AND COALESCE(progress_at, queued_at) < NOW(3) - INTERVAL ? SECOND
      ORDER BY COALESCE(progress_at, queued_at) LIMIT ?`,
    [options.maxAttempts, options.lostAfterSeconds, options.limit],
  );
  return rows.map((row) => String(row.id));
}

/** Locks a lost live recording (lostLiveRecordings' condition, checked again); false when it moved. */
export async function lockLostLiveRecording(
  connection: DbConnection,
  id: string,
  lostAfterSeconds: number,
): Promise<boolean> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT id FROM video_assets
      WHERE id = ? AND origin = 'live' AND status IN ('queued', 'transcoding')
        AND COALESCE(progress_at, queued_at) < NOW(3) - INTERVAL ? SECOND FOR UPDATE`,
    [id, lostAfterSeconds],
  );
  return rows.length === 1;
}

/** The recording's job is on the queue again (`messageId`), with its delivery count reset. */
export async function recordLiveRecordingRequeued(
  connection: DbConnection,
  id: string,
  messageId: string,
): Promise<void> {
  await connection.query(
    `UPDATE video_assets SET status = 'queued', job_message_id = ?, deliveries = 0, worker_id = NULL,
            progress_at = NOW(3)
      WHERE id = ? AND origin = 'live'`,
    [messageId, id],
  );
}

export async function findVideo(db: Queryable, id: string, lock = false): Promise<VideoAsset | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM video_assets WHERE id = ?${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ? toVideo(rows[0]) : undefined;
}

/** The organisation of each of these videos that exists (ids of no video are left out). */
export async function videoOwners(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const [rows] = await db.query<RowDataPacket[]>('SELECT id, org_id FROM video_assets WHERE id IN (?)', [
    [...ids],
  ]);
  return new Map(rows.map((row) => [row.id as string, row.org_id as string]));
}

/** Another organisation's video is reported as missing: existence is not disclosed. */
export async function findOrgVideo(
  db: Queryable,
  orgId: string,
  id: string,
): Promise<VideoAsset | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM video_assets WHERE id = ? AND org_id = ?`,
    [id, orgId],
  );
  return rows[0] ? toVideo(rows[0]) : undefined;
}

/** Newest first; `before` is the last id of the previous page. */
export async function listOrgVideos(
  db: Queryable,
  orgId: string,
  page: { limit: number; before?: string; status?: string },
): Promise<{ items: VideoAsset[]; next: string | null }> {
  const where = ['org_id = ?'];
  const params: unknown[] = [orgId];
  if (page.before) {
    where.push('id < ?');
    params.push(page.before);
  }
  if (page.status) {
    where.push('status = ?');
    params.push(page.status);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM video_assets WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
    [...params, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toVideo);
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

/** Records the uploaded source (first upload wins: a source is immutable once seen). */
export async function recordUpload(
  connection: DbConnection,
  id: string,
  source: { etag: string; bytes: number },
): Promise<void> {
  await connection.query(
    `UPDATE video_assets SET status = 'uploaded', source_etag = ?, source_bytes = ?, uploaded_at = NOW(3)
      WHERE id = ? AND status = 'awaiting_upload'`,
    [source.etag, source.bytes, id],
  );
}

export async function recordQueued(connection: DbConnection, id: string, messageId: string): Promise<void> {
  await connection.query(
    `UPDATE video_assets SET status = 'queued', job_message_id = ?, queued_at = NOW(3)
      WHERE id = ? AND status = 'uploaded'`,
    [messageId, id],
  );
}

/** Remembers how many times the queue has delivered the asset's current job message (`deliveries`). */
export async function recordDelivery(db: Queryable, id: string, deliveryCount: number): Promise<void> {
  await db.query('UPDATE video_assets SET deliveries = GREATEST(deliveries, ?) WHERE id = ?', [
    deliveryCount,
    id,
  ]);
}

export type AttemptClaim =
  | { readonly outcome: 'claimed'; readonly attempt: number }
  | { readonly outcome: 'finished'; readonly status: VideoAsset['status'] }
  | { readonly outcome: 'busy'; readonly workerId: string | null }
  | { readonly outcome: 'stale_source' }
  | { readonly outcome: 'missing' };

/**
 * Takes the next transcoding attempt. The attempt number is the fencing token for everything the
 * worker writes afterwards. A `transcoding` asset is taken over only when its holder has not
 * reported for `staleSeconds` (its queue lease has lapsed too, or we would not hold the message).
 */
export async function claimAttempt(
  db: Queryable,
  id: string,
  claim: { workerId: string; sourceEtag: string; staleSeconds: number },
): Promise<AttemptClaim> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE video_assets
        SET status = 'transcoding', attempt = LAST_INSERT_ID(attempt + 1), worker_id = ?, progress_percent = 0,
            started_at = NOW(3), progress_at = NOW(3)
      WHERE id = ? AND source_etag = ?
        AND (status IN ('uploaded', 'queued')
             OR (status = 'transcoding' AND progress_at < NOW(3) - INTERVAL ? SECOND))`,
    [claim.workerId, id, claim.sourceEtag, claim.staleSeconds],
  );
  // LAST_INSERT_ID(expr) hands back exactly the attempt this statement wrote.
  if (result.affectedRows === 1) return { outcome: 'claimed', attempt: Number(result.insertId) };
  const video = await findVideo(db, id);
  if (!video) return { outcome: 'missing' };
  if (video.sourceEtag !== claim.sourceEtag) return { outcome: 'stale_source' };
  if (video.status === 'transcoding') return { outcome: 'busy', workerId: video.workerId };
  return { outcome: 'finished', status: video.status };
}

/**
 * claimAttempt for a live recording (origin `live`: no source object, so no eTag to match). A
 * job for a stream that was never finalised (`live`) or already published claims nothing.
 */
export async function claimLiveAttempt(
  db: Queryable,
  id: string,
  claim: { workerId: string; staleSeconds: number },
): Promise<AttemptClaim> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE video_assets
        SET status = 'transcoding', attempt = LAST_INSERT_ID(attempt + 1), worker_id = ?, progress_percent = 0,
            started_at = NOW(3), progress_at = NOW(3)
      WHERE id = ? AND origin = 'live'
        AND (status = 'queued'
             OR (status = 'transcoding' AND progress_at < NOW(3) - INTERVAL ? SECOND))`,
    [claim.workerId, id, claim.staleSeconds],
  );
  if (result.affectedRows === 1) return { outcome: 'claimed', attempt: Number(result.insertId) };
  const video = await findVideo(db, id);
  if (video?.origin !== 'live') return { outcome: 'missing' };
  if (video.status === 'transcoding') return { outcome: 'busy', workerId: video.workerId };
  return { outcome: 'finished', status: video.status };
}

/** Progress doubles as the attempt's heartbeat. False: the attempt is no longer ours. */
export async function recordProgress(
  db: Queryable,
  id: string,
  attempt: number,
  percent: number,
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE video_assets SET progress_percent = ?, progress_at = NOW(3)
      WHERE id = ? AND attempt = ? AND status = 'transcoding'`,
    [Math.max(0, Math.min(100, Math.round(percent * 100) / 100)), id, attempt],
  );
  return result.affectedRows === 1;
}

/** The worker's outputs are uploaded and its manifest written; vod-package takes over. */
export async function recordPackaging(
  db: Queryable,
  id: string,
  attempt: number,
  facts: { mode: 'ladder' | 'remux'; durationSeconds: number; width: number; height: number },
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE video_assets
        SET status = 'packaging', progress_percent = 100, progress_at = NOW(3), mode = ?,
            duration_seconds = ?, source_width = ?, source_height = ?
      WHERE id = ? AND attempt = ? AND status = 'transcoding'`,
    [facts.mode, facts.durationSeconds, facts.width, facts.height, id, attempt],
  );
  return result.affectedRows === 1;
}

/**
 * A transient failure of one attempt: back to `queued` with the reason kept, so the next delivery
 * (or the dead-letter sweep) can say why. False: the attempt was no longer ours.
 */
export async function recordAttemptError(
  db: Queryable,
  id: string,
  attempt: number,
  reason: string,
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE video_assets SET status = 'queued', last_error = ?, worker_id = NULL, progress_at = NOW(3)
      WHERE id = ? AND attempt = ? AND status = 'transcoding'`,
    [reason.slice(0, 1000), id, attempt],
  );
  return result.affectedRows === 1;
}

/** A worker shutting down hands its attempt back untouched (scale-in). */
export async function releaseAttempt(db: Queryable, id: string, attempt: number): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE video_assets SET status = 'queued', worker_id = NULL, progress_at = NOW(3)
      WHERE id = ? AND attempt = ? AND status = 'transcoding'`,
    [id, attempt],
  );
  return result.affectedRows === 1;
}

/**
 * Ends the asset as failed and writes `video.failed` in the same transaction. With an attempt,
 * only that attempt may fail it; without (the dead-letter sweep), any unfinished asset.
 */
export async function recordFailed(
  connection: DbConnection,
  id: string,
  failure: { code: string; reason: string; attempt?: number },
): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE video_assets
        SET status = 'failed', failure_code = ?, failure_reason = ?, worker_id = NULL, finished_at = NOW(3)
      WHERE id = ? AND status NOT IN ('ready', 'failed')${failure.attempt === undefined ? '' : ' AND attempt = ?'}`,
    [
      failure.code,
      failure.reason.slice(0, 1000),
      id,
      ...(failure.attempt === undefined ? [] : [failure.attempt]),
    ],
  );
  if (result.affectedRows !== 1) return false;
  await appendToOutbox(connection, {
    aggregateType: 'video',
    aggregateId: id,
    type: 'video.failed',
    payload: { videoId: id, code: failure.code, reason: failure.reason.slice(0, 1000) },
  });
  return true;
}

/** Publishes the attempt: `ready`, its renditions, and `video.ready`, once. */
export async function recordReady(
  connection: DbConnection,
  id: string,
  attempt: number,
  published: {
    mediaPrefix: string;
    renditions: readonly PublishedRendition[];
    posterKey: string;
    durationSeconds: number;
    mode: 'ladder' | 'remux';
  },
): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE video_assets
        SET status = 'ready', media_prefix = ?, renditions = ?, poster_key = ?, duration_seconds = ?, mode = ?,
            progress_percent = 100, worker_id = NULL, finished_at = NOW(3)
      WHERE id = ? AND attempt = ? AND status IN ('transcoding', 'packaging')`,
    [
      published.mediaPrefix,
      JSON.stringify(published.renditions),
      published.posterKey,
      published.durationSeconds,
      published.mode,
      id,
      attempt,
    ],
  );
  if (result.affectedRows !== 1) return false;
  await appendToOutbox(connection, {
    aggregateType: 'video',
    aggregateId: id,
    type: 'video.ready',
    payload: {
      videoId: id,
      attempt,
      mediaPrefix: published.mediaPrefix,
      durationSeconds: published.durationSeconds,
      renditions: published.renditions.map((r) => r.name),
    },
  });
  return true;
}

function toVideo(row: RowDataPacket): VideoAsset {
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    id: row.id,
    orgId: row.org_id,
    title: row.title,
    contentType: row.content_type,
    declaredBytes: Number(row.declared_bytes),
    status: row.status,
    origin: row.origin,
    failure: row.failure_code ? { code: row.failure_code, reason: row.failure_reason ?? '' } : null,
    sourceKey: row.source_key,
    sourceEtag: row.source_etag,
    sourceBytes: number(row.source_bytes),
    jobMessageId: row.job_message_id,
    attempt: Number(row.attempt),
    workerId: row.worker_id,
    progressPercent: number(row.progress_percent),
    lastError: row.last_error,
    mode: row.mode,
    durationSeconds: number(row.duration_seconds),
    sourceWidth: number(row.source_width),
    sourceHeight: number(row.source_height),
    mediaPrefix: row.media_prefix,
    renditions:
      row.renditions === null
        ? null
        : ((typeof row.renditions === 'string'
            ? JSON.parse(row.renditions)
            : row.renditions) as PublishedRendition[]),
    posterKey: row.poster_key,
    createdAt: row.created_at,
    uploadedAt: row.uploaded_at,
    queuedAt: row.queued_at,
    startedAt: row.started_at,
    progressAt: row.progress_at,
    finishedAt: row.finished_at,
  };
}

/**
 * Failed videos whose source is still in the raw bucket, failed longer than `olderThanSeconds`
 * ago: the transcoder will never read them again.
 */
export async function failedSourcesToDelete(
  pool: DbPool,
  options: { olderThanSeconds: number; limit: number },
): Promise<Array<{ id: string; sourceKey: string }>> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id, source_key FROM video_assets
      WHERE status = 'failed' AND source_deleted_at IS NULL AND finished_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY finished_at LIMIT ?`,
    [options.olderThanSeconds, options.limit],
  );
  return rows.map((row) => ({ id: row.id as string, sourceKey: row.source_key as string }));
}

/** Records that a failed video's source object is gone; false when the row is not a failed video. */
export async function markSourceDeleted(pool: DbPool, id: string): Promise<boolean> {
  const [result] = await pool.query<ResultSetHeader>(
    `UPDATE video_assets SET source_deleted_at = NOW(3)
      WHERE id = ? AND status = 'failed' AND source_deleted_at IS NULL`,
    [id],
  );
  return result.affectedRows === 1;
}

/** A job neither claimed nor heartbeating for `staleSeconds`: the `silentJobs` condition. */
const SILENT = `status IN ('queued', 'transcoding') AND progress_at < NOW(3) - INTERVAL ? SECOND`;

/**
 * Jobs silent past `staleSeconds` after their last allowed delivery (`maxAttempts`): no message
 * will bring them back, so transcode-dispatch's upkeep fails them.
 */
export async function silentJobs(
  db: Queryable,
  options: { staleSeconds: number; maxAttempts: number; limit: number },
): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM video_assets WHERE ${SILENT} AND deliveries >= ? ORDER BY progress_at LIMIT ?`,
    [options.staleSeconds, options.maxAttempts, options.limit],
  );
  return rows.map((row) => row.id as string);
}

/**
 * Locks a silent job (silentJobs' condition, checked again: a claim or heartbeat may have landed
 * since the scan) and gives the last error it reported; undefined when it moved.
 */
export async function lockSilentJob(
  connection: DbConnection,
  id: string,
  options: { staleSeconds: number; maxAttempts: number },
): Promise<{ lastError: string | null } | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT last_error FROM video_assets WHERE id = ? AND ${SILENT} AND deliveries >= ? FOR UPDATE`,
    [id, options.staleSeconds, options.maxAttempts],
  );
  const row = rows[0];
  return row ? { lastError: (row.last_error as string | null) ?? null } : undefined;
}

/**
 * Jobs untouched for longer than the queue keeps messages (`lostAfterSeconds`), with deliveries
 * left: their message is gone, so upkeep puts a new one.
 */
export async function lostJobs(
  db: Queryable,
  options: { lostAfterSeconds: number; maxAttempts: number; limit: number },
): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM video_assets
      WHERE status IN ('queued', 'transcoding') AND deliveries < ?
        AND COALESCE(progress_at, queued_at) < NOW(3) - INTERVAL ? SECOND
      ORDER BY COALESCE(progress_at, queued_at) LIMIT ?`,
    [options.maxAttempts, options.lostAfterSeconds, options.limit],
  );
  return rows.map((row) => row.id as string);
}

/**
 * Locks a lost job (lostJobs' condition, checked again) and gives its source to build the job
 * again; undefined when it moved or has no uploaded source (a live recording).
 */
export async function lockLostJob(
  connection: DbConnection,
  id: string,
  lostAfterSeconds: number,
): Promise<{ sourceKey: string; sourceEtag: string; sourceBytes: number } | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT source_key, source_etag, source_bytes FROM video_assets
      WHERE id = ? AND status IN ('queued', 'transcoding')
        AND COALESCE(progress_at, queued_at) < NOW(3) - INTERVAL ? SECOND FOR UPDATE`,
    [id, lostAfterSeconds],
  );
  const row = rows[0];
  if (!row?.source_etag) return undefined;
  return {
    sourceKey: row.source_key as string,
    sourceEtag: row.source_etag as string,
    sourceBytes: Number(row.source_bytes),
  };
}

/** The upload's job is on the queue again (`messageId`), with its delivery count reset. */
export async function recordRequeued(connection: DbConnection, id: string, messageId: string): Promise<void> {
  await connection.query(
    `UPDATE video_assets SET status = 'queued', job_message_id = ?, deliveries = 0, worker_id = NULL,
            progress_at = NOW(3) WHERE id = ?`,
    [messageId, id],
  );
}

/** Assets stuck in `packaging` for `staleSeconds`: vod-package's event used up its retries. */
export async function stalePackaging(
  db: Queryable,
  options: { staleSeconds: number; limit: number },
): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM video_assets WHERE status = 'packaging' AND progress_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY progress_at LIMIT ?`,
    [options.staleSeconds, options.limit],
  );
  return rows.map((row) => row.id as string);
}

/** Packaging of this attempt starts its clock again (its completion manifest is written anew). */
export async function touchPackaging(db: Queryable, id: string, attempt: number): Promise<void> {
  await db.query(
    "UPDATE video_assets SET progress_at = NOW(3) WHERE id = ? AND status = 'packaging' AND attempt = ?",
    [id, attempt],
  );
}

/** Uploads older than `retryAfterSeconds` whose job never reached the queue. */
export async function undispatchedUploads(
  db: Queryable,
  options: { retryAfterSeconds: number; limit: number },
): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM video_assets
      WHERE status = 'uploaded' AND job_message_id IS NULL AND uploaded_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY uploaded_at LIMIT ?`,
    [options.retryAfterSeconds, options.limit],
  );
  return rows.map((row) => row.id as string);
}
