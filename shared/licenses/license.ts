/** A license as the platform keeps it: terms, the off-chain print ledger and its chain state. */
export type LicenseStatus = 'pending' | 'active' | 'failed';

export interface LicenseTerms {
  readonly designId: string;
  readonly holderOrgId: string;
  readonly printsTotal: number;
  readonly expiresAt: Date;
  readonly failureAllowance: number;
  /** Empty: any printer of the holder. */
  readonly printerIds: readonly string[];
}

export interface LicenseChainState {
  readonly chainId: number | null;
  readonly ledgerAddress: string | null;
  readonly tokenId: string | null;
  readonly mintTxId: number | null;
  readonly mintTxHash: string | null;
  readonly mintBlock: number | null;
}

export interface License extends LicenseTerms {
  readonly id: string;
  readonly issuerOrgId: string;
  readonly idempotencyKey: string;
  readonly requestSha256: Buffer;
  readonly printsUsed: number;
  readonly printsReserved: number;
  readonly failuresRefunded: number;
  readonly printsSettled: number;
  /** Merkle root of the approved printers (0x…), or null for any printer of the holder. */
  readonly printerRoot: string | null;
  readonly status: LicenseStatus;
  readonly failureReason: string | null;
  readonly revokedAt: Date | null;
  readonly revocationReason: string | null;
  readonly chain: LicenseChainState;
  readonly createdAt: Date;
  readonly activatedAt: Date | null;
}

export function printsLeft(license: Pick<License, 'printsTotal' | 'printsUsed' | 'printsReserved'>): number {
  return Math.max(0, license.printsTotal - license.printsUsed - license.printsReserved);
}

/** Largest print count and expiry the on-chain record can hold (uint24, uint40 seconds). */
export const MAX_PRINTS = 2 ** 24 - 1;
export const MAX_EXPIRY_SECONDS = 2 ** 40 - 1;
