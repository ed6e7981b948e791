import type { Contract, Interface, Result } from 'ethers';
import { DependencyUnavailableError } from '../errors.ts';
import type { PrintVoucher } from './print-voucher.ts';
import type { ChainClient } from './provider.ts';

/**
 * LicenseLedger's interface, written out so functions need no artifact files at run time (they are
 * bundled); test/integration/shared/chain/license-ledger.test.ts checks it against the compiled ABI.
 */
export const LICENSE_LEDGER_ABI = [
  'function MINTER_ROLE() view returns (bytes32)',
  'function SETTLER_ROLE() view returns (bytes32)',
  'function VOUCHER_SIGNER_ROLE() view returns (bytes32)',
  'function hasRole(bytes32 role, address account) view returns (bool)',
  'function grantRole(bytes32 role, address account)',
  'function licenseIdOf(bytes16 licenseRef, bytes16 designId, bytes32 printerRoot) pure returns (uint256 tokenId)',
  'function issue(bytes16 licenseRef, bytes16 designId, address holder, uint24 prints, uint40 expiresAt, bytes32 printerRoot) returns (uint256 tokenId)',
  'function revoke(uint256 tokenId)',
  'function settle(uint256 tokenId, uint24 usedBefore, bytes16[] jobIds)',
  'function settleBatch(tuple(uint256 tokenId, uint24 usedBefore, bytes16[] jobIds)[] settlements)',
  'function redeemVoucher(tuple(uint256 tokenId, bytes16 jobId, bytes16 printerId, uint40 notAfter) voucher, tuple(bytes16 licenseRef, bytes16 designId, bytes32 printerRoot) terms, bytes32[] printerProof, bytes signature)',
  'function licenseOf(uint256 tokenId) view returns (tuple(address holder, uint24 printsTotal, uint24 printsUsed, uint40 expiresAt, bool revoked))',
  'function voucherRedeemed(bytes16 jobId) view returns (bool)',
  'function voucherDigest(tuple(uint256 tokenId, bytes16 jobId, bytes16 printerId, uint40 notAfter) voucher) view returns (bytes32)',
  'event LicenseIssued(bytes16 indexed licenseRef, bytes16 indexed designId, uint256 license, bytes32 printerRoot)',
  'event LicenseRevoked(uint256 indexed tokenId)',
  'event PrintsSettled(uint256 indexed tokenId, uint24 usedBefore, bytes16[] jobIds)',
  'event VoucherRedeemed(uint256 indexed tokenId, bytes16 indexed jobId, bytes16 printerId)',
  'error InvalidAdmin()',
  'error InvalidTerms()',
  'error LicenseExists(uint256 tokenId)',
  'error UnknownLicense(uint256 tokenId)',
  'error AlreadyRevoked(uint256 tokenId)',
  'error SettlementOutOfOrder(uint256 tokenId, uint24 expectedUsed, uint24 actualUsed)',
  'error PrintsExhausted(uint256 tokenId, uint24 printsLeft, uint256 requested)',
  'error EmptySettlement()',
  'error TermsMismatch(uint256 voucherTokenId, uint256 termsTokenId)',
  'error InvalidVoucherSigner(address signer)',
  'error VoucherAlreadyRedeemed(bytes16 jobId)',
  'error VoucherOutlivesLicense(uint256 tokenId, uint40 notAfter, uint40 expiresAt)',
  'error PrinterNotApproved(uint256 tokenId, bytes16 printerId)',
  'error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)',
] as const;

/** Topic 0 of LicenseIssued(bytes16,bytes16,uint256,bytes32). */
export const LICENSE_ISSUED_TOPIC = '0xa3cc81f023417735d5a88ab0e1f2ff6300bf322514a41d5c014a1045a22f28cf';
/** Topic 0 of LicenseRevoked(uint256). */
export const LICENSE_REVOKED_TOPIC = '0xf8ecc300d4504a2b49692052f138b7e697df679cf0580522720ce405bd01be55';
/** Topic 0 of PrintsSettled(uint256,uint24,bytes16[]). */
export const PRINTS_SETTLED_TOPIC = '0xd220bc44a0f9ec84020c2e74712fae3f9fa5dcfa250192129ba1aa54c6d36e06';
/** Topic 0 of VoucherRedeemed(uint256,bytes16,bytes16). */
export const VOUCHER_REDEEMED_TOPIC = '0x945eef750f3c692382e860f8225ca5001648e498682b55ffc2f16edb2ca079d5';

