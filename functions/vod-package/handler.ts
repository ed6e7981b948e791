import { objectStorageEventSchema } from '#events/object-storage-event.ts';
import { log } from '#shared/base/log.ts';
import { cdnPurgerFromConfig } from '#shared/cdn/cdn-from-config.ts';
import { createPool } from '#shared/db/pool.ts';
import { eventFunction } from '#shared/runtime/function.ts';
import { objectStoreFromConfig } from '#shared/storage/s3-object-store.ts';
import { parseCompletionManifestKey } from '#shared/video/media-layout.ts';
import { loadVodPackageConfig } from './config.ts';
import { type PackageDeps, packageAttempt } from './package-attempt.ts';

const config = loadVodPackageConfig();
const deps: PackageDeps = {
  pool: createPool(config.MYSQL_URL),
  store: objectStoreFromConfig(config),
  cdn: cdnPurgerFromConfig(config),
  bucket: config.MEDIA_BUCKET,
  log: (level, msg, fields) => log[level](msg, fields),
};

export const handler = eventFunction(objectStorageEventSchema, async (event) => {
  const details = event.data.additionalDetails;
  if (details.bucketName !== config.MEDIA_BUCKET) {
    return { status: 'ignored', reason: `bucket ${details.bucketName} is not the media bucket` };
  }
  const target = parseCompletionManifestKey(event.data.resourceName);
  if (!target) return { status: 'ignored', reason: 'not a completion manifest' };
  return packageAttempt(deps, target);
});
