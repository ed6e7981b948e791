import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';

/**
 * Where the indexer has read a contract up to, per chain instance (genesis hash): a reset chain
 * or a redeployed contract gets a cursor of its own instead of resuming someone else's.
 */
export interface CursorKey {
  readonly chainInstance: string;
  readonly contractAddress: string;
}

/** Another indexer moved the cursor since it was read; this one stops rather than index twice. */
export class CursorMovedError extends Error {
  constructor(key: CursorKey, expected: number) {
    super(`The cursor of ${key.contractAddress} is no longer at block ${expected}`);
    this.name = 'CursorMovedError';
  }
}

/** The next block to read, creating the cursor at `startBlock` the first time. */
export async function openCursor(pool: DbPool, key: CursorKey, startBlock: number): Promise<number> {
  await pool.query(
    'INSERT IGNORE INTO chain_cursors (chain_instance, contract_address, next_block) VALUES (?, ?, ?)',
    [key.chainInstance, key.contractAddress.toLowerCase(), startBlock],
  );
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT next_block FROM chain_cursors WHERE chain_instance = ? AND contract_address = ?',
    [key.chainInstance, key.contractAddress.toLowerCase()],
  );
  return Number(rows[0]?.next_block ?? startBlock);
}

/** Moves the cursor from `from` to `to`, inside the transaction that stores the blocks' events. */
export async function advanceCursor(
  connection: DbConnection,
  key: CursorKey,
  from: number,
  to: number,
): Promise<void> {
  const [moved] = await connection.query<ResultSetHeader>(
    `UPDATE chain_cursors SET next_block = ?
      WHERE chain_instance = ? AND contract_address = ? AND next_block = ?`,
    [to, key.chainInstance, key.contractAddress.toLowerCase(), from],
  );
  if (moved.affectedRows !== 1) throw new CursorMovedError(key, from);
}
