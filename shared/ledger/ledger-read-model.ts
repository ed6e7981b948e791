import type { RowDataPacket } from 'mysql2/promise';
import { orgChainAddress } from '../chain/org-address.ts';
import type { DbPool } from '../db/pool.ts';
import type { OffChainLicense, UnclaimedIssue } from './reconciliation.ts';

/**
 * The ledger's read model: what the chain indexer's keeper and reconciliation read across
 * licenses, print_jobs, settlements, chain_events and chain_transactions. Read-only joins; each
 * of those tables is written by its own repository (license-repository, print-ledger,
 * settlement-repository, chain-events, tx-ledger).
 */

/** One contract deployment: the chain instance (genesis hash), its chain id and the ledger's address. */
export interface LedgerKey {
  readonly chainInstance: string;
  readonly chainId: number;
  readonly address: string;
}

/** The database's clock, which every age compared in the reconciliation is measured by. */
export async function databaseNow(pool: DbPool): Promise<Date> {
  const [clock] = await pool.query<RowDataPacket[]>('SELECT NOW(3) AS now');
  return clock[0]?.now as Date;
}

/** Active licenses recorded on this ledger, by id, with what the comparison needs from our side. */
export async function licensesToReconcile(
  pool: DbPool,
  ledger: LedgerKey,
  page: { after: string; limit: number },
): Promise<OffChainLicense[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT l.id, l.token_id, l.holder_org_id, l.prints_total, l.expires_at, l.prints_settled, l.revoked_at,
        EXISTS (SELECT 1 FROM print_jobs p JOIN settlements s ON s.id = p.settlement_id
                 WHERE p.license_id = l.id AND s.status IN ('open', 'submitted')) AS in_flight,
        (SELECT COUNT(*) FROM print_jobs p
          WHERE p.license_id = l.id AND p.counted = 1 AND p.settled_at IS NULL) AS unsettled,
        (SELECT MIN(p.completed_at) FROM print_jobs p
          WHERE p.license_id = l.id AND p.counted = 1 AND p.settled_at IS NULL) AS oldest_unsettled,
        (SELECT COUNT(*) FROM chain_events e
          WHERE e.chain_instance = ? AND e.token_id = l.token_id AND e.event_name = 'VoucherRedeemed'
            AND NOT EXISTS (SELECT 1 FROM print_jobs p
                             WHERE p.id = JSON_VALUE(e.args, '$.platformIds.jobId'))) AS orphan_vouchers
       FROM licenses l
      WHERE l.status = 'active' AND l.token_id IS NOT NULL AND l.chain_id = ?
        AND LOWER(l.ledger_address) = LOWER(?) AND l.id > ?
      ORDER BY l.id LIMIT ?`,
    [ledger.chainInstance, ledger.chainId, ledger.address, page.after, page.limit],
  );
  return rows.map((row) => ({
    id: String(row.id),
    tokenId: String(row.token_id),
    holder: orgChainAddress(String(row.holder_org_id)),
    printsTotal: Number(row.prints_total),
    expiresAt: Math.floor((row.expires_at as Date).getTime() / 1000),
    printsSettled: Number(row.prints_settled),
    revokedAt: (row.revoked_at as Date | null) ?? null,
    settlementInFlight: Number(row.in_flight) === 1,
    unsettled: {
      count: Number(row.unsettled),
      oldestCompletedAt: (row.oldest_unsettled as Date | null) ?? null,
    },
    vouchersWithoutJob: Number(row.orphan_vouchers),
  }));
}

/** LicenseIssued events on this ledger whose token id no license row carries. */
export async function unclaimedIssues(
  pool: DbPool,
  ledger: Pick<LedgerKey, 'chainInstance' | 'address'>,
): Promise<UnclaimedIssue[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT e.token_id, JSON_VALUE(e.args, '$.licenseRef') AS license_ref, e.block_number, e.tx_hash
       FROM chain_events e
      WHERE e.chain_instance = ? AND e.contract_address = LOWER(?) AND e.event_name = 'LicenseIssued'
        AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.token_id = e.token_id)
      ORDER BY e.block_number LIMIT 1000`,
    [ledger.chainInstance, ledger.address],
  );
  return rows.map((row) => ({
    tokenId: String(row.token_id),
    licenseRef: String(row.license_ref),
    blockNumber: Number(row.block_number),
    txHash: String(row.tx_hash),
  }));
}

/**
 * Revoked licenses of this ledger whose revocation is neither indexed from the chain nor carried
 * by a transaction that is pending or mined.
 */
export async function revocationsNotOnChain(
  pool: DbPool,
  ledger: Pick<LedgerKey, 'chainInstance' | 'address'>,
  options: { revokeAfterSeconds: number; purpose: string; limit: number },
): Promise<string[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT l.id FROM licenses l
      WHERE l.revoked_at IS NOT NULL AND l.revoked_at < NOW(3) - INTERVAL ? SECOND
        AND l.status = 'active' AND l.token_id IS NOT NULL AND LOWER(l.ledger_address) = LOWER(?)
        AND NOT EXISTS (SELECT 1 FROM chain_events e
                         WHERE e.chain_instance = ? AND e.token_id = l.token_id AND e.event_name = 'LicenseRevoked')
        AND NOT EXISTS (SELECT 1 FROM chain_transactions t
                         WHERE t.chain_instance = ? AND t.purpose = ? AND t.ref = l.id
                           AND t.status IN ('signed', 'sent', 'mined'))
      ORDER BY l.revoked_at LIMIT ?`,
    [
      options.revokeAfterSeconds,
      ledger.address,
      ledger.chainInstance,
      ledger.chainInstance,
      options.purpose,
      options.limit,
    ],
  );
  return rows.map((row) => String(row.id));
}
