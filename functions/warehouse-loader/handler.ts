import { log } from '#shared/base/log.ts';
import { createPool } from '#shared/db/pool.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { eventStreamFromConfig } from '#shared/stream/stream-from-config.ts';
import { warehouseFromConfig } from '#shared/warehouse/warehouse-from-config.ts';
import { loadWarehouseLoaderConfig } from './config.ts';
import { type LoaderDeps, type LoaderOptions, runWarehouseLoader } from './loader.ts';
import { warehouseLoaderManifest } from './manifest.ts';

const config = loadWarehouseLoaderConfig();
// The local stream's reads and commits; none on OCI Streaming.
const pool = config.MYSQL_URL ? createPool(config.MYSQL_URL, { connectionLimit: 2 }) : undefined;
const deps: LoaderDeps = {
  stream: eventStreamFromConfig(config, pool),
  warehouse: warehouseFromConfig(config),
  metrics: processMetrics().with({ function: warehouseLoaderManifest.name }),
};
const options: LoaderOptions = {
  runSeconds: config.WAREHOUSE_RUN_SECONDS,
  pollMs: config.WAREHOUSE_POLL_MS,
  readBatch: config.WAREHOUSE_READ_BATCH,
  instance: warehouseLoaderManifest.name,
};

export const handler = scheduledFunction(warehouseLoaderManifest, async () => {
  const summary = await runWarehouseLoader(deps, options);
  if (summary.messages + summary.failures > 0) log.info('warehouse loaded', { ...summary });
  return { status: 'processed', detail: { ...summary } };
});
