import { createPool } from '#shared/db/pool.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { objectStoreFromConfig } from '#shared/storage/s3-object-store.ts';
import { serveApiReference } from './api-reference.ts';
import { runChecks, stillStarting } from './checks.ts';
import { loadHealthConfig } from './config.ts';
import { healthManifest } from './manifest.ts';
import { chainProbe, databaseProbe, objectStorageProbe, queueProbe } from './probes.ts';

const PROBE_TIMEOUT_MS = 2_000;

const config = loadHealthConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const store = objectStoreFromConfig(config);
const probes = {
  database: databaseProbe(pool),
  objectStorage: objectStorageProbe(store, config.BUCKETS),
  chain: chainProbe(config.CHAIN_RPC_URL),
  queue: queueProbe(config.QUEUES.map((name) => new MySqlWorkQueue({ pool, name }))),
};

let startupDone = false;

export const handler = httpFunction(healthManifest, () => ({
  getOpenApiDocument: serveApiReference,
  // Liveness: the function is up and serving; touches no dependency (load balancers, benchmarks).
  getLiveness: (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  },
  getHealth: async (_req, res) => {
    // Readiness, not only dependencies: nothing is ready before the platform's start-up is done.
    // Start-up completes once: after the first ready answer the status endpoint is not asked again.
    if (!startupDone && config.STARTUP_STATUS_URL) {
      const starting = await stillStarting(config.STARTUP_STATUS_URL, PROBE_TIMEOUT_MS);
      if (starting) {
        res.status(503).set('Cache-Control', 'no-store').set('Retry-After', '1').json(starting);
        return;
      }
      startupDone = true;
    }
    const report = await runChecks(probes, PROBE_TIMEOUT_MS);
    res
      .status(report.status === 'ok' ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(report);
  },
}));
