import type { RowDataPacket } from 'mysql2/promise';
import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { completionManifestKey } from '#shared/video/media-layout.ts';
import { type TranscodeJob, transcodeJobSchema } from '#shared/video/transcode-job.ts';
import { VIDEO_FAILURES } from '#shared/video/video.ts';
import {
  failedSourcesToDelete,
  findVideo,
  markSourceDeleted,
  recordFailed,
} from '#shared/video/video-repository.ts';
import type { DispatchDeps } from './dispatch.ts';
import { dispatchUpload } from './dispatch.ts';

export interface UpkeepOptions {
  readonly maxAttempts: number;
  readonly staleSeconds: number;
  readonly retryAfterSeconds: number;
  /** Past the queue's retention no message for the job can exist any more. */
  readonly lostAfterSeconds: number;
  /** A failed video's source is deleted from the raw bucket this long after the failure. */
  readonly failedSourceRetentionSeconds: number;
  readonly limit?: number;
}

/**
 * How long a failed video's source stays in the raw bucket: a day to look at what was uploaded
 * (support, a bug report), then it goes. OCI's lifecycle rule on the bucket is the backstop.
 */
export const FAILED_SOURCE_RETENTION_SECONDS = 24 * 60 * 60;

/**
 * The watchdog. OCI Queue cannot list its dead letters through the messages API, so the database
 * is the witness for every way a video could stop moving:
 * - a job silent past `staleSeconds` after its last allowed delivery will never be retried: the
 *   asset fails with the last error it reported;
 * - a job untouched for longer than the queue keeps messages has lost its message: a new one is put;
 * - an attempt stuck in `packaging` (vod-package's event exhausted its retries) has its completion
 *   manifest written again, which raises the event again;
 * - an upload whose job never reached the queue is dispatched again;
 * - the source of a video failed more than `failedSourceRetentionSeconds` ago is deleted.
 */
export async function runUpkeep(deps: DispatchDeps, options: UpkeepOptions) {
  const limit = options.limit ?? 100;
  const silent = `status IN ('queued', 'transcoding') AND progress_at < NOW(3) - INTERVAL ? SECOND`;
  let failed = 0;
  for (const id of await selectIds(
    deps.pool,
    `SELECT id FROM video_assets WHERE ${silent} AND deliveries >= ? ORDER BY progress_at LIMIT ?`,
    [options.staleSeconds, options.maxAttempts, limit],
  )) {
    const done = await withTransaction(deps.pool, async (connection) => {
      // Checked again under the lock: a claim or heartbeat may have landed since the scan.
      const [rows] = await connection.query<RowDataPacket[]>(
        `SELECT last_error FROM video_assets WHERE id = ? AND ${silent} AND deliveries >= ? FOR UPDATE`,
        [id, options.staleSeconds, options.maxAttempts],
      );
      const row = rows[0];
      if (!row) return false;
      const lastError = (row.last_error as string | null) ?? 'the worker stopped reporting';
      return recordFailed(connection, id, {
        code: VIDEO_FAILURES.gaveUp,
        reason: `Transcoding gave up after ${options.maxAttempts} attempts: ${lastError}`,
      });
    });
    if (done) failed += 1;
  }

  let requeued = 0;
  for (const id of await selectIds(
    deps.pool,
    `SELECT id FROM video_assets
      WHERE status IN ('queued', 'transcoding') AND deliveries < ?
        AND COALESCE(progress_at, queued_at) < NOW(3) - INTERVAL ? SECOND
      ORDER BY COALESCE(progress_at, queued_at) LIMIT ?`,
    [options.maxAttempts, options.lostAfterSeconds, limit],
  )) {
    if (await requeueLostJob(deps, id, options.lostAfterSeconds)) requeued += 1;
  }

  let repackaged = 0;
  for (const id of await selectIds(
    deps.pool,
    `SELECT id FROM video_assets WHERE status = 'packaging' AND progress_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY progress_at LIMIT ?`,
    [options.staleSeconds, limit],
  )) {
    const video = await findVideo(deps.pool, id);
    if (!video || video.attempt < 1) continue;
    const key = completionManifestKey(id, video.attempt);
    const manifest = await deps.store.get(deps.mediaBucket, key).catch(() => undefined);
    if (!manifest) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of manifest.body as AsyncIterable<Buffer>) chunks.push(chunk);
    await deps.pool.query(
      "UPDATE video_assets SET progress_at = NOW(3) WHERE id = ? AND status = 'packaging' AND attempt = ?",
      [id, video.attempt],
    );
    await deps.store.put(deps.mediaBucket, key, Buffer.concat(chunks), { contentType: 'application/json' });
    repackaged += 1;
  }

  let redispatched = 0;
  for (const id of await selectIds(
    deps.pool,
    `SELECT id FROM video_assets
      WHERE status = 'uploaded' AND job_message_id IS NULL AND uploaded_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY uploaded_at LIMIT ?`,
    [options.retryAfterSeconds, limit],
  )) {
    const outcome = await dispatchUpload(deps, id, undefined);
    if (outcome.status === 'processed') redispatched += 1;
  }

  let sourcesDeleted = 0;
  for (const { id, sourceKey } of await failedSourcesToDelete(deps.pool, {
    olderThanSeconds: options.failedSourceRetentionSeconds,
    limit,
  })) {
    // Deleting an object that is already gone succeeds, so a crash between the two steps is harmless.
    await deps.store.delete(deps.rawBucket, sourceKey);
    if (await markSourceDeleted(deps.pool, id)) sourcesDeleted += 1;
  }
  return {
    failed,
    redispatched,
    ...(requeued > 0 ? { requeued } : {}),
    ...(repackaged > 0 ? { repackaged } : {}),
    ...(sourcesDeleted > 0 ? { sourcesDeleted } : {}),
  };
}

async function requeueLostJob(deps: DispatchDeps, id: string, lostAfterSeconds: number): Promise<boolean> {
  return withTransaction(deps.pool, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT source_key, source_etag, source_bytes FROM video_assets
        WHERE id = ? AND status IN ('queued', 'transcoding')
          AND COALESCE(progress_at, queued_at) < NOW(3) - INTERVAL ? SECOND FOR UPDATE`,
      [id, lostAfterSeconds],
    );
    const row = rows[0];
    if (!row?.source_etag) return false;
    const job: TranscodeJob = transcodeJobSchema.parse({
      version: 1,
      assetId: id,
      sourceBucket: deps.rawBucket,
      sourceKey: row.source_key,
      sourceEtag: row.source_etag,
      sourceBytes: Number(row.source_bytes),
      enqueuedAt: new Date().toISOString(),
    });
    const [messageId] = await deps.queue.put([JSON.stringify(job)]);
    await connection.query(
      `UPDATE video_assets SET status = 'queued', job_message_id = ?, deliveries = 0, worker_id = NULL,
              progress_at = NOW(3) WHERE id = ?`,
      [messageId ?? 'unknown', id],
    );
    return true;
  });
}

async function selectIds(pool: DbPool, sql: string, params: unknown[]): Promise<string[]> {
  const [rows] = await pool.query<RowDataPacket[]>(sql, params);
  return rows.map((row) => row.id as string);
}
