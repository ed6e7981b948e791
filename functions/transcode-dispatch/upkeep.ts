import type { RowDataPacket } from 'mysql2/promise';
import { type DbPool, withTransaction } from '../../shared/db/pool.ts';
import { VIDEO_FAILURES } from '../../shared/video/video.ts';
import { recordFailed } from '../../shared/video/video-repository.ts';
import type { DispatchDeps } from './dispatch.ts';
import { dispatchUpload } from './dispatch.ts';

export interface UpkeepOptions {
  readonly maxAttempts: number;
  readonly staleSeconds: number;
  readonly retryAfterSeconds: number;
  readonly limit?: number;
}

/**
 * The watchdog. OCI Queue cannot list its dead letters through the messages API, so the database
 * is the witness: a job silent past `staleSeconds` after its last allowed delivery (counted from
 * the queue's delivery count, which postponed and released deliveries raise too) will never be
 * retried, and the asset is failed with the last error it reported. Uploads whose job never
 * reached the queue (every delivery of their event failed) are dispatched again.
 */
export async function runUpkeep(deps: DispatchDeps, options: UpkeepOptions) {
  const limit = options.limit ?? 100;
  const abandoned = await selectIds(
    deps.pool,
    `SELECT id FROM video_assets
      WHERE status IN ('queued', 'transcoding') AND GREATEST(attempt, deliveries) >= ?
        AND progress_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY progress_at LIMIT ?`,
    [options.maxAttempts, options.staleSeconds, limit],
  );
  let failed = 0;
  for (const id of abandoned) {
    const done = await withTransaction(deps.pool, async (connection) => {
      const [rows] = await connection.query<RowDataPacket[]>(
        'SELECT last_error FROM video_assets WHERE id = ? FOR UPDATE',
        [id],
      );
      const lastError = (rows[0]?.last_error as string | null | undefined) ?? 'the worker stopped reporting';
      return recordFailed(connection, id, {
        code: VIDEO_FAILURES.gaveUp,
        reason: `Transcoding gave up after ${options.maxAttempts} attempts: ${lastError}`,
      });
    });
    if (done) failed += 1;
  }

  const stranded = await selectIds(
    deps.pool,
    `SELECT id FROM video_assets
      WHERE status = 'uploaded' AND job_message_id IS NULL AND uploaded_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY uploaded_at LIMIT ?`,
    [options.retryAfterSeconds, limit],
  );
  let redispatched = 0;
  for (const id of stranded) {
    const outcome = await dispatchUpload(deps, id, undefined);
    if (outcome.status === 'processed') redispatched += 1;
  }
  return { failed, redispatched };
}

async function selectIds(pool: DbPool, sql: string, params: unknown[]): Promise<string[]> {
  const [rows] = await pool.query<RowDataPacket[]>(sql, params);
  return rows.map((row) => row.id as string);
}
