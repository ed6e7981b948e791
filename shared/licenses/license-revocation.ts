import { TransactionRevertedError } from '../chain/tx-relayer.ts';
import { type DbPool, withTransaction } from '../db/pool.ts';
import type { License } from './license.ts';
import type { MintingDeps } from './license-minting.ts';
import { markLicenseRevoked } from './license-repository.ts';

/**
 * Revokes at once where it matters — authorization reads this row — and records the domain
 * event. Returns false when it was already revoked (the first reason stands).
 */
export async function revokeLicense(pool: DbPool, license: License, reason: string): Promise<boolean> {
  return withTransaction(pool, (connection) =>
    markLicenseRevoked(connection, { id: license.id, tokenId: license.chain.tokenId }, reason),
  );
}

export type ChainRevocation = 'submitted' | 'already-on-chain' | 'not-issued';

/**
 * Writes a revocation to the ledger. Safe to repeat (the keeper does until it lands): a revoke
 * already sent is not sent again, and the contract's AlreadyRevoked answer counts as done.
 */
export async function pushRevocation(deps: MintingDeps, license: License): Promise<ChainRevocation> {
  if (license.status !== 'active' || license.chain.tokenId === null) return 'not-issued';
  const earlier = await deps.relayer.findByRef('license.revoke', license.id);
  if (earlier.some((tx) => tx.status === 'mined')) return 'already-on-chain';
  if (earlier.some((tx) => tx.status === 'signed' || tx.status === 'sent')) return 'submitted';
  try {
    await deps.relayer.submit({
      to: deps.ledger.address,
      data: deps.ledger.encodeRevoke(license.chain.tokenId),
      purpose: 'license.revoke',
      ref: license.id,
    });
    return 'submitted';
  } catch (err) {
    if (
      err instanceof TransactionRevertedError &&
      deps.ledger.decodeRevert(err.data)?.name === 'AlreadyRevoked'
    ) {
      return 'already-on-chain';
    }
    throw err;
  }
}
