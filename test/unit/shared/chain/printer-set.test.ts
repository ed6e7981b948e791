import { keccak256 } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  ANY_PRINTER_ROOT,
  PrinterNotInSetError,
  printerLeaf,
  printerProof,
  printerRoot,
} from '#shared/chain/printer-set.ts';
import { idToBytes16, newId } from '#shared/ids.ts';

/** The leaf written out byte by byte: abi.encode(bytes16) is the id right-padded to 32 bytes. */
function expectedLeaf(printerId: string): string {
  return keccak256(keccak256(`${idToBytes16(printerId)}${'00'.repeat(16)}`));
}

/** OpenZeppelin MerkleProof.processProof, re-implemented: commutative keccak256 up the proof. */
function verify(proof: readonly string[], root: string, leaf: string): boolean {
  let node = BigInt(leaf);
  for (const sibling of proof) {
    const other = BigInt(sibling);
    const [low, high] = node < other ? [node, other] : [other, node];
    node = BigInt(keccak256(`0x${low.toString(16).padStart(64, '0')}${high.toString(16).padStart(64, '0')}`));
  }
  return node === BigInt(root);
}

function printerIds(count: number): string[] {
  return Array.from({ length: count }, () => newId());
}

describe('Function: printerLeaf', () => {
  it('double-hashes the abi-encoded bytes16 of the printer id', () => {
    // Prepare
    const id = newId();

    // Act & Assess
    expect(printerLeaf(id)).toBe(expectedLeaf(id));
  });

  it('refuses an id that is not a ULID', () => {
    expect(() => printerLeaf('not-a-ulid')).toThrow(RangeError);
  });
});

describe('Function: printerRoot', () => {
  it('is all zeros for an empty set (any printer of the holder)', () => {
    expect(printerRoot([])).toBe(ANY_PRINTER_ROOT);
    expect(ANY_PRINTER_ROOT).toBe(`0x${'0'.repeat(64)}`);
  });

  it('is the leaf itself for a single printer, proven by an empty proof', () => {
    // Prepare
    const [id] = printerIds(1) as [string];

    // Act
    const root = printerRoot([id]);
    const proof = printerProof([id], id);

    // Assess
    expect(root).toBe(expectedLeaf(id));
    expect(proof).toEqual([]);
    expect(verify(proof, root, expectedLeaf(id))).toBe(true);
  });

  it('hashes two printers as the ascending pair of their leaves', () => {
    // Prepare
    const [a, b] = printerIds(2) as [string, string];
    const [low, high] = [expectedLeaf(a), expectedLeaf(b)].sort();

    // Act
    const root = printerRoot([a, b]);

    // Assess
    expect(root).toBe(keccak256(`${low}${high?.slice(2)}`));
    expect(printerProof([a, b], a)).toEqual([expectedLeaf(b)]);
    expect(printerProof([a, b], b)).toEqual([expectedLeaf(a)]);
  });

  it('depends on the set only: order and duplicates do not change it', () => {
    // Prepare
    const ids = printerIds(6);
    const shuffled = [ids[3], ids[0], ids[5], ids[1], ids[4], ids[2]] as string[];

    // Act & Assess
    expect(printerRoot(shuffled)).toBe(printerRoot(ids));
    expect(printerRoot([...ids, ids[2] as string, ids[0] as string])).toBe(printerRoot(ids));
    expect(printerProof(shuffled, ids[4] as string)).toEqual(printerProof(ids, ids[4] as string));
  });

  it('changes when a printer is added or swapped', () => {
    // Prepare
    const ids = printerIds(4);
    const [extra] = printerIds(1) as [string];

    // Act & Assess
    expect(printerRoot([...ids, extra])).not.toBe(printerRoot(ids));
    expect(printerRoot([...ids.slice(1), extra])).not.toBe(printerRoot(ids));
  });
});

describe('Function: printerProof', () => {
  for (const count of [2, 3, 5, 7, 8, 13]) {
    it(`proves every member of a set of ${count}, and only against its own root`, () => {
      // Prepare
      const ids = printerIds(count);
      const root = printerRoot(ids);
      const otherRoot = printerRoot(printerIds(count));

      // Act & Assess
      for (const id of ids) {
        const proof = printerProof(ids, id);
        expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(count)));
        expect(verify(proof, root, expectedLeaf(id))).toBe(true);
        expect(verify(proof, otherRoot, expectedLeaf(id))).toBe(false);
      }
    });
  }

  it("does not let an outsider pass with a member's proof", () => {
    // Prepare
    const ids = printerIds(5);
    const [outsider] = printerIds(1) as [string];
    const root = printerRoot(ids);

    // Act & Assess
    for (const id of ids) {
      expect(verify(printerProof(ids, id), root, expectedLeaf(outsider))).toBe(false);
    }
  });

  it('refuses a printer outside the set with PrinterNotInSetError', () => {
    // Prepare
    const ids = printerIds(3);
    const [outsider] = printerIds(1) as [string];

    // Act
    const failure = (() => {
      try {
        printerProof(ids, outsider);
        return undefined;
      } catch (err) {
        return err;
      }
    })();

    // Assess
    expect(failure).toBeInstanceOf(PrinterNotInSetError);
    expect((failure as PrinterNotInSetError).printerId).toBe(outsider);
    expect(() => printerProof([], outsider)).toThrow(PrinterNotInSetError);
  });
});
