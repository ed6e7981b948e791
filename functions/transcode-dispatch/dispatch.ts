import type { DbPool } from '#shared/db/pool.ts';
import { withTransaction } from '#shared/db/pool.ts';
import type { WorkQueue } from '#shared/queue/work-queue.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { rawVideoKey } from '#shared/video/media-layout.ts';
import { type TranscodeJob, transcodeJobSchema } from '#shared/video/transcode-job.ts';
import { VIDEO_FAILURES } from '#shared/video/video.ts';
import { findVideo, recordFailed, recordQueued, recordUpload } from '#shared/video/video-repository.ts';

export interface DispatchDeps {
  readonly pool: DbPool;
  readonly store: ObjectStore;
  readonly queue: WorkQueue;
  readonly rawBucket: string;
  /** Where completion manifests live (the watchdog re-raises a stuck packaging step). */
  readonly mediaBucket: string;
}

/**
 * One job per uploaded source. The asset row is locked while the job is put, so concurrent
 * deliveries of the same event serialise and the second finds the job already recorded; a put
 * that fails rolls nothing forward and the delivery is retried.
 */
export async function dispatchUpload(
  deps: DispatchDeps,
  assetId: string,
  eventEtag: string | undefined,
): Promise<EventOutcome> {
  // Without an event (the watchdog's re-dispatch) the object is whatever is stored now.
  const sweeping = eventEtag === undefined;
  const head = await deps.store.head(deps.rawBucket, rawVideoKey(assetId));
  if (!head) {
    if (sweeping)
      return failSource(
        deps,
        assetId,
        VIDEO_FAILURES.sourceMissing,
        'The uploaded source was deleted before it could be transcoded',
      );
    return { status: 'ignored', reason: 'the source object no longer exists' };
  }
  if (eventEtag && head.etag !== eventEtag.replaceAll('"', '')) {
    // A later write replaced the object; its own event will dispatch (or be ignored) in turn.
    return { status: 'ignored', reason: 'the event names an older version of the source' };
  }

  // Recorded on its own first: if the put below fails, the row says `uploaded` with no job, which
  // is exactly what the watchdog looks for.
  const early = await withTransaction(deps.pool, async (connection): Promise<EventOutcome | undefined> => {
    const video = await findVideo(connection, assetId, true);
    if (!video) return { status: 'ignored', reason: `no video ${assetId}` };
    if (video.status === 'awaiting_upload') {
      if (head.size > video.declaredBytes) {
        await recordFailed(connection, assetId, {
          code: VIDEO_FAILURES.sourceTooLarge,
          reason: `The upload is ${head.size} bytes but ${video.declaredBytes} were declared`,
        });
        return { status: 'rejected', reason: 'source larger than declared' };
      }
      await recordUpload(connection, assetId, { etag: head.etag, bytes: head.size });
      return undefined;
    }
    if (video.sourceEtag !== head.etag) {
      if (sweeping && video.status === 'uploaded') {
        await recordFailed(connection, assetId, {
          code: VIDEO_FAILURES.sourceReplaced,
          reason: 'The source was replaced after upload; create a new video for the new file',
        });
        return { status: 'rejected', reason: 'source replaced' };
      }
      return { status: 'ignored', reason: `the video already has a source (status ${video.status})` };
    }
    return video.status === 'uploaded' && video.jobMessageId === null ? undefined : { status: 'duplicate' };
  });
  if (early) return early;

  // One job per source: concurrent deliveries serialise on the row and the later ones find the job.
  return withTransaction(deps.pool, async (connection): Promise<EventOutcome> => {
    const video = await findVideo(connection, assetId, true);
    if (video?.status !== 'uploaded' || video.jobMessageId !== null || video.sourceEtag !== head.etag) {
      return { status: 'duplicate' };
    }
    const job: TranscodeJob = transcodeJobSchema.parse({
      version: 1,
      assetId,
      sourceBucket: deps.rawBucket,
      sourceKey: video.sourceKey,
      sourceEtag: head.etag,
      sourceBytes: head.size,
      enqueuedAt: new Date().toISOString(),
    });
    const [messageId] = await deps.queue.put([JSON.stringify(job)]);
    await recordQueued(connection, assetId, messageId ?? 'unknown');
    return { status: 'processed', detail: { assetId, messageId } };
  });
}

async function failSource(
  deps: DispatchDeps,
  assetId: string,
  code: string,
  reason: string,
): Promise<EventOutcome> {
  const failed = await withTransaction(deps.pool, (connection) =>
    recordFailed(connection, assetId, { code, reason }),
  );
  return failed ? { status: 'rejected', reason } : { status: 'duplicate' };
}
