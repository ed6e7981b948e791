import { objectStorageEventSchema } from '#events/object-storage-event.ts';
import { QUEUES } from '#events/queues.ts';
import { createPool } from '#shared/db/pool.ts';
import { workQueueFromConfig } from '#shared/queue/queue-from-config.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { objectStoreFromConfig } from '#shared/storage/s3-object-store.ts';
import { assetIdFromRawKey } from '#shared/video/media-layout.ts';
import { loadTranscodeDispatchConfig } from './config.ts';
import { type DispatchDeps, dispatchUpload } from './dispatch.ts';
import { transcodeDispatchManifest } from './manifest.ts';
import { FAILED_SOURCE_RETENTION_SECONDS, runUpkeep } from './upkeep.ts';

const config = loadTranscodeDispatchConfig();
const pool = createPool(config.MYSQL_URL);
const deps: DispatchDeps = {
  pool,
  store: objectStoreFromConfig(config),
  queue: workQueueFromConfig(config, QUEUES.transcode, pool),
  rawBucket: config.RAW_VIDEO_BUCKET,
  mediaBucket: config.MEDIA_BUCKET,
};

export const handler = scheduledFunction(
  transcodeDispatchManifest,
  async () => {
    const summary = await runUpkeep(deps, {
      maxAttempts: config.TRANSCODE_MAX_ATTEMPTS,
      staleSeconds: config.TRANSCODE_STALE_SECONDS,
      retryAfterSeconds: config.DISPATCH_RETRY_AFTER_SECONDS,
      lostAfterSeconds: config.TRANSCODE_LOST_AFTER_SECONDS,
      failedSourceRetentionSeconds: FAILED_SOURCE_RETENTION_SECONDS,
    });
    return { status: 'processed', detail: summary };
  },
  {
    schema: objectStorageEventSchema,
    handle: async (event) => {
      const details = event.data.additionalDetails;
      if (details.bucketName !== config.RAW_VIDEO_BUCKET) {
        return { status: 'ignored', reason: `bucket ${details.bucketName} is not the raw-video bucket` };
      }
      const assetId = assetIdFromRawKey(event.data.resourceName);
      if (!assetId) return { status: 'ignored', reason: 'object name is not a video upload' };
      return dispatchUpload(deps, assetId, details.eTag);
    },
  },
);
