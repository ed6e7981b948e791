import { z } from 'zod';
import { readConfig } from '../../shared/config/config.ts';
import {
  databaseConfig,
  designBucketsConfig,
  keyWrapperConfig,
  objectStorageConfig,
  relayerConfig,
} from '../../shared/config/platform.ts';

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...designBucketsConfig,
  ...relayerConfig,
  ...keyWrapperConfig,
  DESIGN_REGISTRY_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a contract address'),
};

export const ipUploadConfigKeys = Object.keys(shape);
export const loadIpUploadConfig = () => readConfig(shape);
export type IpUploadConfig = ReturnType<typeof loadIpUploadConfig>;
