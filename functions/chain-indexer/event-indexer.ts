/**
 * Follows contract events into `chain_events`, `confirmations` blocks behind the head, in
 * bounded block ranges. Each range's events, their effects and the cursor's move commit in one
 * transaction, so a crash resumes exactly where the last commit left off and nothing is applied
 * twice (the event's primary key is its transaction hash and log index).
 */
import type { JsonRpcProvider, Log } from 'ethers';
import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { advanceCursor, type CursorKey, CursorMovedError, openCursor } from '#shared/ledger/chain-cursor.ts';
import { recordChainEvent } from '#shared/ledger/chain-events.ts';
import { readLogs } from '#shared/ledger/chain-reads.ts';
import { applyLedgerEvent } from '#shared/ledger/event-effects.ts';
import type { DecodedEvent, EventSource } from '#shared/ledger/event-sources.ts';

export interface IndexerDeps {
  readonly pool: DbPool;
  readonly provider: JsonRpcProvider;
  readonly chainInstance: string;
  readonly chainId: number;
}

export interface IndexOptions {
  /** Blocks that must follow a block before its events count (0 for an instant-finality chain). */
  readonly confirmations: number;
  /** Blocks per eth_getLogs call. */
  readonly blockRange: number;
  /** Ranges per run, so one run stays inside the function timeout however far behind it is. */
  readonly maxRanges: number;
}

export interface SourceReport {
  readonly address: string;
  /** The first block not yet indexed, after this run. */
  readonly nextBlock: number;
  readonly events: number;
  readonly applied: number;
  readonly caughtUp: boolean;
}

export async function indexEvents(
  deps: IndexerDeps,
  sources: readonly EventSource[],
  options: IndexOptions,
  head: number,
): Promise<SourceReport[]> {
  const reports: SourceReport[] = [];
  for (const source of sources) reports.push(await indexSource(deps, source, options, head));
  return reports;
}

async function indexSource(deps: IndexerDeps, source: EventSource, options: IndexOptions, head: number) {
  const key: CursorKey = { chainInstance: deps.chainInstance, contractAddress: source.address };
  const lastConfirmed = head - options.confirmations;
  let next = await openCursor(deps.pool, key, source.startBlock);
  let events = 0;
  let applied = 0;
  for (let ranges = 0; ranges < options.maxRanges && next <= lastConfirmed; ranges += 1) {
    const to = Math.min(next + options.blockRange - 1, lastConfirmed);
    const logs = await readLogs(deps.provider, { address: source.address, fromBlock: next, toBlock: to });
    try {
      const stored = await storeRange(deps, source, key, { from: next, to }, logs);
      events += stored.events;
      applied += stored.applied;
    } catch (err) {
      if (err instanceof CursorMovedError) break;
      throw err;
    }
    next = to + 1;
  }
  return { address: source.address, nextBlock: next, events, applied, caughtUp: next > lastConfirmed };
}

function storeRange(
  deps: IndexerDeps,
  source: EventSource,
  key: CursorKey,
  range: { from: number; to: number },
  logs: readonly Log[],
): Promise<{ events: number; applied: number }> {
  return withTransaction(deps.pool, async (connection) => {
    await advanceCursor(connection, key, range.from, range.to + 1);
    let events = 0;
    let applied = 0;
    for (const log of logs) {
      if (log.removed) continue;
      const event = source.decode(log);
      if (event === undefined) continue;
      const stored = await recordChainEvent(connection, {
        chainInstance: deps.chainInstance,
        txHash: log.transactionHash,
        logIndex: log.index,
        blockNumber: log.blockNumber,
        blockHash: log.blockHash,
        contractAddress: source.address,
        name: event.name,
        tokenId: event.tokenId,
        args: event.args,
      });
      if (!stored) continue;
      events += 1;
      if (await applyEffect(connection, deps, source, event, log)) applied += 1;
    }
    return { events, applied };
  });
}

function applyEffect(
  connection: Parameters<typeof applyLedgerEvent>[0],
  deps: IndexerDeps,
  source: EventSource,
  event: DecodedEvent,
  log: Log,
): Promise<boolean> {
  if (event.ledgerEvent === undefined) return Promise.resolve(false);
  return applyLedgerEvent(connection, event.ledgerEvent, {
    txHash: log.transactionHash.toLowerCase(),
    blockNumber: log.blockNumber,
    chainId: deps.chainId,
    ledgerAddress: source.address,
  });
}
