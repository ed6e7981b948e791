import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { ConfigError } from '#shared/errors.ts';
import { eventStreamConfig } from '#shared/stream/stream-from-config.ts';
import { WAREHOUSE_LIMITS } from '#shared/warehouse/warehouse.ts';
import { warehouseConfig } from '#shared/warehouse/warehouse-from-config.ts';

const shape = {
  // Only the local stream (STREAM_BACKEND=mysql) needs the database; on OCI Streaming it is unused.
  MYSQL_URL: databaseConfig.MYSQL_URL.optional(),
  ...eventStreamConfig,
  ...warehouseConfig,
  /**
   * How long one tick keeps loading. 0 (the local cloud, ticking every second and nudged after the
   * relay): drain what is there and return. OCI's scheduler ticks once a minute, so Terraform sets
   * 50: the run long-polls the stream, and events reach BigQuery within seconds.
   */
  WAREHOUSE_RUN_SECONDS: z.coerce.number().int().min(0).max(240).default(0),
  /** Within a run, how long one read waits for a first message when the stream is quiet. */
  WAREHOUSE_POLL_MS: z.coerce.number().int().min(50).max(10_000).default(1000),
  /** Messages read (and events inserted) at a time; BigQuery recommends at most 500 rows per insertAll. */
  WAREHOUSE_READ_BATCH: z.coerce.number().int().min(1).max(WAREHOUSE_LIMITS.maxEventsPerInsert).default(500),
};

export const warehouseLoaderConfigKeys = Object.keys(shape);

/** The database is optional only on OCI Streaming: say so at cold start, like any missing key. */
export function loadWarehouseLoaderConfig() {
  const config = readConfig(shape);
  if (config.STREAM_BACKEND === 'mysql' && !config.MYSQL_URL) {
    throw new ConfigError('Invalid configuration: MYSQL_URL: required while STREAM_BACKEND=mysql', [
      'MYSQL_URL',
    ]);
  }
  return config;
}
