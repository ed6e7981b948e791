import { z } from 'zod';
import { edgeConfig } from '#shared/cdn/cdn-from-config.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, objectStorageConfig } from '#shared/config/platform.ts';

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...edgeConfig,
  RAW_VIDEO_BUCKET: z.string().min(3),
  /** Lifetime of a presigned upload URL; long enough for a big file on a slow uplink. */
  UPLOAD_URL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(3600),
  /** Lifetime of the creator's own preview playback URL (viewers get theirs through tickets). */
  PLAYBACK_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
};

export const videosConfigKeys = Object.keys(shape);
export const loadVideosConfig = () => readConfig(shape);
