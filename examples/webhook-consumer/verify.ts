import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifies a forgecast webhook: copy this file into your service (Node 18+, no dependencies).
 *
 *   Forgecast-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]
 *
 * - Verify the raw request bytes, before any JSON parsing (a re-serialised body differs).
 * - Refuse timestamps more than `toleranceSeconds` away from your clock: a captured request
 *   cannot be replayed later.
 * - Accept the request when any `v1` matches any of your secrets: during a rotation forgecast
 *   signs with the old and the new secret, and you may hold either (or both) while you switch.
 */
export type Verification =
  | { readonly ok: true; readonly timestamp: number }
  | { readonly ok: false; readonly reason: 'missing_header' | 'malformed_header' | 'stale' | 'no_match' };

export interface VerifyOptions {
  /** The raw body bytes as received. */
  readonly rawBody: Buffer | string;
  /** The Forgecast-Signature header's value. */
  readonly header: string | undefined;
  /** Your endpoint's signing secret(s), `whsec_…`. */
  readonly secrets: string | readonly string[];
  /** Default 300 (five minutes). */
  readonly toleranceSeconds?: number;
  /** Unix seconds now (tests pass their own clock). */
  readonly nowSeconds?: number;
}

export function verifyForgecastSignature(options: VerifyOptions): Verification {
  if (!options.header) return { ok: false, reason: 'missing_header' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of options.header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value);
    // A value that is not 64 hex digits is not a SHA-256 HMAC; skipping it keeps the compare fixed-size.
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value))
      signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed_header' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return { ok: false, reason: 'stale' };
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : options.secrets;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(options.rawBody).digest();
    if (signatures.some((signature) => timingSafeEqual(signature, expected))) return { ok: true, timestamp };
  }
  return { ok: false, reason: 'no_match' };
}
