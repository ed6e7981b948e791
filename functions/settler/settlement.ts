/**
 * Settlement: counted prints are written to LicenseLedger in batches, so the chain is the audit
 * record of what the platform authorised. Authorization never waits for this.
 *
 * One settler at a time sends (a named lock): settlement is not latency-critical, and a single
 * writer makes each license's usedBefore unambiguous. Every step is safe to repeat after a crash:
 * a settlement is recorded (jobs claimed) before its transaction exists, the transaction is found
 * again by its ref, and a license whose chain count differs from ours has its events read so that
 * no print already on chain is ever sent again.
 */
import type { JsonRpcProvider } from 'ethers';
import { log } from '#shared/base/log.ts';
import type { LicenseLedger, SettlementEntry } from '#shared/chain/license-ledger.ts';
import {
  type RelayedTransaction,
  TransactionRevertedError,
  type TxRelayer,
} from '#shared/chain/tx-relayer.ts';
import { withNamedLock } from '#shared/db/named-lock.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { idToBytes16 } from '#shared/ids.ts';
import { releaseExpiredGrants, settlementJobs } from '#shared/licenses/print-ledger.ts';
import { acknowledge, receiveNudges } from '#shared/licenses/settlement-queue.ts';
import {
  adoptSettledPrints,
  type LicenseToSettle,
  licensesToSettle,
  unsettledAmong,
  unsettledJobsOf,
} from '#shared/licenses/settlement-read-model.ts';
import {
  abandonSettlement,
  confirmSettlement,
  listUnfinishedSettlements,
  markSettlementSubmitted,
  openSettlement,
  type SettledPrints,
} from '#shared/licenses/settlement-repository.ts';
import type { WorkQueue } from '#shared/queue/work-queue.ts';
import { jobsCountedOnChain } from './settlement-chain.ts';

export const SETTLER_LOCK = 'forgecast:settler';
/** The relayer purpose of settlement transactions; their ref is the settlement id. */
export const SETTLEMENT_PURPOSE = 'settlement';

export interface SettlerDeps {
  readonly pool: DbPool;
  readonly relayer: TxRelayer;
  readonly ledger: LicenseLedger;
  /** For reading the ledger's events when a license's count needs explaining. */
  readonly provider: JsonRpcProvider;
  readonly queue: WorkQueue;
}

export interface SettlerLimits {
  /** Prints per batch. ~200 keeps settleBatch far below a block's gas limit. */
  readonly maxPrints: number;
  readonly maxLicenses: number;
  /** Counted prints older than this are settled even without a nudge (a nudge was lost). */
  readonly sweepAfterSeconds: number;
  /** How long one run waits for its batch to be mined; the next run picks it up otherwise. */
  readonly receiptWaitMs: number;
  /** Expired grants released per run. */
  readonly releaseLimit: number;
  readonly nudgeVisibilitySeconds: number;
}

export interface SettlerSummary {
  /** Expired grants whose print went back to the license. */
  released: number;
  /** Another settler holds the lock; this run did nothing else. */
  busy: boolean;
  /** Earlier settlements finished in this run. */
  earlier: { confirmed: number; adopted: number; requeued: number };
  /** A settlement still waiting for its transaction: no new batch until it lands. */
  waitingFor: number | null;
  batches: number;
  settledPrints: number;
  licenses: number;
  settlementId: number | null;
  txHash: string | null;
  /** Prints found already counted on chain and adopted instead of sent again. */
  adopted: number;
  /** The batch's dry run reverted (the contract's error name); its jobs were released. */
  refused: string | null;
  /** Licenses with prints to settle that the ledger does not know (chain reset?). */
  notOnChain: string[];
  nudges: { received: number; acknowledged: number };
}

/** Releases expired grants, then settles what it can, under the settler lock. */
export async function runSettler(deps: SettlerDeps, limits: SettlerLimits): Promise<SettlerSummary> {
  const summary = emptySummary();
  summary.released = await releaseExpiredGrants(deps.pool, { limit: limits.releaseLimit });
  let locked = false;
  try {
    await withNamedLock(deps.pool, SETTLER_LOCK, 0, async () => {
      locked = true;
      await settleExclusively(deps, limits, summary);
    });
  } catch (err) {
    if (locked || !(err instanceof DependencyUnavailableError)) throw err;
    summary.busy = true;
  }
  return summary;
}

