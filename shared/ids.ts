import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID: 26 characters, time-ordered (good for InnoDB primary keys), 80 random bits. Two made in
 * the same millisecond by one process are ordered too (the second is the first's random part plus
 * one, as monotonic ULIDs do): lists sorted by id, newest first, keep the order things were made.
 */
export function newId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let tail: number[];
  if (now === last.time && last.tail.some((digit) => digit < 31)) {
    tail = [...last.tail];
    let i = tail.length - 1;
    while ((tail[i] as number) === 31) tail[i--] = 0;
    tail[i] = (tail[i] as number) + 1;
  } else {
    const random = randomBytes(16);
    tail = Array.from(random, (byte) => byte % 32);
    // Room to count up within the millisecond: the first digit stays below 16.
    tail[0] = (tail[0] as number) % 16;
  }
  last = { time: now, tail };
  return time + tail.map((digit) => CROCKFORD[digit]).join('');
}

let last: { time: number; tail: readonly number[] } = { time: -1, tail: [] };

export const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A ULID's 128 bits as 0x-prefixed hex (a Solidity bytes16). */
export function idToBytes16(id: string): string {
  if (!ID_PATTERN.test(id)) throw new RangeError('not a ULID');
  let value = 0n;
  for (const char of id) value = value * 32n + BigInt(CROCKFORD.indexOf(char));
  return `0x${value.toString(16).padStart(32, '0')}`;
}

const BYTES16 = /^0x[0-9a-fA-F]{32}$/;

/**
 * The platform id (ULID) behind a bytes16 the ledger carries: the inverse of idToBytes16. Every
 * 128-bit value is some ULID, so foreign ids convert too; whether a row with that id exists is the
 * caller's question.
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
