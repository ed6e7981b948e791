import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ID_PATTERN } from '../ids.ts';

/**
 * A printer credential is `fcp_<printer id>_<secret>`:
 *
 * - `fcp_` tells it apart from an API key (`fck_`) before any lookup;
 * - the printer id is the printer's ULID in lower case (26 Crockford base-32 characters), so the
 *   authorizer finds the `printers` row by primary key straight from the credential;
 * - the secret is 256 random bits as 43 base64url characters; only its SHA-256 is stored
 *   (`printers.credential_hash`) and compared in constant time.
 *
 * Like API keys, a plain hash is enough: the secret is random, not a password, and the check sits
 * on every print's path. Rotating replaces the secret; the id part stays the same.
 */
const CREDENTIAL_PATTERN = /^fcp_([0-9a-hjkmnp-tv-z]{26})_([A-Za-z0-9_-]{43})$/;

export interface IssuedPrinterCredential {
  /** The whole credential; shown to the printer's owner once and never stored. */
  readonly plaintext: string;
  readonly secretHash: Buffer;
}

export function issuePrinterCredential(printerId: string): IssuedPrinterCredential {
  if (!ID_PATTERN.test(printerId)) throw new RangeError('A printer id is a ULID');
  const secret = randomBytes(32).toString('base64url');
  return {
    plaintext: `fcp_${printerId.toLowerCase()}_${secret}`,
    secretHash: hashPrinterSecret(secret),
  };
}

/** The printer id (upper case, as stored) and secret, or undefined for anything else. */
export function parsePrinterCredential(presented: string): { printerId: string; secret: string } | undefined {
  const match = CREDENTIAL_PATTERN.exec(presented.trim());
  if (!match) return undefined;
  return { printerId: (match[1] as string).toUpperCase(), secret: match[2] as string };
}

export function printerSecretMatches(secret: string, storedHash: Buffer): boolean {
  const candidate = hashPrinterSecret(secret);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}

function hashPrinterSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
