/**
 * The relayer's ledger in MySQL: `chain_nonces` hands out nonces, `chain_transactions` keeps every
 * signed transaction (raw bytes included) from before it is broadcast until its fate is known.
 * Both are keyed by chain instance (genesis hash) and sender address.
 */
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type DbConnection, type DbPool, withTransaction } from '../db/pool.ts';

export type RelayStatus = 'signed' | 'sent' | 'mined' | 'reverted' | 'replaced';

export interface LedgerKey {
  readonly chainInstance: string;
  readonly address: string;
}

export interface LedgerRow {
  readonly id: number;
  readonly chainInstance: string;
  readonly nonce: number;
  readonly hash: string;
  readonly rawTx: string;
  readonly status: RelayStatus;
  readonly blockNumber?: number;
  readonly gasUsed?: bigint;
  readonly purpose: string;
  readonly ref: string;
  /** Time since it was last broadcast (or signed, if never), by the database's clock. */
  readonly idleMs: number;
}

export interface SignedTransaction {
  readonly rawTx: string;
  readonly hash: string;
}

export interface TransactionMeta {
  readonly to: string;
  readonly purpose: string;
  readonly ref: string;
}

/** The allocation found no `chain_nonces` row: the caller seeds it (that needs the node) and retries. */
export class NonceRowMissingError extends Error {
  constructor() {
    super('No nonce row for this chain instance and address');
    this.name = 'NonceRowMissingError';
  }
}

const ROW_COLUMNS = `id, chain_instance, nonce, tx_hash, raw_tx, status, block_number, gas_used, purpose, ref,
  TIMESTAMPDIFF(MICROSECOND, COALESCE(sent_at, created_at), NOW(3)) DIV 1000 AS idle_ms`;

function toLedgerRow(row: RowDataPacket): LedgerRow {
  return {
    id: Number(row.id),
    chainInstance: String(row.chain_instance),
    nonce: Number(row.nonce),
    hash: String(row.tx_hash),
    rawTx: String(row.raw_tx),
    status: row.status as RelayStatus,
    ...(row.block_number === null ? {} : { blockNumber: Number(row.block_number) }),
    ...(row.gas_used === null ? {} : { gasUsed: BigInt(String(row.gas_used)) }),
    purpose: String(row.purpose),
    ref: String(row.ref),
    idleMs: Number(row.idle_ms),
  };
}

/**
 * Creates the nonce row on first use. Its own statement, committed at once: inside the allocating
 * transaction, INSERT IGNORE would leave a shared lock that concurrent first users then all try to
 * upgrade, deadlocking each other. Never starts below a nonce already stored for this key.
 */
export async function seedNonceRow(pool: DbPool, key: LedgerKey, nodePendingCount: number): Promise<void> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT MAX(nonce) AS highest FROM chain_transactions WHERE chain_instance = ? AND from_address = ?',
    [key.chainInstance, key.address],
  );
  const highest = rows[0]?.highest;
  const next = Math.max(
    nodePendingCount,
    highest === null || highest === undefined ? 0 : Number(highest) + 1,
  );
  await pool.query('INSERT IGNORE INTO chain_nonces (chain_instance, address, next_nonce) VALUES (?, ?, ?)', [
    key.chainInstance,
    key.address,
    next,
  ]);
}

/**
 * Takes the next nonce, signs with it and stores the signed bytes, all in one transaction: the
 * increment only becomes visible together with the transaction that used it, so a nonce is never
 * handed out twice nor left without its signed bytes. `sign` must be local (no network): the row
 * lock on `chain_nonces` is held while it runs.
 */
