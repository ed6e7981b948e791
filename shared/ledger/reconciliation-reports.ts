/**
 * The `ledger_reconciliations` table: one row per comparison of the off-chain ledger with the
 * chain. The chain-indexer writes them (functions/chain-indexer/reconciliation-run.ts); operators read the latest.
 */
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbPool } from '../db/pool.ts';
import type { DriftItem } from './reconciliation.ts';

export interface ReconciliationReport {
  readonly id: number;
  readonly chainInstance: string;
  readonly headBlock: number;
  readonly licensesChecked: number;
  readonly driftCount: number;
  readonly drift: readonly DriftItem[];
  readonly ranAt: Date;
}

export async function insertReconciliationReport(
  pool: DbPool,
  report: { chainInstance: string; headBlock: number; licensesChecked: number; drift: readonly DriftItem[] },
): Promise<number> {
  const [inserted] = await pool.query<ResultSetHeader>(
    `INSERT INTO ledger_reconciliations (chain_instance, head_block, licenses_checked, drift_count, report)
     VALUES (?, ?, ?, ?, ?)`,
    [
      report.chainInstance,
      report.headBlock,
      report.licensesChecked,
      report.drift.length,
      JSON.stringify(report.drift),
    ],
  );
  return inserted.insertId;
}

/** Microseconds since this chain instance was last reconciled, by the database's clock; null if never. */
export async function reconciliationAgeMicros(pool: DbPool, chainInstance: string): Promise<number | null> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT TIMESTAMPDIFF(MICROSECOND, MAX(ran_at), NOW(3)) AS age_us FROM ledger_reconciliations
      WHERE chain_instance = ?`,
    [chainInstance],
  );
  const age = rows[0]?.age_us;
  return age === null || age === undefined ? null : Number(age);
}

/**
 * The newest report, with its drift list parsed: the pool asks for JSON columns as strings
 * (MariaDB keeps JSON as LONGTEXT), so the text must be parsed here, not handed on as a string.
 */
export async function findLatestReconciliation(pool: DbPool): Promise<ReconciliationReport | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id, chain_instance, head_block, licenses_checked, drift_count, report, ran_at
       FROM ledger_reconciliations ORDER BY id DESC LIMIT 1`,
  );
  const latest = rows[0];
  if (!latest) return undefined;
  const report: unknown = typeof latest.report === 'string' ? JSON.parse(latest.report) : latest.report;
  return {
    id: Number(latest.id),
    chainInstance: String(latest.chain_instance),
    headBlock: Number(latest.head_block),
    licensesChecked: Number(latest.licenses_checked),
    driftCount: Number(latest.drift_count),
    drift: Array.isArray(report) ? (report as DriftItem[]) : [],
    ranAt: latest.ran_at as Date,
  };
}
