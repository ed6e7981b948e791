import { defineManifest } from '#shared/runtime/manifest.ts';
import { warehouseLoaderConfigKeys } from './config.ts';
import { WAREHOUSE_CONSUMER_GROUP } from './loader.ts';

/**
 * Loads the domain event stream into the warehouse the dashboards read (docs/warehouse.md):
 * consumer group `warehouse`, each event stored once by its id, committed only once stored.
 */
export const warehouseLoaderManifest = defineManifest({
  name: 'warehouse-loader',
  summary:
    'Reads the domain event stream as consumer group warehouse and stores each event once in the warehouse (BigQuery; DuckDB in the local cloud); skips and counts messages that are not catalogue events.',
  kind: 'event',
  memoryMb: 256,
  // A tick may run for WAREHOUSE_RUN_SECONDS (240 at most) and then finish its last batch.
  timeoutSeconds: 300,
  routes: [],
  events: [],
  // Every second locally (and nudged after each relay run); OCI's scheduler fires once a minute
  // and each tick loads for 50 s.
  schedules: [{ name: 'load', everySeconds: 1 }],
  eventStream: { access: 'consume', group: WAREHOUSE_CONSUMER_GROUP },
  config: warehouseLoaderConfigKeys,
});