export async function allocateAndStore(
  pool: DbPool,
  key: LedgerKey,
  meta: TransactionMeta,
  sign: (nonce: number) => Promise<SignedTransaction>,
): Promise<{ id: number; nonce: number } & SignedTransaction> {
  return withTransaction(pool, async (connection) => {
    const nonce = await lockNextNonce(connection, key);
    const signed = await sign(nonce);
    const [inserted] = await connection.query<ResultSetHeader>(
      `INSERT INTO chain_transactions
           (chain_instance, from_address, nonce, to_address, purpose, ref, raw_tx, tx_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [key.chainInstance, key.address, nonce, meta.to, meta.purpose, meta.ref, signed.rawTx, signed.hash],
    );
    await connection.query(
      'UPDATE chain_nonces SET next_nonce = next_nonce + 1 WHERE chain_instance = ? AND address = ?',
      [key.chainInstance, key.address],
    );
    return { id: inserted.insertId, nonce, ...signed };
  });
}

async function lockNextNonce(connection: DbConnection, key: LedgerKey): Promise<number> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT next_nonce FROM chain_nonces WHERE chain_instance = ? AND address = ? FOR UPDATE',
    [key.chainInstance, key.address],
  );
  const row = rows[0];
  if (row === undefined) throw new NonceRowMissingError();
  return Number(row.next_nonce);
}

export async function findRow(pool: DbPool, id: number): Promise<LedgerRow | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT ${ROW_COLUMNS} FROM chain_transactions WHERE id = ?`,
    [id],
  );
  return rows[0] === undefined ? undefined : toLedgerRow(rows[0]);
}

export async function findRowsByRef(
  pool: DbPool,
  key: LedgerKey,
  purpose: string,
  ref: string,
): Promise<LedgerRow[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT ${ROW_COLUMNS} FROM chain_transactions
      WHERE purpose = ? AND ref = ? AND chain_instance = ? AND from_address = ? ORDER BY nonce`,
    [purpose, ref, key.chainInstance, key.address],
  );
  return rows.map(toLedgerRow);
}

/**
 * Moves the series past nonces already mined. Only ever forwards: every nonce below the node's
 * mined count is used on chain, so none of them could still be handed out usefully, and no stored
 * transaction sits at or above `next_nonce`. Returns true when the series moved.
 */
export async function catchUpNonce(pool: DbPool, key: LedgerKey, minedNonce: number): Promise<boolean> {
  const [result] = await pool.query<ResultSetHeader>(
    'UPDATE chain_nonces SET next_nonce = ? WHERE chain_instance = ? AND address = ? AND next_nonce < ?',
    [minedNonce, key.chainInstance, key.address, minedNonce],
  );
  return result.affectedRows === 1;
}

/** Transactions whose fate is not known yet, lowest nonce first (the order a node mines them in). */
export async function listUnsettled(pool: DbPool, key: LedgerKey, limit: number): Promise<LedgerRow[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT ${ROW_COLUMNS} FROM chain_transactions
      WHERE status IN ('signed', 'sent') AND chain_instance = ? AND from_address = ?
      ORDER BY nonce LIMIT ?`,
    [key.chainInstance, key.address, limit],
  );
  return rows.map(toLedgerRow);
}

/** The node holds the transaction. Also refreshes `sent_at` on a rebroadcast. */
export async function markSent(pool: DbPool, id: number): Promise<void> {
  await pool.query(
    `UPDATE chain_transactions SET status = 'sent', sent_at = NOW(3), error = NULL
      WHERE id = ? AND status IN ('signed', 'sent')`,
    [id],
  );
}

export async function recordBroadcastError(pool: DbPool, id: number, error: string): Promise<void> {
  await pool.query('UPDATE chain_transactions SET error = ? WHERE id = ?', [error.slice(0, 1000), id]);
}

/** Returns false when another instance settled the row first. */
export async function markSettled(
  pool: DbPool,
  id: number,
  outcome:
    | { status: 'mined' | 'reverted'; blockNumber: number; gasUsed: bigint }
    | { status: 'replaced'; error: string },
): Promise<boolean> {
  const [result] = await pool.query<ResultSetHeader>(
    `UPDATE chain_transactions
        SET status = ?, block_number = ?, gas_used = ?, error = ?, finished_at = NOW(3)
      WHERE id = ? AND status IN ('signed', 'sent')`,
    outcome.status === 'replaced'
      ? [outcome.status, null, null, outcome.error.slice(0, 1000), id]
      : [outcome.status, outcome.blockNumber, outcome.gasUsed.toString(), null, id],
  );
  return result.affectedRows === 1;
}
