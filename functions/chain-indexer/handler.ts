import { scheduleTickSchema } from '../../events/schedule-tick.ts';
import { LicenseLedger } from '../../shared/chain/license-ledger.ts';
import { createChainClient } from '../../shared/chain/provider.ts';
import { TxRelayer } from '../../shared/chain/tx-relayer.ts';
import { createPool } from '../../shared/db/pool.ts';
import { designRegistrySource, licenseLedgerSource } from '../../shared/ledger/event-sources.ts';
import { type ChainIndexerDeps, runChainIndexer } from '../../shared/ledger/indexer-run.ts';
import { eventFunction } from '../../shared/runtime/function.ts';
import { loadChainIndexerConfig } from './config.ts';
import { chainIndexerManifest } from './manifest.ts';

const config = loadChainIndexerConfig();
const pool = createPool(config.MYSQL_URL);

let deps: Promise<ChainIndexerDeps> | undefined;
/** ethers and the relayer are set up on the first tick, outside the cold start. */
function dependencies(): Promise<ChainIndexerDeps> {
  deps ??= (async () => {
    const client = await createChainClient({
      rpcUrl: config.CHAIN_RPC_URL,
      privateKey: config.CHAIN_RELAYER_KEY,
      ...(config.CHAIN_ID === undefined ? {} : { chainId: config.CHAIN_ID }),
      pollingIntervalMs: 250,
    });
    const [relayer, ledger] = await Promise.all([
      TxRelayer.create(pool, client),
      LicenseLedger.connect(client, config.LICENSE_LEDGER_ADDRESS),
    ]);
    const sources = [licenseLedgerSource(ledger, config.CHAIN_START_BLOCK)];
    if (config.DESIGN_REGISTRY_ADDRESS) {
      sources.push(await designRegistrySource(config.DESIGN_REGISTRY_ADDRESS, config.CHAIN_START_BLOCK));
    }
    return { pool, relayer, ledger, provider: client.provider, sources };
  })().catch((err: unknown) => {
    deps = undefined;
    throw err;
  });
  return deps;
}

export const handler = eventFunction(scheduleTickSchema, async (tick) => {
  if (tick.data.function !== chainIndexerManifest.name) {
    return { status: 'ignored', reason: `a tick for ${tick.data.function}` };
  }
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
