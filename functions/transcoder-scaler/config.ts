import { z } from 'zod';
import { QUEUES } from '#events/queues.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { ConfigError } from '#shared/errors.ts';
import { containerPoolConfig } from '#shared/pool/pool-from-config.ts';
import { queueIdConfig, workQueueConfig } from '#shared/queue/queue-from-config.ts';

const poolSize = z.coerce.number().int().min(0).max(100);

const shape = {
  /** Only for QUEUE_BACKEND=mysql (the local cloud); on OCI Queue the scaler touches no database. */
  MYSQL_URL: databaseConfig.MYSQL_URL.optional(),
  ...workQueueConfig,
  ...queueIdConfig(QUEUES.transcode),
  ...containerPoolConfig,
  /** Members kept running with an empty queue (0: the pool sleeps when idle). */
  POOL_MIN: poolSize.default(0),
  /** Members ever running; the pool has this many (Terraform's pool_max). */
  POOL_MAX: poolSize,
};

export const transcoderScalerConfigKeys = Object.keys(shape);

export function loadTranscoderScalerConfig(source?: Record<string, string | undefined>) {
  const config = readConfig(shape, source);
  if (config.POOL_MIN > config.POOL_MAX) {
    throw new ConfigError('POOL_MIN must not exceed POOL_MAX', ['POOL_MIN', 'POOL_MAX']);
  }
  return config;
}

export type TranscoderScalerConfig = ReturnType<typeof loadTranscoderScalerConfig>;
