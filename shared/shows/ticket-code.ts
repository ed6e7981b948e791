import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { parseEdgeTokenKeys } from '../cdn/cdn-from-config.ts';
import { ID_PATTERN } from '../ids.ts';

/**
 * A ticket code is what a viewer's QR code carries and a door scanner reads back:
 * `FCT1.<ticketId>.<tag>`, where tag = base64url of the first 16 bytes of
 * HMAC-SHA256(key, "forgecast ticket code\nFCT1\n<ticketId>"): 54 ASCII characters, which
 * fit a version-4 QR code (33×33 modules, byte mode) at error correction level M.
 *
 * The code proves only that we issued it for that ticket id; whether the ticket is still valid,
 * checked in or revoked is always read from the database. A 128-bit tag is far beyond what an
 * online guesser can reach, and keeps the code short.
 */
export const TICKET_CODE_VERSION = 'FCT1';

const TAG_BYTES = 16;
const TAG_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const DOMAIN = 'forgecast ticket code';

export type TicketCodeVerdict =
  | { readonly ok: true; readonly ticketId: string }
  | { readonly ok: false; readonly reason: 'malformed' | 'bad-signature' };

function tag(key: Uint8Array, ticketId: string): Buffer {
  return createHmac('sha256', key)
    .update(`${DOMAIN}\n${TICKET_CODE_VERSION}\n${ticketId}`)
    .digest()
    .subarray(0, TAG_BYTES);
}

/** The code for a ticket, signed with the first (newest) key. */
export function signTicketCode(ticketId: string, keys: readonly Uint8Array[]): string {
  const key = keys[0];
  if (key === undefined) throw new RangeError('no ticket code key');
  if (!ID_PATTERN.test(ticketId)) throw new RangeError('not a ticket id');
  return `${TICKET_CODE_VERSION}.${ticketId}.${tag(key, ticketId).toString('base64url')}`;
}

/**
 * Checks a code against every key (rotation: a new key goes in front, the old one stays until no
 * printed code signed with it matters). Every key is tried, so the time taken does not say which
 * matched. Surrounding whitespace is tolerated: scanners often append a newline.
 */
export function verifyTicketCode(code: string, keys: readonly Uint8Array[]): TicketCodeVerdict {
  const parts = code.trim().split('.');
  const [version, ticketId, presented] = parts;
  if (
    parts.length !== 3 ||
    version !== TICKET_CODE_VERSION ||
    ticketId === undefined ||
    !ID_PATTERN.test(ticketId) ||
    presented === undefined ||
    !TAG_PATTERN.test(presented)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const presentedBytes = Buffer.from(presented, 'base64url');
  // 22 base64url characters carry 132 bits: a different final character decodes to the same 16
  // bytes, so only the canonical spelling is accepted (one code per ticket).
  if (presentedBytes.length !== TAG_BYTES || presentedBytes.toString('base64url') !== presented) {
    return { ok: false, reason: 'malformed' };
  }
  let matched = false;
  for (const key of keys) {
    if (timingSafeEqual(tag(key, ticketId), presentedBytes)) matched = true;
  }
  return matched ? { ok: true, ticketId } : { ok: false, reason: 'bad-signature' };
}

/**
 * `TICKET_CODE_KEY`: comma-separated secrets of 32+ bytes, hex or base64; the first signs, all
 * verify. Compose into a function's readConfig shape.
 */
export const ticketCodeConfig = {
  TICKET_CODE_KEY: z.string().transform((csv, context) => {
    try {
      return parseEdgeTokenKeys(csv);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
};
