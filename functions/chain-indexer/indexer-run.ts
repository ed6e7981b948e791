/**
 * One chain-indexer run: relayer upkeep, then the contracts' confirmed events, then (when due)
 * a reconciliation of the off-chain ledger with the chain. One indexer at a time (a named lock):
 * the cursor would refuse a second one anyway, this only spares it the work.
 */
import type { JsonRpcProvider } from 'ethers';
import type { LicenseLedger } from '#shared/chain/license-ledger.ts';
import type { TxRelayer } from '#shared/chain/tx-relayer.ts';
import { databaseLockName, withNamedLock } from '#shared/db/named-lock.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { readHead } from '#shared/ledger/chain-reads.ts';
import type { EventSource } from '#shared/ledger/event-sources.ts';
import type { Metrics } from '#shared/metrics/metrics.ts';
import { type IndexOptions, indexEvents, type SourceReport } from './event-indexer.ts';
import { type ReconcileOptions, type ReconcileOutcome, reconcileIfDue } from './reconciliation-run.ts';
import { keepRelayer, type UpkeepOptions, type UpkeepSummary } from './relayer-upkeep.ts';

/** The indexer's lock is per database (databaseLockName): GET_LOCK names are server-wide. */
export const INDEXER_LOCK = 'forgecast:chain-indexer';

export interface ChainIndexerDeps {
  readonly pool: DbPool;
  readonly relayer: TxRelayer;
  readonly ledger: LicenseLedger;
  readonly provider: JsonRpcProvider;
  /** LicenseLedger first; DesignRegistry when configured. */
  readonly sources: readonly EventSource[];
  /** The keeper's mints count as `licenses_minted`, as the API's do. */
  readonly metrics?: Metrics;
}

export interface ChainIndexerOptions {
  readonly upkeep: UpkeepOptions;
  readonly index: IndexOptions;
  readonly reconcile: ReconcileOptions;
}

export type ChainIndexerSummary =
  | { readonly busy: true }
  | {
      readonly busy: false;
      readonly head: number;
      readonly upkeep: UpkeepSummary;
      readonly indexed: readonly SourceReport[];
      readonly reconciliation: Omit<Extract<ReconcileOutcome, { ran: true }>, 'drift'> | { ran: false };
    };

export async function runChainIndexer(
  deps: ChainIndexerDeps,
  options: ChainIndexerOptions,
): Promise<ChainIndexerSummary> {
  let locked = false;
  try {
    const lockName = await databaseLockName(deps.pool, INDEXER_LOCK);
    return await withNamedLock(deps.pool, lockName, 0, async () => {
      locked = true;
      return indexExclusively(deps, options);
    });
  } catch (err) {
    if (locked || !(err instanceof DependencyUnavailableError)) throw err;
    return { busy: true };
  }
}

async function indexExclusively(deps: ChainIndexerDeps, options: ChainIndexerOptions) {
  const upkeep = await keepRelayer(deps, options.upkeep);
  const head = await readHead(deps.provider);
  const chain = { chainInstance: deps.relayer.chainInstance, chainId: deps.relayer.chainId };
  const indexed = await indexEvents(
    { pool: deps.pool, provider: deps.provider, ...chain },
    deps.sources,
    options.index,
    head,
  );
  const outcome = await reconcileIfDue(
    { pool: deps.pool, ledger: deps.ledger, ...chain },
    options.reconcile,
    head,
  );
  const reconciliation = outcome.ran
    ? {
        ran: true as const,
        id: outcome.id,
        licensesChecked: outcome.licensesChecked,
        driftCount: outcome.driftCount,
      }
    : outcome;
  return { busy: false as const, head, upkeep, indexed, reconciliation };
}
