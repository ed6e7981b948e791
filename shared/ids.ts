import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 26 characters, time-ordered (good for InnoDB primary keys), 80 random bits. */
export function newId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i += 1) tail += CROCKFORD[(random[i] as number) % 32];
  return time + tail;
}

export const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A ULID's 128 bits as 0x-prefixed hex (a Solidity bytes16). */
export function idToBytes16(id: string): string {
  if (!ID_PATTERN.test(id)) throw new RangeError('not a ULID');
  let value = 0n;
  for (const char of id) value = value * 32n + BigInt(CROCKFORD.indexOf(char));
  return `0x${value.toString(16).padStart(32, '0')}`;
}
