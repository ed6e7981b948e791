import { createPool } from '#shared/db/pool.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { eventStreamFromConfig } from '#shared/stream/stream-from-config.ts';
import { loadOutboxRelayConfig } from './config.ts';
import { outboxRelayManifest } from './manifest.ts';
import { type RelayDeps, type RelayOptions, runOutboxRelay } from './relay.ts';

const config = loadOutboxRelayConfig();
// The lock's connection, the relay's queries, and the local stream's transaction.
const pool = createPool(config.MYSQL_URL, { connectionLimit: 3 });
const deps: RelayDeps = {
  pool,
  stream: eventStreamFromConfig(config, pool),
  metrics: processMetrics().with({ function: outboxRelayManifest.name }),
};
const options: RelayOptions = {
  runSeconds: config.RELAY_RUN_SECONDS,
  idlePollMs: config.RELAY_IDLE_POLL_MS,
  batchSize: config.RELAY_BATCH_SIZE,
  backoffMs: config.RELAY_BACKOFF_MS,
  maxBackoffMs: Math.max(config.RELAY_MAX_BACKOFF_MS, config.RELAY_BACKOFF_MS),
  scanWindows: config.RELAY_SCAN_WINDOWS,
  giveUpAfterAttempts: config.RELAY_GIVE_UP_ATTEMPTS,
  giveUpAfterSeconds: config.RELAY_GIVE_UP_HOURS * 3600,
};

export const handler = scheduledFunction(outboxRelayManifest, async () => {
  return { status: 'processed', detail: { ...(await runOutboxRelay(deps, options)) } };
});