async function settleExclusively(deps: SettlerDeps, limits: SettlerLimits, summary: SettlerSummary) {
  const requeued: string[] = [];
  summary.waitingFor = await finishEarlierSettlements(deps, summary, requeued);
  // A batch in flight may still change printsUsed; building another against it would only revert.
  if (summary.waitingFor !== null) return;

  const nudges = await receiveNudges(deps.queue, {
    maxJobs: limits.maxPrints,
    visibilitySeconds: limits.nudgeVisibilitySeconds,
  });
  const receipts = [...nudges.unreadable, ...[...nudges.receiptsByJob.values()].flat()];
  summary.nudges.received = receipts.length;
  // A nudge only says "settle this soon"; the sweep settles every counted print without one after
  // sweepAfterSeconds. So it is acknowledged on receipt: a run killed after receiving never hands
  // it back, where five such runs used to dead-letter it and page an operator for nothing.
  summary.nudges.acknowledged = await acknowledge(deps.queue, receipts);
  // Jobs released from a failed settlement go first: they have no nudge left to bring them back.
  await settleNewBatch(deps, limits, [...requeued, ...nudges.receiptsByJob.keys()], summary);
}

/**
 * Settlements an earlier run left open or submitted: confirmed when mined, recovered when
 * reverted or replaced, released when their transaction never went out. Returns the id of one
 * still in flight, if any.
 */
async function finishEarlierSettlements(
  deps: SettlerDeps,
  summary: SettlerSummary,
  requeued: string[],
): Promise<number | null> {
  for (const settlement of await listUnfinishedSettlements(deps.pool)) {
    const tx = (await deps.relayer.findByRef(SETTLEMENT_PURPOSE, String(settlement.id))).at(-1);
    if (tx === undefined) {
      // Never sent (a crash between claiming and submitting), or sent on a chain since reset.
      const error =
        settlement.status === 'open' ? 'never sent' : 'its transaction is not on this chain instance';
      const { released } = await abandonSettlement(deps.pool, settlement.id, { error });
      summary.earlier.requeued += released.length;
      requeued.push(...released);
      continue;
    }
    if (settlement.status === 'open') await markSettlementSubmitted(deps.pool, settlement.id, tx.id);
    const current = await deps.relayer.refresh(tx);
    if (current.status === 'mined') {
      summary.earlier.confirmed += countPrints(await confirmSettlement(deps.pool, settlement.id, current));
    } else if (current.status === 'reverted' || current.status === 'replaced') {
      const { adopted, released } = await recoverSettlement(deps, settlement.id, current);
      summary.earlier.adopted += adopted;
      summary.earlier.requeued += released.length;
      requeued.push(...released);
    } else {
      return settlement.id;
    }
  }
  return null;
}

/**
 * A settlement whose transaction did not land as sent is never simply sent again: the prints the
 * ledger counted anyway (an earlier, forgotten transaction) are adopted, the rest are released
 * to be rebuilt against a fresh printsUsed.
 */
async function recoverSettlement(deps: SettlerDeps, settlementId: number, tx: RelayedTransaction) {
  const jobs = await settlementJobs(deps.pool, settlementId);
  const adopt: string[] = [];
  for (const [tokenId, ofLicense] of groupBy(jobs, (job) => job.tokenId)) {
    const counted = await jobsCountedOnChain(deps.provider, deps.ledger, {
      tokenId,
      mintBlock: ofLicense[0]?.mintBlock ?? null,
    });
    adopt.push(...ofLicense.filter((job) => counted.has(job.id)).map((job) => job.id));
  }
  const { adopted, released } = await abandonSettlement(deps.pool, settlementId, {
    error: `transaction ${tx.hash} ${tx.status}`,
    adopt,
  });
  log.warn('settlement did not land; recovered', {
    settlementId,
    tx: tx.hash,
    status: tx.status,
    adopted: adopt.length,
    released: released.length,
  });
  return { adopted: countPrints(adopted), released };
}

interface PlannedLicense {
  readonly license: LicenseToSettle;
  readonly usedBefore: number;
  readonly jobIds: readonly string[];
}

