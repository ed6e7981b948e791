import { lazyOnce } from '#shared/base/lazy.ts';
import { createPool } from '#shared/db/pool.ts';
import { designRegistrySource, licenseLedgerSource } from '#shared/ledger/event-sources.ts';
import { lazyLedgerConnection } from '#shared/licenses/ledger-connection.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { loadChainIndexerConfig } from './config.ts';
import { type ChainIndexerDeps, runChainIndexer } from './indexer-run.ts';
import { chainIndexerManifest } from './manifest.ts';

const config = loadChainIndexerConfig();
const pool = createPool(config.MYSQL_URL);

const connect = lazyLedgerConnection(pool, config, { pollingIntervalMs: 250 });
const metrics = processMetrics().with({ function: chainIndexerManifest.name });
// The registry's source is made once; a failed attempt is forgotten so the next run tries again.
const registryAddress = config.DESIGN_REGISTRY_ADDRESS;
const registrySource = registryAddress
  ? lazyOnce(() => designRegistrySource(registryAddress, config.CHAIN_START_BLOCK))
  : undefined;

async function dependencies(): Promise<ChainIndexerDeps> {
  const { client, relayer, ledger } = await connect();
  const sources = [licenseLedgerSource(ledger, config.CHAIN_START_BLOCK)];
  if (registrySource) sources.push(await registrySource());
  return { pool, relayer, ledger, provider: client.provider, sources, metrics };
}

export const handler = scheduledFunction(chainIndexerManifest, async () => {
  const summary = await runChainIndexer(await dependencies(), {
    upkeep: { pendingAfterSeconds: config.KEEPER_PENDING_AFTER_SECONDS, revokeAfterSeconds: 10, limit: 20 },
    index: {
      confirmations: config.CHAIN_CONFIRMATIONS,
      blockRange: config.INDEX_BLOCK_RANGE,
      maxRanges: config.INDEX_MAX_RANGES,
    },
    reconcile: {
      everySeconds: config.RECONCILE_EVERY_SECONDS,
      revocationGraceSeconds: config.RECONCILE_REVOCATION_GRACE_SECONDS,
      unsettledAfterSeconds: config.RECONCILE_UNSETTLED_AFTER_SECONDS,
    },
  });
  return { status: 'processed', detail: { ...summary } };
});
