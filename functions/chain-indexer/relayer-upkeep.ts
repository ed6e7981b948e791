/**
 * The relayer's keeper: rebroadcasts what never reached the node, settles what was mined, and
 * runs again the license operations whose transaction reverted, was replaced, or never went out
 * (the chain was down when the API tried). Each step goes through the same idempotent domain
 * calls the API uses, so the keeper racing the API cannot mint or revoke twice.
 */
import { log } from '#shared/base/log.ts';
import { revocationsNotOnChain } from '#shared/ledger/ledger-read-model.ts';
import { advanceMint, type MintingDeps } from '#shared/licenses/license-minting.ts';
import { findLicense, listPendingLicenseIds } from '#shared/licenses/license-repository.ts';
import { pushRevocation } from '#shared/licenses/license-revocation.ts';

export interface UpkeepOptions {
  /** A pending license this old is nudged (its API call has had its chance). */
  readonly pendingAfterSeconds: number;
  /** A revocation this old that is not on chain is pushed again. */
  readonly revokeAfterSeconds: number;
  /** Licenses looked at per kind per run. */
  readonly limit: number;
}

export interface UpkeepSummary {
  readonly rebroadcast: number;
  readonly mined: number;
  readonly reverted: number;
  readonly replaced: number;
  readonly mintsAdvanced: number;
  readonly revocationsPushed: number;
  /** Operations that failed this run (logged); the next run tries again. */
  readonly failures: number;
}

const ISSUE = 'license.issue';
const REVOKE = 'license.revoke';

export async function keepRelayer(deps: MintingDeps, options: UpkeepOptions): Promise<UpkeepSummary> {
  const kept = await deps.relayer.keep();
  const refsOf = (purpose: string) => kept.failed.filter((tx) => tx.purpose === purpose).map((tx) => tx.ref);

  const mints = new Set([
    ...refsOf(ISSUE),
    ...(await listPendingLicenseIds(deps.pool, options.pendingAfterSeconds, options.limit)),
  ]);
  const revocations = new Set([
    ...refsOf(REVOKE),
    ...(await revocationsNotOnChain(
      deps.pool,
      { chainInstance: deps.relayer.chainInstance, address: deps.ledger.address },
      { revokeAfterSeconds: options.revokeAfterSeconds, purpose: REVOKE, limit: options.limit },
    )),
  ]);

  let failures = 0;
  let mintsAdvanced = 0;
  for (const licenseId of mints) {
    try {
      await advanceMint(deps, licenseId, 0);
      mintsAdvanced += 1;
    } catch (err) {
      failures += 1;
      log.warn('keeper could not advance a mint', { licenseId, error: err });
    }
  }
  let revocationsPushed = 0;
  for (const licenseId of revocations) {
    try {
      const license = await findLicense(deps.pool, licenseId);
      if (license !== undefined && (await pushRevocation(deps, license)) === 'submitted')
        revocationsPushed += 1;
    } catch (err) {
      failures += 1;
      log.warn('keeper could not push a revocation', { licenseId, error: err });
    }
  }
  return {
    rebroadcast: kept.rebroadcast,
    mined: kept.mined,
    reverted: kept.reverted,
    replaced: kept.replaced,
    mintsAdvanced,
    revocationsPushed,
    failures,
  };
}
