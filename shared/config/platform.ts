import { z } from 'zod';
import { configFields } from './config.ts';

/** Config shapes shared by functions; each function composes the ones it uses. */
export const databaseConfig = {
  MYSQL_URL: z.string().regex(/^mysql:\/\//, 'must be a mysql:// URL'),
};

export const objectStorageConfig = {
  S3_ENDPOINT: configFields.url,
  S3_REGION: z.string().min(1),
  S3_ACCESS_KEY_ID: z.string().min(1),
  S3_SECRET_ACCESS_KEY: z.string().min(1),
};

export const chainConfig = {
  CHAIN_RPC_URL: configFields.url,
};

export const bucketsConfig = {
  /** Comma-separated bucket names this function touches, checked by health. */
  BUCKETS: configFields.csv,
};

export const queuesConfig = {
  /** Comma-separated work queues this function touches. */
  QUEUES: configFields.csv,
};
