import { QUEUES } from '#events/queues.ts';
import { createPool } from '#shared/db/pool.ts';
import { lazyLedgerConnection } from '#shared/licenses/ledger-connection.ts';
import { workQueueFromConfig } from '#shared/queue/queue-from-config.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { loadSettlerConfig } from './config.ts';
import { settlerManifest } from './manifest.ts';
import { runSettler, type SettlerDeps } from './settlement.ts';

const config = loadSettlerConfig();
const pool = createPool(config.MYSQL_URL);
const queue = workQueueFromConfig(config, QUEUES.settlement, pool);

const connect = lazyLedgerConnection(pool, config, { pollingIntervalMs: 250 });

async function dependencies(): Promise<SettlerDeps> {
  const { client, relayer, ledger } = await connect();
  return { pool, relayer, ledger, provider: client.provider, queue };
}

export const handler = scheduledFunction(settlerManifest, async () => {
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