async function settleNewBatch(
  deps: SettlerDeps,
  limits: SettlerLimits,
  nudgedJobIds: readonly string[],
  summary: SettlerSummary,
): Promise<void> {
  const plan = await planBatch(deps, limits, nudgedJobIds, summary);
  if (plan.length === 0) return;
  const opened = await openSettlement(
    deps.pool,
    plan.flatMap((entry) => entry.jobIds),
  );
  if (opened === undefined) return;

  const claimed = groupBy(opened.jobs, (job) => job.licenseId);
  const entries: SettlementEntry[] = plan.flatMap(({ license, usedBefore }) => {
    const jobs = claimed.get(license.id) ?? [];
    return jobs.length === 0
      ? []
      : [{ tokenId: license.tokenId, usedBefore, jobIds: jobs.map((job) => idToBytes16(job.id)) }];
  });
  summary.settlementId = opened.id;

  let tx: RelayedTransaction;
  try {
    tx = await deps.relayer.submit({
      to: deps.ledger.address,
      data: deps.ledger.encodeSettleBatch(entries),
      purpose: SETTLEMENT_PURPOSE,
      ref: String(opened.id),
    });
  } catch (err) {
    if (!(err instanceof TransactionRevertedError)) throw err; // left open: the next run decides
    // The chain moved since printsUsed was read (a voucher redeemed, say): rebuild next run.
    const refusal = deps.ledger.decodeRevert(err.data)?.name ?? 'unrecognised revert';
    await abandonSettlement(deps.pool, opened.id, { error: `dry run refused: ${refusal}` });
    summary.refused = refusal;
    return;
  }
  await markSettlementSubmitted(deps.pool, opened.id, tx.id);
  summary.batches = 1;
  summary.txHash = tx.hash;
  summary.licenses = entries.length;

  const landed = await deps.relayer.waitForReceipt(tx, limits.receiptWaitMs);
  if (landed.status === 'mined') {
    summary.settledPrints = countPrints(await confirmSettlement(deps.pool, opened.id, landed));
  } else if (landed.status === 'reverted' || landed.status === 'replaced') {
    const { adopted } = await recoverSettlement(deps, opened.id, landed);
    summary.adopted += adopted;
  } else {
    summary.waitingFor = opened.id;
  }
}

/**
 * Which prints go into the next batch, per license, with the chain's printsUsed as usedBefore.
 * A license whose chain count differs from prints_settled has its events read first, and any
 * of its prints already counted there are adopted rather than sent.
 */
async function planBatch(
  deps: SettlerDeps,
  limits: SettlerLimits,
  nudgedJobIds: readonly string[],
  summary: SettlerSummary,
): Promise<PlannedLicense[]> {
  const licenses = await licensesToSettle(deps.pool, {
    ledgerAddress: deps.ledger.address,
    nudgedJobIds,
    sweepAfterSeconds: limits.sweepAfterSeconds,
    limit: limits.maxLicenses,
  });
  const onChain = await Promise.all(licenses.map((license) => deps.ledger.licenseOf(license.tokenId)));
  const plan: PlannedLicense[] = [];
  let prints = 0;
  for (const [index, license] of licenses.entries()) {
    const record = onChain[index];
    if (record === undefined || !record.exists) {
      summary.notOnChain.push(license.id);
      continue;
    }
    if (record.printsUsed !== license.printsSettled) {
      const counted = await jobsCountedOnChain(deps.provider, deps.ledger, license);
      summary.adopted += countPrints(
        await adoptSettledPrints(deps.pool, await unsettledAmong(deps.pool, license.id, [...counted])),
      );
    }
    const room = Math.min(limits.maxPrints - prints, record.printsTotal - record.printsUsed);
    if (room <= 0) continue;
    const jobIds = await unsettledJobsOf(deps.pool, license.id, room);
    if (jobIds.length === 0) continue;
    plan.push({ license, usedBefore: record.printsUsed, jobIds });
    prints += jobIds.length;
  }
  return plan;
}

function countPrints(settled: readonly SettledPrints[]): number {
  return settled.reduce((sum, entry) => sum + entry.jobIds.length, 0);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function emptySummary(): SettlerSummary {
  return {
    released: 0,
    busy: false,
    earlier: { confirmed: 0, adopted: 0, requeued: 0 },
    waitingFor: null,
    batches: 0,
    settledPrints: 0,
    licenses: 0,
    settlementId: null,
    txHash: null,
    adopted: 0,
    refused: null,
    notOnChain: [],
    nudges: { received: 0, acknowledged: 0 },
  };
}
