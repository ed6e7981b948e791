import type { ResultSetHeader } from 'mysql2/promise';
import type { DbConnection } from '../db/pool.ts';

/**
 * chain_events: the contracts' confirmed events, each stored once by (chain instance, transaction,
 * log index). Written only by the chain indexer, in the transaction that moves its cursor; the
 * ledger's read model (ledger-read-model.ts) reads it.
 */
export interface ChainEventRow {
  readonly chainInstance: string;
  readonly txHash: string;
  readonly logIndex: number;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly contractAddress: string;
  readonly name: string;
  readonly tokenId: string | null;
  readonly args: unknown;
}

/** Stores the event; false when it was stored before (a range read again after a crash). */
export async function recordChainEvent(connection: DbConnection, event: ChainEventRow): Promise<boolean> {
  const [inserted] = await connection.query<ResultSetHeader>(
    `INSERT IGNORE INTO chain_events (chain_instance, tx_hash, log_index, block_number, block_hash,
       contract_address, event_name, token_id, args) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      event.chainInstance,
      event.txHash.toLowerCase(),
      event.logIndex,
      event.blockNumber,
      event.blockHash.toLowerCase(),
      event.contractAddress.toLowerCase(),
      event.name,
      event.tokenId,
      JSON.stringify(event.args),
    ],
  );
  return inserted.affectedRows === 1;
}