export interface IssueTerms {
  /** bytes16 hex (idToBytes16 of the license's ULID). */
  readonly licenseRef: string;
  /** bytes16 hex of the design's ULID. */
  readonly designId: string;
  readonly holder: string;
  readonly prints: number;
  /** A Date, or unix seconds; must lie in the future when the transaction is mined. */
  readonly expiresAt: Date | number;
  /** printer-set.ts printerRoot(); all zeros for any printer of the holder. */
  readonly printerRoot: string;
}

export interface SettlementEntry {
  readonly tokenId: string;
  /** The license's printsUsed this settlement was computed against (compare-and-swap). */
  readonly usedBefore: number;
  /** bytes16 hex of the print jobs' ULIDs, one per print. */
  readonly jobIds: readonly string[];
}

export interface VoucherTerms {
  readonly licenseRef: string;
  readonly designId: string;
  readonly printerRoot: string;
}

export interface OnChainLicense {
  readonly exists: boolean;
  readonly holder: string;
  readonly printsTotal: number;
  readonly printsUsed: number;
  readonly expiresAt: Date;
  readonly revoked: boolean;
}

/**
 * Decoded events carry every term by name. LicenseIssued logs fewer fields than this (see the
 * contract's event): its token id and its holder, prints and expiry are decoded back here.
 */
interface EventArgs {
  LicenseIssued: {
    tokenId: string;
    licenseRef: string;
    designId: string;
    holder: string;
    prints: number;
    expiresAt: Date;
    printerRoot: string;
  };
  LicenseRevoked: { tokenId: string };
  PrintsSettled: { tokenId: string; usedBefore: number; jobIds: string[] };
  VoucherRedeemed: { tokenId: string; jobId: string; printerId: string };
}

type NoArgs = Record<string, never>;
interface RevertArgs {
  InvalidAdmin: NoArgs;
  InvalidTerms: NoArgs;
  LicenseExists: { tokenId: string };
  UnknownLicense: { tokenId: string };
  AlreadyRevoked: { tokenId: string };
  SettlementOutOfOrder: { tokenId: string; expectedUsed: number; actualUsed: number };
  PrintsExhausted: { tokenId: string; printsLeft: number; requested: number };
  EmptySettlement: NoArgs;
  TermsMismatch: { voucherTokenId: string; termsTokenId: string };
  InvalidVoucherSigner: { signer: string };
  VoucherAlreadyRedeemed: { jobId: string };
  VoucherOutlivesLicense: { tokenId: string; notAfter: Date; expiresAt: Date };
  PrinterNotApproved: { tokenId: string; printerId: string };
  AccessControlUnauthorizedAccount: { account: string; neededRole: string };
}

export type LicenseLedgerEvent = { [N in keyof EventArgs]: { name: N; args: EventArgs[N] } }[keyof EventArgs];
export type LicenseLedgerRevert = {
  [N in keyof RevertArgs]: { name: N; args: RevertArgs[N] };
}[keyof RevertArgs];

export interface LogLike {
  readonly topics: readonly string[];
  readonly data: string;
  /** When given, logs of other contracts decode to undefined. */
  readonly address?: string;
}

const BYTES16 = /^0x[0-9a-fA-F]{32}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const TOKEN_ID_NAMES = new Set(['tokenId', 'voucherTokenId', 'termsTokenId']);
const COUNT_NAMES = new Set([
  'prints',
  'usedBefore',
  'expectedUsed',
  'actualUsed',
  'printsLeft',
  'requested',
]);
const TIME_NAMES = new Set(['expiresAt', 'notAfter']);

function bytes16(name: string, value: string): string {
  if (!BYTES16.test(value)) throw new RangeError(`${name} is not 16 bytes of hex`);
  return value.toLowerCase();
}

/** Token ids travel as 0x + 64 lowercase hex. */
function tokenIdHex(value: string | bigint): string {
  if (typeof value === 'bigint') return `0x${value.toString(16).padStart(64, '0')}`;
  if (!BYTES32.test(value)) throw new RangeError('tokenId is not 32 bytes of hex');
  return value.toLowerCase();
}

