import type { License } from '#shared/licenses/license.ts';
import { printsLeft } from '#shared/licenses/license.ts';
import type { ListedLicense } from '#shared/licenses/license-repository.ts';

export interface OnChainView {
  readonly reachable: boolean;
  readonly exists?: boolean;
  readonly printsUsed?: number;
  readonly revoked?: boolean;
}

/** Where the license stands on chain, in words an integrator can act on. */
function chainState(license: License): string {
  if (license.status === 'failed') return 'failed';
  if (license.status === 'active') return 'confirmed';
  return license.chain.mintTxHash ? 'submitted' : 'waiting_for_chain';
}

export function presentLicense(license: License, onChain?: OnChainView) {
  return {
    id: license.id,
    designId: license.designId,
    holderOrgId: license.holderOrgId,
    issuerOrgId: license.issuerOrgId,
    status: license.revokedAt ? 'revoked' : license.status,
    failureReason: license.failureReason,
    terms: {
      prints: license.printsTotal,
      expiresAt: license.expiresAt.toISOString(),
      failureAllowance: license.failureAllowance,
      printerIds: license.printerIds,
    },
    prints: {
      total: license.printsTotal,
      used: license.printsUsed,
      reserved: license.printsReserved,
      left: printsLeft(license),
      failuresRefunded: license.failuresRefunded,
      settledOnChain: license.printsSettled,
    },
    revocation: license.revokedAt
      ? { revokedAt: license.revokedAt.toISOString(), reason: license.revocationReason }
      : null,
    chain: {
      state: chainState(license),
      chainId: license.chain.chainId,
      ledger: license.chain.ledgerAddress,
      tokenId: license.chain.tokenId,
      transactionHash: license.chain.mintTxHash,
      blockNumber: license.chain.mintBlock,
      printerRoot: license.printerRoot,
      ...(onChain ? { live: onChain } : {}),
    },
    createdAt: license.createdAt.toISOString(),
    activatedAt: license.activatedAt?.toISOString() ?? null,
  };
}

/** A license in a list: the license plus the names of its design and both organisations. */
export function presentListedLicense({ license, names }: ListedLicense) {
  return {
    ...presentLicense(license),
    designName: names.design,
    issuerName: names.issuer,
    holderName: names.holder,
  };
}
