/**
 * Gathers both sides of the ledger — license rows and LicenseLedger's records — hands them to
 * findDrift, and stores the report as one `ledger_reconciliations` row (GET
 * /v1/ledger/reconciliation shows the latest).
 */
import type { LicenseLedger } from '#shared/chain/license-ledger.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { databaseNow, licensesToReconcile, unclaimedIssues } from '#shared/ledger/ledger-read-model.ts';
import {
  type DriftItem,
  findDrift,
  type OffChainLicense,
  type OnChainLicense,
} from '#shared/ledger/reconciliation.ts';
import {
  insertReconciliationReport,
  reconciliationAgeMicros,
} from '#shared/ledger/reconciliation-reports.ts';

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
  const now = await databaseNow(deps.pool);
  const ledger = { chainInstance: deps.chainInstance, chainId: deps.chainId, address: deps.ledger.address };

  const licenses: { offChain: OffChainLicense; onChain: OnChainLicense }[] = [];
  let after = '';
  for (;;) {
    const page = await licensesToReconcile(deps.pool, ledger, { after, limit: PAGE });
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
    unclaimedIssues: await unclaimedIssues(deps.pool, ledger),
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
