import { createHmac, randomBytes } from 'node:crypto';

/**
 * Webhook signatures in the style Stripe uses, so integrators' existing code and habits apply:
 *
 *   Forgecast-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=...]
 *
 * The HMAC key is the whole secret string as shown to the integrator (`whsec_…`, UTF-8). The
 * timestamp is signed with the body, so a receiver that refuses old timestamps refuses replays.
 * While a rotated secret overlaps, one `v1` is sent per valid secret: a receiver still holding
 * the old secret and one already holding the new both verify.
 */
export const SIGNATURE_HEADER = 'Forgecast-Signature';
export const SECRET_PREFIX = 'whsec_';
/** Random bytes behind a secret; also the size the key wrapper wraps. */
export const SECRET_BYTES = 32;

/** A fresh signing secret: its random bytes (to wrap and store) and the text shown once. */
export function newSigningSecret(): { bytes: Buffer; text: string } {
  const bytes = randomBytes(SECRET_BYTES);
  return { bytes, text: secretText(bytes) };
}

export const secretText = (bytes: Buffer): string => `${SECRET_PREFIX}${bytes.toString('base64url')}`;

export function signPayload(secret: string, timestampSeconds: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
}

/** The header value for `body` signed at `timestampSeconds` with each secret in turn. */
export function signatureHeader(
  secrets: readonly string[],
  timestampSeconds: number,
  body: Buffer | string,
): string {
  return [
    `t=${timestampSeconds}`,
    ...secrets.map((secret) => `v1=${signPayload(secret, timestampSeconds, body)}`),
  ].join(',');
}
