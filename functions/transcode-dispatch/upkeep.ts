import { withTransaction } from '#shared/db/pool.ts';
import { completionManifestKey } from '#shared/video/media-layout.ts';
import { type TranscodeJob, transcodeJobSchema } from '#shared/video/transcode-job.ts';
import { VIDEO_FAILURES } from '#shared/video/video.ts';
import {
  failedSourcesToDelete,
  findVideo,
  lockLostJob,
  lockSilentJob,
  lostJobs,
  markSourceDeleted,
  recordFailed,
  recordRequeued,
  silentJobs,
  stalePackaging,
  touchPackaging,
  undispatchedUploads,
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
  let failed = 0;
  for (const id of await silentJobs(deps.pool, { ...options, limit })) {
    const done = await withTransaction(deps.pool, async (connection) => {
      const job = await lockSilentJob(connection, id, options);
      if (!job) return false;
      const lastError = job.lastError ?? 'the worker stopped reporting';
      return recordFailed(connection, id, {
        code: VIDEO_FAILURES.gaveUp,
        reason: `Transcoding gave up after ${options.maxAttempts} attempts: ${lastError}`,
      });
    });
    if (done) failed += 1;
  }

  let requeued = 0;
  for (const id of await lostJobs(deps.pool, { ...options, limit })) {
    if (await requeueLostJob(deps, id, options.lostAfterSeconds)) requeued += 1;
  }

  let repackaged = 0;
  for (const id of await stalePackaging(deps.pool, { staleSeconds: options.staleSeconds, limit })) {
    const video = await findVideo(deps.pool, id);
    if (!video || video.attempt < 1) continue;
    const key = completionManifestKey(id, video.attempt);
    const manifest = await deps.store.get(deps.mediaBucket, key).catch(() => undefined);
    if (!manifest) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of manifest.body as AsyncIterable<Buffer>) chunks.push(chunk);
    await touchPackaging(deps.pool, id, video.attempt);
    await deps.store.put(deps.mediaBucket, key, Buffer.concat(chunks), { contentType: 'application/json' });
    repackaged += 1;
  }

  let redispatched = 0;
  for (const id of await undispatchedUploads(deps.pool, {
    retryAfterSeconds: options.retryAfterSeconds,
    limit,
  })) {
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
    const source = await lockLostJob(connection, id, lostAfterSeconds);
    if (!source) return false;
    const job: TranscodeJob = transcodeJobSchema.parse({
      version: 1,
      assetId: id,
      sourceBucket: deps.rawBucket,
      sourceKey: source.sourceKey,
      sourceEtag: source.sourceEtag,
      sourceBytes: source.sourceBytes,
      enqueuedAt: new Date().toISOString(),
    });
    const [messageId] = await deps.queue.put([JSON.stringify(job)]);
    await recordRequeued(connection, id, messageId ?? 'unknown');
    return true;
  });
}
