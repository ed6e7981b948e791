import { z } from 'zod';
import { QUEUES } from '#events/queues.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, keyWrapperConfig, objectStorageConfig } from '#shared/config/platform.ts';
import { queueIdConfig, workQueueConfig } from '#shared/queue/queue-from-config.ts';

/** The work queue the settler drains; a counted print is nudged onto it. */

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...keyWrapperConfig,
  ...workQueueConfig,
  ...queueIdConfig(QUEUES.settlement),
  VAULT_BUCKET: z.string().min(3),
  /** How long a grant holds its print before it is released back to the license. */
  GRANT_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  /** Lifetime of the presigned download of the encrypted design. */
  DOWNLOAD_URL_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
};

export const printAuthorizeConfigKeys = Object.keys(shape);
export const loadPrintAuthorizeConfig = () => readConfig(shape);
export type PrintAuthorizeConfig = ReturnType<typeof loadPrintAuthorizeConfig>;
