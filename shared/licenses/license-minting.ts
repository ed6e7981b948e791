import type { LicenseLedger } from '../chain/license-ledger.ts';
import { orgChainAddress } from '../chain/org-address.ts';
import { type RelayedTransaction, TransactionRevertedError, type TxRelayer } from '../chain/tx-relayer.ts';
import { withNamedLock } from '../db/named-lock.ts';
import { type DbPool, withTransaction } from '../db/pool.ts';
import { idToBytes16 } from '../ids.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { License } from './license.ts';
import {
  findLicense,
  markLicenseActive,
  markLicenseFailed,
  recordLicenseToken,
  recordMintSubmission,
} from './license-repository.ts';

export interface MintingDeps {
  readonly pool: DbPool;
  readonly relayer: TxRelayer;
  readonly ledger: LicenseLedger;
  /** Counts `licenses_minted` when a license becomes active; absent, nothing is counted. */
  readonly metrics?: Metrics;
}

const ZERO_ROOT = `0x${'0'.repeat(64)}`;
/** Long enough for a queued caller to see the first one's receipt wait through. */
const MINT_LOCK_SECONDS = 30;

/** The on-chain id of a license: derived from its terms, so it is known before anything is sent. */
export function tokenIdOf(ledger: LicenseLedger, license: License): string {
  return ledger.licenseIdOf(
    idToBytes16(license.id),
    idToBytes16(license.designId),
    license.printerRoot ?? ZERO_ROOT,
  );
}

/**
 * Moves a pending license one step towards `active`, safely repeatable from any instance: the
 * API call that created it, a client retrying with the same Idempotency-Key, or the keeper.
 * One caller at a time per license (a named lock); a transaction already sent is awaited, never
 * resent; a reverted or replaced one is resubmitted, and the contract's LicenseExists guard
 * makes a second issue impossible, so "retry" can never mean "mint twice".
 *
 * Returns the license as it stands after waiting up to `waitMs` for the receipt.
 */
export async function advanceMint(deps: MintingDeps, licenseId: string, waitMs: number): Promise<License> {
  return withNamedLock(deps.pool, `forgecast:mint:${licenseId}`, MINT_LOCK_SECONDS, async () => {
    const license = await requireLicense(deps, licenseId);
    if (license.status !== 'pending') return license;

    if (license.chain.mintTxId !== null) {
      const tx = await deps.relayer.waitForReceipt(license.chain.mintTxId, waitMs);
      const sameChain = tx.chainInstance === deps.relayer.chainInstance;
      if (sameChain && tx.status === 'mined') return activate(deps, license, tx);
      if (sameChain && (tx.status === 'signed' || tx.status === 'sent')) return license;
      // Reverted, replaced, or sent to a chain that was reset since (the local EDR chain at every
      // start): the dry run below says whether it is already issued here or why not.
    }

    if (license.revokedAt !== null) {
      // Revoked before any transaction went out: never put it on chain.
      await fail(deps, license, 'revoked before it was issued');
      return requireLicense(deps, licenseId);
    }
    const submitted = await submitIssue(deps, license);
    if (submitted.kind === 'done') return submitted.license;
    const tx = await deps.relayer.waitForReceipt(submitted.tx, waitMs);
    if (tx.status === 'mined') return activate(deps, license, tx);
    return requireLicense(deps, licenseId);
  });
}

type Submission = { kind: 'sent'; tx: RelayedTransaction } | { kind: 'done'; license: License };

async function submitIssue(deps: MintingDeps, license: License): Promise<Submission> {
  const tokenId = tokenIdOf(deps.ledger, license);
  let tx: RelayedTransaction;
  try {
    tx = await deps.relayer.submit({
      to: deps.ledger.address,
      data: deps.ledger.encodeIssue({
        licenseRef: idToBytes16(license.id),
        designId: idToBytes16(license.designId),
        holder: orgChainAddress(license.holderOrgId),
        prints: license.printsTotal,
        expiresAt: Math.floor(license.expiresAt.getTime() / 1000),
        printerRoot: license.printerRoot ?? ZERO_ROOT,
      }),
      purpose: 'license.issue',
      ref: license.id,
    });
  } catch (err) {
    if (!(err instanceof TransactionRevertedError)) throw err;
    const reverted = deps.ledger.decodeRevert(err.data);
    if (reverted?.name === 'LicenseExists') {
      // An earlier attempt landed (e.g. its receipt was never seen): adopt it.
      const mined = (await deps.relayer.findByRef('license.issue', license.id)).find(
        (candidate) => candidate.status === 'mined',
      );
      return { kind: 'done', license: await activate(deps, license, mined ?? null, tokenId) };
    }
    await fail(
      deps,
      license,
      reverted ? `chain refused the license: ${reverted.name}` : 'chain refused the license',
    );
    return { kind: 'done', license: await requireLicense(deps, license.id) };
  }
  await recordMintSubmission(deps.pool, license.id, {
    chainId: deps.relayer.chainId,
    ledgerAddress: deps.ledger.address,
    tokenId,
    txId: tx.id,
    txHash: tx.hash,
  });
  return { kind: 'sent', tx };
}

async function fail(deps: MintingDeps, license: License, reason: string): Promise<void> {
  await withTransaction(deps.pool, (connection) => markLicenseFailed(connection, license.id, reason));
}

/** GET's view: picks up a receipt that has arrived since, without ever sending anything. */
export async function refreshMint(deps: MintingDeps, license: License): Promise<License> {
  if (license.status !== 'pending' || license.chain.mintTxId === null) return license;
  const tx = await deps.relayer.refresh(license.chain.mintTxId);
  return tx.status === 'mined' ? activate(deps, license, tx) : license;
}

async function activate(
  deps: MintingDeps,
  license: License,
  tx: RelayedTransaction | null,
  tokenId = tokenIdOf(deps.ledger, license),
): Promise<License> {
  const minted = await withTransaction(deps.pool, async (connection) => {
    await recordLicenseToken(connection, license.id, {
      chainId: deps.relayer.chainId,
      ledgerAddress: deps.ledger.address,
      tokenId,
      mintTxId: tx?.id ?? null,
    });
    return markLicenseActive(connection, license, {
      tokenId,
      txHash: tx?.hash ?? null,
      blockNumber: tx?.blockNumber ?? null,
    });
  });
  // After the commit, and only for the caller that made it active: a replay or a second
  // instance finding it already active counts nothing.
  if (minted) deps.metrics?.count('licenses_minted');
  return requireLicense(deps, license.id);
}

async function requireLicense(deps: MintingDeps, id: string): Promise<License> {
  const license = await findLicense(deps.pool, id);
  if (!license) throw new Error(`license ${id} vanished`);
  return license;
}
