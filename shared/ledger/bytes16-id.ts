const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BYTES16 = /^0x[0-9a-fA-F]{32}$/;

/**
 * The platform id (ULID) behind a bytes16 the ledger carries: the inverse of idToBytes16 in
 * shared/ids.ts. Every 128-bit value is some ULID, so foreign ids convert too; whether a row
 * with that id exists is the caller's question.
 */
export function idFromBytes16(value: string): string {
  if (!BYTES16.test(value)) throw new RangeError('not 16 bytes of hex');
  let rest = BigInt(value);
  let id = '';
  for (let i = 0; i < 26; i += 1) {
    id = CROCKFORD[Number(rest % 32n)] + id;
    rest /= 32n;
  }
  return id;
}