function uint(name: string, value: number, bits: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new RangeError(`${name} is not a uint${bits}`);
  }
  return value;
}

function unixSeconds(time: Date | number): number {
  return uint('expiresAt', typeof time === 'number' ? time : Math.floor(time.getTime() / 1000), 40);
}

/** ABI values as the wrapper hands them out: hex token ids, numbers for counts, Dates for times. */
function plainArgs(names: readonly string[], values: Result): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [index, name] of names.entries()) {
    const value: unknown = values[index];
    if (TOKEN_ID_NAMES.has(name)) args[name] = tokenIdHex(value as bigint);
    else if (COUNT_NAMES.has(name)) args[name] = Number(value);
    else if (TIME_NAMES.has(name)) args[name] = new Date(Number(value) * 1000);
    else if (name === 'jobIds') args[name] = (value as Result).toArray();
    else args[name] = value;
  }
  return args;
}

/**
 * The revert data carried by an ethers error (a failed estimate, call or send), if any; what
 * {@link LicenseLedger.decodeRevert} takes.
 */
export function revertDataOf(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === 'string' && /^0x[0-9a-fA-F]*$/.test(data) && data.length >= 10) return data;
    current =
      (current as { error?: unknown; cause?: unknown }).error ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

type EthersModule = typeof import('ethers');

export class LicenseLedger {
  readonly address: string;
  private readonly contract: Contract;
  private readonly abi: Interface;
  private readonly ethers: EthersModule;

  private constructor(ethers: EthersModule, contract: Contract, address: string) {
    this.ethers = ethers;
    this.contract = contract;
    this.abi = contract.interface;
    this.address = address;
  }

  static async connect(client: ChainClient, address: string): Promise<LicenseLedger> {
    const ethers = await import('ethers');
    const contract = new ethers.Contract(address, LICENSE_LEDGER_ABI, client.provider);
    return new LicenseLedger(ethers, contract, ethers.getAddress(address));
  }

  /** The token id LicenseLedger.licenseIdOf computes, without a call. */
  licenseIdOf(licenseRef: string, designId: string, printerRoot: string): string {
    if (!BYTES32.test(printerRoot)) throw new RangeError('printerRoot is not 32 bytes of hex');
    const encoded = this.ethers.AbiCoder.defaultAbiCoder().encode(
      ['bytes16', 'bytes16', 'bytes32'],
      [bytes16('licenseRef', licenseRef), bytes16('designId', designId), printerRoot],
    );
    return this.ethers.keccak256(encoded);
  }

  encodeIssue(terms: IssueTerms): string {
    if (!BYTES32.test(terms.printerRoot)) throw new RangeError('printerRoot is not 32 bytes of hex');
    return this.abi.encodeFunctionData('issue', [
      bytes16('licenseRef', terms.licenseRef),
      bytes16('designId', terms.designId),
      this.ethers.getAddress(terms.holder),
      uint('prints', terms.prints, 24),
      unixSeconds(terms.expiresAt),
      terms.printerRoot,
    ]);
  }

  encodeRevoke(tokenId: string): string {
    return this.abi.encodeFunctionData('revoke', [tokenIdHex(tokenId)]);
  }

  encodeSettle(settlement: SettlementEntry): string {
    const [tokenId, usedBefore, jobIds] = this.settlementTuple(settlement);
    return this.abi.encodeFunctionData('settle', [tokenId, usedBefore, jobIds]);
  }

  /** One transaction for many licenses; the ledger applies all entries or none. */
  encodeSettleBatch(settlements: readonly SettlementEntry[]): string {
    return this.abi.encodeFunctionData('settleBatch', [settlements.map((s) => this.settlementTuple(s))]);
  }

  encodeRedeemVoucher(
    voucher: PrintVoucher,
    terms: VoucherTerms,
    printerProof: readonly string[],
    signature: string,
  ): string {
    return this.abi.encodeFunctionData('redeemVoucher', [
      this.voucherTuple(voucher),
      [bytes16('licenseRef', terms.licenseRef), bytes16('designId', terms.designId), terms.printerRoot],
      [...printerProof],
      signature,
    ]);
  }

