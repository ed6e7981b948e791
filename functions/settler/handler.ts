import { scheduleTickSchema } from '../../events/schedule-tick.ts';
import { LicenseLedger } from '../../shared/chain/license-ledger.ts';
import { createChainClient } from '../../shared/chain/provider.ts';
import { TxRelayer } from '../../shared/chain/tx-relayer.ts';
import { createPool } from '../../shared/db/pool.ts';
import { runSettler, type SettlerDeps } from '../../shared/licenses/settlement.ts';
import { SETTLEMENT_QUEUE } from '../../shared/licenses/settlement-queue.ts';
import { workQueueFromConfig } from '../../shared/queue/queue-from-config.ts';
import { eventFunction } from '../../shared/runtime/function.ts';
import { loadSettlerConfig } from './config.ts';
import { settlerManifest } from './manifest.ts';

const config = loadSettlerConfig();
const pool = createPool(config.MYSQL_URL);
const queue = workQueueFromConfig(config, SETTLEMENT_QUEUE, pool);

let deps: Promise<SettlerDeps> | undefined;
/** ethers and the relayer are set up on the first tick, outside the cold start. */
function dependencies(): Promise<SettlerDeps> {
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
    return { pool, relayer, ledger, provider: client.provider, queue };
  })().catch((err: unknown) => {
    deps = undefined;
    throw err;
  });
  return deps;
}

export const handler = eventFunction(scheduleTickSchema, async (tick) => {
  if (tick.data.function !== settlerManifest.name) {
    return { status: 'ignored', reason: `a tick for ${tick.data.function}` };
  }
  const summary = await runSettler(await dependencies(), {
    maxPrints: config.SETTLE_MAX_PRINTS,
    maxLicenses: config.SETTLE_MAX_LICENSES,
    sweepAfterSeconds: config.SETTLE_SWEEP_AFTER_SECONDS,
    receiptWaitMs: config.SETTLE_RECEIPT_WAIT_MS,
    releaseLimit: config.SETTLE_RELEASE_LIMIT,
    // Past the function timeout: a crashed run's nudges return, a live run never loses them.
    nudgeVisibilitySeconds: settlerManifest.timeoutSeconds * 2,
  });
  return { status: 'processed', detail: { ...summary } };
});
