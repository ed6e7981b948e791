/**
 * The settlement read model: which counted prints the settler looks at next, and which of them
 * still need it. Read-only over print_jobs and licenses; the state changes are the owners'
 * (settlement-repository.ts, print-ledger.ts).
 */
import type { RowDataPacket } from 'mysql2/promise';
import { type DbPool, withTransaction } from '../db/pool.ts';
import { recordSettledPrints, type SettledPrints } from './settlement-repository.ts';

export interface LicenseToSettle {
  readonly id: string;
  readonly tokenId: string;
  readonly printsSettled: number;
  readonly mintBlock: number | null;
}

/**
 * Active licenses of this ledger with counted prints to settle: first those of the nudged jobs,
 * then those with a print waiting longer than `sweepAfterSeconds` (a nudge that was lost).
 */
export async function licensesToSettle(
  pool: DbPool,
  scope: { ledgerAddress: string; nudgedJobIds: readonly string[]; sweepAfterSeconds: number; limit: number },
): Promise<LicenseToSettle[]> {
  const eligible = `pj.counted = 1 AND pj.settlement_id IS NULL AND pj.settled_at IS NULL`;
  const ids: string[] = [];
  if (scope.nudgedJobIds.length > 0) {
    const [nudged] = await pool.query<RowDataPacket[]>(
      `SELECT DISTINCT pj.license_id FROM print_jobs pj WHERE pj.id IN (?) AND ${eligible} LIMIT ?`,
      [[...scope.nudgedJobIds], scope.limit],
    );
    ids.push(...nudged.map((row) => String(row.license_id)));
  }
  const [swept] = await pool.query<RowDataPacket[]>(
    `SELECT pj.license_id FROM print_jobs pj
      WHERE ${eligible} AND pj.completed_at < NOW(3) - INTERVAL ? SECOND
      GROUP BY pj.license_id ORDER BY MIN(pj.completed_at) LIMIT ?`,
    [scope.sweepAfterSeconds, scope.limit],
  );
  for (const row of swept) if (!ids.includes(String(row.license_id))) ids.push(String(row.license_id));
  if (ids.length === 0) return [];

  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id, token_id, prints_settled, mint_block FROM licenses
      WHERE id IN (?) AND status = 'active' AND token_id IS NOT NULL AND LOWER(ledger_address) = LOWER(?)`,
    [ids.slice(0, scope.limit), scope.ledgerAddress],
  );
  const order = new Map(ids.map((id, index) => [id, index]));
  return rows
    .map((row) => ({
      id: String(row.id),
      tokenId: String(row.token_id),
      printsSettled: Number(row.prints_settled),
      mintBlock: row.mint_block === null ? null : Number(row.mint_block),
    }))
    .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** Counted, unclaimed, unsettled jobs of one license, oldest first. */
export async function unsettledJobsOf(pool: DbPool, licenseId: string, limit: number): Promise<string[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id FROM print_jobs
      WHERE license_id = ? AND counted = 1 AND settlement_id IS NULL AND settled_at IS NULL
      ORDER BY completed_at, id LIMIT ?`,
    [licenseId, limit],
  );
  return rows.map((row) => String(row.id));
}

/** Of `jobIds`, those of `licenseId` that are not marked settled yet. */
export async function unsettledAmong(pool: DbPool, licenseId: string, jobIds: readonly string[]) {
  if (jobIds.length === 0) return [];
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT id FROM print_jobs WHERE license_id = ? AND id IN (?) AND settled_at IS NULL',
    [licenseId, [...jobIds]],
  );
  return rows.map((row) => String(row.id));
}

/** Adopts prints found on chain outside any settlement of ours, in one transaction. */
export async function adoptSettledPrints(pool: DbPool, jobIds: readonly string[]): Promise<SettledPrints[]> {
  if (jobIds.length === 0) return [];
  return withTransaction(pool, (connection) =>
    recordSettledPrints(connection, jobIds, { txHash: null, settlementId: null, source: 'recovery' }),
  );
}
