/**
 * Settlement state in MySQL: `settlements` (one row per on-chain batch) and the print jobs it
 * claims (`print_jobs.settlement_id`). A job is claimed by one settlement at a time, and
 * `settled_at` plus `licenses.prints_settled` move together, only here.
 */
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type DbConnection, type DbPool, withTransaction } from '../db/pool.ts';
import { appendToOutbox } from '../outbox/outbox.ts';
import { addPrintsSettled } from './license-repository.ts';
import {
  claimPrintsForSettlement,
  markPrintsSettled,
  releaseSettlementPrints,
  type SettlementJob,
  settlementJobs,
} from './print-ledger.ts';

export interface UnfinishedSettlement {
  readonly id: number;
  readonly status: 'open' | 'submitted';
  readonly txId: number | null;
}

/** What was recorded as settled for one license: the outbox `prints.settled` event's content. */
export interface SettledPrints {
  readonly licenseId: string;
  readonly tokenId: string | null;
  readonly jobIds: readonly string[];
}

export interface SettlementProof {
  /** The transaction that put the prints on chain, when known. */
  readonly txHash: string | null;
  readonly settlementId: number | null;
  /** Who noticed: the settler's receipt, its recovery, or the chain indexer. */
  readonly source: 'settler' | 'recovery' | 'indexer';
}

/**
 * Marks the given jobs settled (those not yet), raises each license's prints_settled by exactly
 * the number that changed, and records one `prints.settled` event per license — inside the
 * caller's transaction, so the settler and the indexer can both report the same prints and the
 * count still moves once.
 */
export async function recordSettledPrints(
  connection: DbConnection,
  jobIds: readonly string[],
  proof: SettlementProof,
): Promise<SettledPrints[]> {
  if (jobIds.length === 0) return [];
  const rows = await markPrintsSettled(connection, jobIds);
  if (rows.length === 0) return [];
  const byLicense = new Map<string, { tokenId: string | null; jobIds: string[] }>();
  for (const row of rows) {
    const licenseId = row.licenseId;
    const entry = byLicense.get(licenseId) ?? { tokenId: row.tokenId, jobIds: [] };
    entry.jobIds.push(row.id);
    byLicense.set(licenseId, entry);
  }
  const settled: SettledPrints[] = [];
  for (const [licenseId, entry] of byLicense) {
    await addPrintsSettled(connection, licenseId, entry.jobIds.length);
    await appendToOutbox(connection, {
      aggregateType: 'license',
      aggregateId: licenseId,
      type: 'prints.settled',
      payload: {
        licenseId,
        tokenId: entry.tokenId,
        jobIds: entry.jobIds,
        prints: entry.jobIds.length,
        txHash: proof.txHash,
        settlementId: proof.settlementId,
        source: proof.source,
      },
    });
    settled.push({ licenseId, tokenId: entry.tokenId, jobIds: entry.jobIds });
  }
  return settled;
}

/**
 * A new settlement claiming those of `jobIds` that are still counted, unclaimed and unsettled.
 * Returns what it actually claimed (possibly fewer); a settlement that claimed nothing is
 * removed again.
 */
export async function openSettlement(
  pool: DbPool,
  jobIds: readonly string[],
): Promise<{ id: number; jobs: SettlementJob[] } | undefined> {
  if (jobIds.length === 0) return undefined;
  return withTransaction(pool, async (connection) => {
    const [inserted] = await connection.query<ResultSetHeader>(
      'INSERT INTO settlements (status) VALUES (?)',
      ['open'],
    );
    const id = inserted.insertId;
    const claimed = await claimPrintsForSettlement(connection, id, jobIds);
    if (claimed === 0) {
      await connection.query('DELETE FROM settlements WHERE id = ?', [id]);
      return undefined;
    }
    await connection.query('UPDATE settlements SET prints = ? WHERE id = ?', [claimed, id]);
    return { id, jobs: await settlementJobs(connection, id) };
  });
}

export async function markSettlementSubmitted(
  pool: DbPool,
  settlementId: number,
  txId: number,
): Promise<void> {
  await pool.query(
    `UPDATE settlements SET status = 'submitted', tx_id = ? WHERE id = ? AND status IN ('open', 'submitted')`,
    [txId, settlementId],
  );
}

/** Its transaction is mined: every claimed job is settled, once. */
export async function confirmSettlement(
  pool: DbPool,
  settlementId: number,
  tx: { id: number; hash: string },
): Promise<SettledPrints[]> {
  return withTransaction(pool, async (connection) => {
    const [changed] = await connection.query<ResultSetHeader>(
      `UPDATE settlements SET status = 'confirmed', confirmed_at = NOW(3), tx_id = ?, error = NULL
        WHERE id = ? AND status IN ('open', 'submitted')`,
      [tx.id, settlementId],
    );
    if (changed.affectedRows !== 1) return [];
    const jobs = await settlementJobs(connection, settlementId);
    return recordSettledPrints(
      connection,
      jobs.map((job) => job.id),
      { txHash: tx.hash, settlementId, source: 'settler' },
    );
  });
}

/**
 * The settlement will not land as sent: the jobs found on chain anyway are adopted as settled,
 * the others are released for a later batch (built against a fresh printsUsed).
 */
export async function abandonSettlement(
  pool: DbPool,
  settlementId: number,
  outcome: { error: string; adopt?: readonly string[]; txHash?: string | null },
): Promise<{ adopted: SettledPrints[]; released: string[] }> {
  return withTransaction(pool, async (connection) => {
    const adopted = await recordSettledPrints(connection, outcome.adopt ?? [], {
      txHash: outcome.txHash ?? null,
      settlementId,
      source: 'recovery',
    });
    const released = await releaseSettlementPrints(connection, settlementId);
    await connection.query(
      `UPDATE settlements SET status = 'failed', error = ? WHERE id = ? AND status IN ('open', 'submitted')`,
      [outcome.error.slice(0, 1000), settlementId],
    );
    return { adopted, released };
  });
}

export async function listUnfinishedSettlements(pool: DbPool): Promise<UnfinishedSettlement[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id, status, tx_id FROM settlements WHERE status IN ('open', 'submitted') ORDER BY id`,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    status: row.status as 'open' | 'submitted',
    txId: row.tx_id === null ? null : Number(row.tx_id),
  }));
}
