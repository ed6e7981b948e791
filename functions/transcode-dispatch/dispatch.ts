import type { DbPool } from '../../shared/db/pool.ts';
import { withTransaction } from '../../shared/db/pool.ts';
import type { WorkQueue } from '../../shared/queue/work-queue.ts';
import type { EventOutcome } from '../../shared/runtime/function.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { rawVideoKey } from '../../shared/video/media-layout.ts';
import { type TranscodeJob, transcodeJobSchema } from '../../shared/video/transcode-job.ts';
import { VIDEO_FAILURES } from '../../shared/video/video.ts';
import { findVideo, recordFailed, recordQueued, recordUpload } from '../../shared/video/video-repository.ts';

export interface DispatchDeps {
  readonly pool: DbPool;
  readonly store: ObjectStore;
  readonly queue: WorkQueue;
  readonly rawBucket: string;
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
  const head = await deps.store.head(deps.rawBucket, rawVideoKey(assetId));
  if (!head) return { status: 'ignored', reason: 'the source object no longer exists' };
  if (eventEtag && head.etag !== eventEtag.replaceAll('"', '')) {
    // A later write replaced the object; its own event will dispatch (or be ignored) in turn.
    return { status: 'ignored', reason: 'the event names an older version of the source' };
  }

  return withTransaction(deps.pool, async (connection): Promise<EventOutcome> => {
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
    } else if (video.sourceEtag !== head.etag) {
      return { status: 'ignored', reason: `the video already has a source (status ${video.status})` };
    } else if (video.jobMessageId !== null || video.status !== 'uploaded') {
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
