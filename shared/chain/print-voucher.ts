/**
 * EIP-712 print vouchers for offline printers: the platform signs one per print job in advance;
 * the printer checks the signature and its own clock against `notAfter` before printing, with no
 * network; anyone may later redeem the voucher on LicenseLedger, which counts the print.
 *
 * ethers is imported lazily: vouchers are signed inside HTTP functions, which must not load it at
 * cold start.
 */
import type { Signer, TypedDataDomain, TypedDataField } from 'ethers';

export interface PrintVoucher {
  /** The license, 0x + 64 hex. */
  readonly tokenId: string;
  /** The print job (bytes16 of its ULID); a job's voucher is redeemable once. */
  readonly jobId: string;
  /** The printer (bytes16 of its ULID) the voucher is valid on. */
  readonly printerId: string;
  /** Unix seconds: the last moment the printer may start the print; at most the license's expiry. */
  readonly notAfter: number;
}

export class PrintVoucherSignatureError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrintVoucherSignatureError';
  }
}

/** Must match the EIP712 constructor arguments of contracts/LicenseLedger.sol. */
const DOMAIN_NAME = 'ForgecastLicenseLedger';
const DOMAIN_VERSION = '1';
const UINT40_MAX = 2 ** 40 - 1;

export const PRINT_VOUCHER_TYPES: Record<string, TypedDataField[]> = {
  PrintVoucher: [
    { name: 'tokenId', type: 'uint256' },
    { name: 'jobId', type: 'bytes16' },
    { name: 'printerId', type: 'bytes16' },
    { name: 'notAfter', type: 'uint40' },
  ],
};

export function printVoucherDomain(ledgerAddress: string, chainId: number): TypedDataDomain {
  return { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: ledgerAddress };
}

function checkedVoucher(voucher: PrintVoucher): Record<string, unknown> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(voucher.tokenId)) throw new RangeError('tokenId is not 32 bytes of hex');
  for (const [name, value] of [
    ['jobId', voucher.jobId],
    ['printerId', voucher.printerId],
  ] as const) {
    if (!/^0x[0-9a-fA-F]{32}$/.test(value)) throw new RangeError(`${name} is not 16 bytes of hex`);
  }
  if (!Number.isSafeInteger(voucher.notAfter) || voucher.notAfter < 0 || voucher.notAfter > UINT40_MAX) {
    throw new RangeError('notAfter is not a uint40 of unix seconds');
  }
  return {
    tokenId: voucher.tokenId,
    jobId: voucher.jobId,
    printerId: voucher.printerId,
    notAfter: voucher.notAfter,
  };
}

/** Signs `voucher` for the ledger at `ledgerAddress`; the signer needs VOUCHER_SIGNER_ROLE there. */
export async function signPrintVoucher(
  signer: Pick<Signer, 'signTypedData'>,
  ledgerAddress: string,
  chainId: number,
  voucher: PrintVoucher,
): Promise<string> {
  return signer.signTypedData(
    printVoucherDomain(ledgerAddress, chainId),
    PRINT_VOUCHER_TYPES,
    checkedVoucher(voucher),
  );
}

/**
 * The address that signed `voucher` (what an offline printer runs). The caller compares it with the
 * platform's voucher signer; a wrong domain or a changed field yields some other address.
 */
export async function verifyPrintVoucher(
  ledgerAddress: string,
  chainId: number,
  voucher: PrintVoucher,
  signature: string,
): Promise<string> {
  const { verifyTypedData } = await import('ethers');
  const value = checkedVoucher(voucher);
  try {
    return verifyTypedData(printVoucherDomain(ledgerAddress, chainId), PRINT_VOUCHER_TYPES, value, signature);
  } catch (err) {
    throw new PrintVoucherSignatureError('The voucher signature is malformed', { cause: err });
  }
}

/** The EIP-712 hash that is signed; equals LicenseLedger.voucherDigest(voucher). */
export async function printVoucherDigest(
  ledgerAddress: string,
  chainId: number,
  voucher: PrintVoucher,
): Promise<string> {
  const { TypedDataEncoder } = await import('ethers');
  return TypedDataEncoder.hash(
    printVoucherDomain(ledgerAddress, chainId),
    PRINT_VOUCHER_TYPES,
    checkedVoucher(voucher),
  );
}