  async licenseOf(tokenId: string): Promise<OnChainLicense> {
    const license = (await this.call(() => this.contract.getFunction('licenseOf')(tokenIdHex(tokenId)))) as {
      holder: string;
      printsTotal: bigint;
      printsUsed: bigint;
      expiresAt: bigint;
      revoked: boolean;
    };
    return {
      exists: license.holder !== this.ethers.ZeroAddress,
      holder: license.holder,
      printsTotal: Number(license.printsTotal),
      printsUsed: Number(license.printsUsed),
      expiresAt: new Date(Number(license.expiresAt) * 1000),
      revoked: license.revoked,
    };
  }

  async voucherRedeemed(jobId: string): Promise<boolean> {
    const jobIdHex = bytes16('jobId', jobId);
    return (await this.call(() => this.contract.getFunction('voucherRedeemed')(jobIdHex))) as boolean;
  }

  /** The contract's own EIP-712 hash of `voucher`. */
  async voucherDigest(voucher: PrintVoucher): Promise<string> {
    const tuple = this.voucherTuple(voucher);
    return (await this.call(() => this.contract.getFunction('voucherDigest')(tuple))) as string;
  }

  /** One of the ledger's four events, or undefined for any other log (for the chain indexer). */
  decodeLog(log: LogLike): LicenseLedgerEvent | undefined {
    if (log.address !== undefined && log.address.toLowerCase() !== this.address.toLowerCase())
      return undefined;
    let parsed: ReturnType<Interface['parseLog']>;
    try {
      parsed = this.abi.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      return undefined;
    }
    if (parsed === null) return undefined;
    if (parsed.name === 'LicenseIssued') return this.issuedEvent(parsed.args);
    const names = parsed.fragment.inputs.map((input) => input.name);
    return { name: parsed.name, args: plainArgs(names, parsed.args) } as LicenseLedgerEvent;
  }

  /**
   * LicenseIssued logs the license as its stored word (holder bits 0-159, printsTotal 160-183,
   * expiresAt 208-247) and no token id, which is licenseIdOf of the logged terms.
   */
  private issuedEvent(values: Result): LicenseLedgerEvent {
    const [licenseRef, designId, license, printerRoot] = values.toArray() as [string, string, bigint, string];
    const field = (shift: number, bits: number) =>
      Number((license >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n));
    return {
      name: 'LicenseIssued',
      args: {
        tokenId: this.licenseIdOf(licenseRef, designId, printerRoot),
        licenseRef,
        designId,
        holder: this.ethers.getAddress(`0x${(license & ((1n << 160n) - 1n)).toString(16).padStart(40, '0')}`),
        prints: field(160, 24),
        expiresAt: new Date(field(208, 40) * 1000),
        printerRoot,
      },
    };
  }

  /** The ledger's custom error (or a missing role) in revert data; undefined for anything else. */
  decodeRevert(data: string): LicenseLedgerRevert | undefined {
    let parsed: ReturnType<Interface['parseError']>;
    try {
      parsed = this.abi.parseError(data);
    } catch {
      return undefined;
    }
    // ethers also parses the built-in Error(string) and Panic(uint256); the ledger raises neither.
    const name = parsed?.name;
    if (
      parsed === null ||
      !this.abi.fragments.some((f) => f.type === 'error' && (f as { name?: string }).name === name)
    )
      return undefined;
    const names = parsed.fragment.inputs.map((input) => input.name);
    return { name: parsed.name, args: plainArgs(names, parsed.args) } as LicenseLedgerRevert;
  }

  private settlementTuple(settlement: SettlementEntry): [string, number, string[]] {
    return [
      tokenIdHex(settlement.tokenId),
      uint('usedBefore', settlement.usedBefore, 24),
      settlement.jobIds.map((jobId) => bytes16('jobId', jobId)),
    ];
  }

  private voucherTuple(voucher: PrintVoucher): [string, string, string, number] {
    return [
      tokenIdHex(voucher.tokenId),
      bytes16('jobId', voucher.jobId),
      bytes16('printerId', voucher.printerId),
      uint('notAfter', voucher.notAfter, 40),
    ];
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isNetworkFailure(err)) {
        throw new DependencyUnavailableError('The chain node did not answer', { cause: err });
      }
      throw err;
    }
  }
}

function isNetworkFailure(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NETWORK_ERROR' || code === 'TIMEOUT' || code === 'SERVER_ERROR' || code === 'ECONNREFUSED';
}
