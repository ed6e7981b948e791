import { createHash, randomBytes } from 'node:crypto';

/**
 * Stream keys look like `fcsk_<43 characters base64url>` (32 random bytes). Only SHA-256 of the
 * whole key is stored, under a unique index, so presenting a key costs one indexed lookup and a
 * rotated-away key simply finds nothing. Like API keys, a slow hash buys nothing for 256 random bits.
 */
const STREAM_KEY_PATTERN = /^fcsk_[A-Za-z0-9_-]{43}$/;

export interface IssuedStreamKey {
  /** The whole key; shown to the creator once (create, rotate) and never stored or logged. */
  readonly plaintext: string;
  readonly hash: Buffer;
  /** Its last 4 characters, so a creator can tell which key an encoder holds. */
  readonly hint: string;
}

export function issueStreamKey(): IssuedStreamKey {
  const plaintext = `fcsk_${randomBytes(32).toString('base64url')}`;
  return { plaintext, hash: hashStreamKey(plaintext), hint: plaintext.slice(-4) };
}

/** Whether `text` has a stream key's shape; anything else is refused before any lookup. */
export function isStreamKeyShape(text: string): boolean {
  return STREAM_KEY_PATTERN.test(text);
}

export function hashStreamKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
