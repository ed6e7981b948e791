import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, objectStorageConfig } from '#shared/config/platform.ts';

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  INCOMING_BUCKET: z.string().min(3),
  MEDIA_BUCKET: z.string().min(3),
  /** Lifetime of a presigned upload URL. */
  UPLOAD_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
};

export const designsConfigKeys = Object.keys(shape);
export const loadDesignsConfig = () => readConfig(shape);
