import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import {
  databaseConfig,
  designBucketsConfig,
  keyWrapperConfig,
  objectStorageConfig,
  relayerConfig,
} from '#shared/config/platform.ts';

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...designBucketsConfig,
  ...relayerConfig,
  ...keyWrapperConfig,
  DESIGN_REGISTRY_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a contract address'),
  /** The watchdog re-drives a design waiting this long for an upload that is in the bucket (lost event). */
  DESIGN_WATCHDOG_GRACE_SECONDS: z.coerce.number().int().min(10).max(86_400).default(120),
  /** Designs the watchdog re-drives per tick at most. */
  DESIGN_WATCHDOG_BATCH: z.coerce.number().int().min(1).max(100).default(10),
};

export const ipUploadConfigKeys = Object.keys(shape);
export const loadIpUploadConfig = () => readConfig(shape);
export type IpUploadConfig = ReturnType<typeof loadIpUploadConfig>;
