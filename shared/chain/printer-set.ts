/**
 * The approved-printer set of a license as a Merkle tree, built the way OpenZeppelin's
 * MerkleProof verifies it (LicenseLedger.redeemVoucher): leaves are
 * keccak256(keccak256(abi.encode(bytes16 printerId))) and each parent hashes its two children in
 * ascending order, so a proof needs no left/right flags. Leaves are sorted and de-duplicated first,
 * which makes the root depend only on the set, not on the order the ids arrive in. A level with an
 * odd count lifts its last node to the next level unchanged.
 *
 * ethers is imported statically: only chain paths (license issue, vouchers) load this module.
 */
import { AbiCoder, keccak256 } from 'ethers';
import { idToBytes16 } from '../ids.ts';

/** The root of an empty set: LicenseLedger reads it as "any printer of the holder". */
export const ANY_PRINTER_ROOT = `0x${'00'.repeat(32)}`;

export class PrinterNotInSetError extends Error {
  readonly printerId: string;
  constructor(printerId: string, options?: { cause?: unknown }) {
    super(`Printer ${printerId} is not in the approved-printer set`, options);
    this.name = 'PrinterNotInSetError';
    this.printerId = printerId;
  }
}

/** The Merkle leaf of one printer (a ULID). */
export function printerLeaf(printerId: string): string {
  const encoded = AbiCoder.defaultAbiCoder().encode(['bytes16'], [idToBytes16(printerId)]);
  return keccak256(keccak256(encoded));
}

/** keccak256 hex output is lowercase and fixed-length, so string order is numeric order. */
function hashPair(left: string, right: string): string {
  const [low, high] = left < right ? [left, right] : [right, left];
  return keccak256(`${low}${high.slice(2)}`);
}

function sortedLeaves(printerIds: readonly string[]): string[] {
  return [...new Set(printerIds.map(printerLeaf))].sort();
}

/** Every level of the tree, leaves first, the root alone last. */
function treeLevels(leaves: readonly string[]): string[][] {
  const levels = [[...leaves]];
  let level = levels[0] ?? [];
  while (level.length > 1) {
    const parents: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as string;
      const right = level[i + 1];
      parents.push(right === undefined ? left : hashPair(left, right));
    }
    levels.push(parents);
    level = parents;
  }
  return levels;
}

/** The root committed to by a license's token id; ANY_PRINTER_ROOT for an empty set. */
export function printerRoot(printerIds: readonly string[]): string {
  const leaves = sortedLeaves(printerIds);
  if (leaves.length === 0) return ANY_PRINTER_ROOT;
  return treeLevels(leaves).at(-1)?.[0] ?? ANY_PRINTER_ROOT;
}

/** The sibling hashes proving `printerId` is in the set; empty for a set of one. */
export function printerProof(printerIds: readonly string[], printerId: string): string[] {
  const leaves = sortedLeaves(printerIds);
  let index = leaves.indexOf(printerLeaf(printerId));
  if (index < 0) throw new PrinterNotInSetError(printerId);
  const proof: string[] = [];
  for (const level of treeLevels(leaves).slice(0, -1)) {
    const sibling = level[index % 2 === 0 ? index + 1 : index - 1];
    // A lifted node has no sibling on this level: nothing to hash, nothing to prove.
    if (sibling !== undefined) proof.push(sibling);
    index = Math.floor(index / 2);
  }
  return proof;
}
