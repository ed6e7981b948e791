import { z } from 'zod';
import { cdnConfig } from '#shared/cdn/cdn-from-config.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, objectStorageConfig } from '#shared/config/platform.ts';

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...cdnConfig,
  MEDIA_BUCKET: z.string().min(3),
};

export const vodPackageConfigKeys = Object.keys(shape);
export const loadVodPackageConfig = () => readConfig(shape);
