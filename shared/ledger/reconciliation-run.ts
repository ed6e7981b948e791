/**
 * Gathers both sides of the ledger — license rows and LicenseLedger's records — hands them to
 * findDrift, and stores the report as one `ledger_reconciliations` row (GET
 * /v1/ledger/reconciliation shows the latest).
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { LicenseLedger } from '../chain/license-ledger.ts';
import { orgChainAddress } from '../chain/org-address.ts';
import type { DbPool } from '../db/pool.ts';
import {
  type DriftItem,
  findDrift,
  type OffChainLicense,
  type OnChainLicense,
  type UnclaimedIssue,
} from './reconciliation.ts';
import { insertReconciliationReport, reconciliationAgeMicros } from './reconciliation-reports.ts';

export interface ReconcileDeps {
  readonly pool: DbPool;
  readonly ledger: LicenseLedger;
  readonly chainInstance: string;
  readonly chainId: number;
}

export interface ReconcileOptions {
  /** At most one report per this many seconds (0: every run). */
  readonly everySeconds: number;
  readonly revocationGraceSeconds: number;
  readonly unsettledAfterSeconds: number;
}

export type ReconcileOutcome =
  | { readonly ran: false }
  | {
      readonly ran: true;
      readonly id: number;
      readonly licensesChecked: number;
      readonly driftCount: number;
      readonly drift: readonly DriftItem[];
    };

const PAGE = 500;
/** Parallel licenseOf reads: enough to hide latency, few enough not to flood the node. */
const READ_CONCURRENCY = 16;

export async function reconcileIfDue(
  deps: ReconcileDeps,
  options: ReconcileOptions,
  head: number,
): Promise<ReconcileOutcome> {
  if (!(await isDue(deps, options.everySeconds))) return { ran: false };
  const [clock] = await deps.pool.query<RowDataPacket[]>('SELECT NOW(3) AS now');
  const now = clock[0]?.now as Date;

  const licenses: { offChain: OffChainLicense; onChain: OnChainLicense }[] = [];
  let after = '';
  for (;;) {
    const page = await offChainPage(deps, after);
    const onChain = await readOnChain(deps.ledger, page);
    page.forEach((offChain, index) => {
      const record = onChain[index];
      if (record !== undefined) licenses.push({ offChain, onChain: record });
    });
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE) break;
    after = last.id;
  }

  const drift = findDrift({
    now,
    revocationGraceSeconds: options.revocationGraceSeconds,
    unsettledAfterSeconds: options.unsettledAfterSeconds,
    licenses,
    unclaimedIssues: await unclaimedIssues(deps),
  });
  const id = await insertReconciliationReport(deps.pool, {
    chainInstance: deps.chainInstance,
    headBlock: head,
    licensesChecked: licenses.length,
    drift,
  });
  return {
    ran: true,
    id,
    licensesChecked: licenses.length,
    driftCount: drift.length,
    drift,
  };
}

async function isDue(deps: ReconcileDeps, everySeconds: number): Promise<boolean> {
  if (everySeconds <= 0) return true;
  const age = await reconciliationAgeMicros(deps.pool, deps.chainInstance);
  return age === null || age >= everySeconds * 1_000_000;
}

/** Active licenses recorded on this ledger, by id, with what the comparison needs from our side. */
async function offChainPage(deps: ReconcileDeps, after: string): Promise<OffChainLicense[]> {
  const [rows] = await deps.pool.query<RowDataPacket[]>(
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
    [deps.chainInstance, deps.chainId, deps.ledger.address, after, PAGE],
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

async function readOnChain(
  ledger: LicenseLedger,
  page: readonly OffChainLicense[],
): Promise<OnChainLicense[]> {
  const records: OnChainLicense[] = [];
  for (let start = 0; start < page.length; start += READ_CONCURRENCY) {
    const slice = page.slice(start, start + READ_CONCURRENCY);
    const read = await Promise.all(slice.map((license) => ledger.licenseOf(license.tokenId)));
    records.push(
      ...read.map((record) => ({
        exists: record.exists,
        holder: record.holder,
        printsTotal: record.printsTotal,
        printsUsed: record.printsUsed,
        expiresAt: Math.floor(record.expiresAt.getTime() / 1000),
        revoked: record.revoked,
      })),
    );
  }
  return records;
}

/** LicenseIssued events on this ledger whose token id no license row carries. */
async function unclaimedIssues(deps: ReconcileDeps): Promise<UnclaimedIssue[]> {
  const [rows] = await deps.pool.query<RowDataPacket[]>(
    `SELECT e.token_id, JSON_VALUE(e.args, '$.licenseRef') AS license_ref, e.block_number, e.tx_hash
       FROM chain_events e
      WHERE e.chain_instance = ? AND e.contract_address = LOWER(?) AND e.event_name = 'LicenseIssued'
        AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.token_id = e.token_id)
      ORDER BY e.block_number LIMIT 1000`,
    [deps.chainInstance, deps.ledger.address],
  );
  return rows.map((row) => ({
    tokenId: String(row.token_id),
    licenseRef: String(row.license_ref),
    blockNumber: Number(row.block_number),
    txHash: String(row.tx_hash),
  }));
}
