/**
 * The off-chain ledger compared with the chain, as a pure function: the caller gathers both
 * sides (database and LicenseLedger reads), this decides what counts as drift. Every rule
 * leaves room for work that is legitimately in flight (a settlement not yet confirmed, a
 * revocation not yet mined), so a report lists only what needs an operator.
 */
export type DriftKind =
  /** prints_settled (plus vouchers redeemed without a job row) differs from the chain's printsUsed. */
  | 'prints-settled-mismatch'
  /** Revoked on chain, still usable off chain. */
  | 'revoked-only-on-chain'
  /** Revoked off chain longer than the grace period, still valid on chain. */
  | 'revocation-not-on-chain'
  /** Active off chain with a token id the chain does not know (e.g. the chain was reset). */
  | 'missing-on-chain'
  /** Holder, prints or expiry differ between the two records. */
  | 'terms-mismatch'
  /** Counted prints that have waited for settlement longer than the threshold. */
  | 'prints-unsettled'
  /** A LicenseIssued event on this ledger that no license row claims. */
  | 'issued-without-license';

export interface DriftItem {
  readonly kind: DriftKind;
  readonly licenseId: string | null;
  readonly tokenId: string;
  readonly offChain: unknown;
  readonly onChain: unknown;
}

export interface OffChainLicense {
  readonly id: string;
  readonly tokenId: string;
  readonly holder: string;
  readonly printsTotal: number;
  /** Unix seconds, as the chain stores it. */
  readonly expiresAt: number;
  readonly printsSettled: number;
  readonly revokedAt: Date | null;
  /** A settlement of this license is open or submitted: prints_settled may trail the chain. */
  readonly settlementInFlight: boolean;
  /** Counted prints without settled_at, and when the oldest of them completed. */
  readonly unsettled: { readonly count: number; readonly oldestCompletedAt: Date | null };
  /** Vouchers redeemed on chain for jobs the database has no row for: on-chain prints only. */
  readonly vouchersWithoutJob: number;
}

export interface OnChainLicense {
  readonly exists: boolean;
  readonly holder: string;
  readonly printsTotal: number;
  readonly printsUsed: number;
  readonly expiresAt: number;
  readonly revoked: boolean;
}

export interface UnclaimedIssue {
  readonly tokenId: string;
  readonly licenseRef: string;
  readonly blockNumber: number;
  readonly txHash: string;
}

export interface ReconciliationInput {
  /** The database's clock, so ages agree with the timestamps they are computed from. */
  readonly now: Date;
  readonly revocationGraceSeconds: number;
  readonly unsettledAfterSeconds: number;
  readonly licenses: readonly { readonly offChain: OffChainLicense; readonly onChain: OnChainLicense }[];
  readonly unclaimedIssues: readonly UnclaimedIssue[];
}

export function findDrift(input: ReconciliationInput): DriftItem[] {
  const drift: DriftItem[] = [];
  for (const { offChain, onChain } of input.licenses) {
    drift.push(...licenseDrift(input, offChain, onChain));
  }
  for (const issue of input.unclaimedIssues) {
    drift.push({
      kind: 'issued-without-license',
      licenseId: null,
      tokenId: issue.tokenId,
      offChain: null,
      onChain: { licenseRef: issue.licenseRef, blockNumber: issue.blockNumber, txHash: issue.txHash },
    });
  }
  return drift;
}

function licenseDrift(input: ReconciliationInput, offChain: OffChainLicense, onChain: OnChainLicense) {
  const item = (kind: DriftKind, off: unknown, on: unknown): DriftItem => ({
    kind,
    licenseId: offChain.id,
    tokenId: offChain.tokenId,
    offChain: off,
    onChain: on,
  });
  const drift: DriftItem[] = [];
  const overdue = overdueUnsettled(input, offChain);
  if (overdue) drift.push(item('prints-unsettled', overdue, null));
  if (!onChain.exists) {
    drift.push(item('missing-on-chain', { status: 'active' }, { exists: false }));
    return drift;
  }

  const termsOff = {
    holder: offChain.holder.toLowerCase(),
    printsTotal: offChain.printsTotal,
    expiresAt: offChain.expiresAt,
  };
  const termsOn = {
    holder: onChain.holder.toLowerCase(),
    printsTotal: onChain.printsTotal,
    expiresAt: onChain.expiresAt,
  };
  if (
    termsOff.holder !== termsOn.holder ||
    termsOff.printsTotal !== termsOn.printsTotal ||
    termsOff.expiresAt !== termsOn.expiresAt
  ) {
    drift.push(item('terms-mismatch', termsOff, termsOn));
  }

  const expectedUsed = offChain.printsSettled + offChain.vouchersWithoutJob;
  if (!offChain.settlementInFlight && expectedUsed !== onChain.printsUsed) {
    drift.push(
      item(
        'prints-settled-mismatch',
        { printsSettled: offChain.printsSettled, vouchersWithoutJob: offChain.vouchersWithoutJob },
        { printsUsed: onChain.printsUsed },
      ),
    );
  }

  if (onChain.revoked && offChain.revokedAt === null) {
    drift.push(item('revoked-only-on-chain', { revoked: false }, { revoked: true }));
  }
  if (
    !onChain.revoked &&
    offChain.revokedAt !== null &&
    secondsBetween(offChain.revokedAt, input.now) > input.revocationGraceSeconds
  ) {
    drift.push(
      item(
        'revocation-not-on-chain',
        { revoked: true, revokedAt: offChain.revokedAt.toISOString() },
        { revoked: false },
      ),
    );
  }
  return drift;
}

function overdueUnsettled(input: ReconciliationInput, offChain: OffChainLicense) {
  const { count, oldestCompletedAt } = offChain.unsettled;
  if (count === 0 || oldestCompletedAt === null) return undefined;
  const waitedSeconds = secondsBetween(oldestCompletedAt, input.now);
  if (waitedSeconds <= input.unsettledAfterSeconds) return undefined;
  return { unsettledPrints: count, oldestCompletedAt: oldestCompletedAt.toISOString(), waitedSeconds };
}

function secondsBetween(earlier: Date, later: Date): number {
  return Math.floor((later.getTime() - earlier.getTime()) / 1000);
}
