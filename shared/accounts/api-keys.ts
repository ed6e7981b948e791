import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `fck_<keyId>_<secret>`. The key id is public and indexes the row; only
 * SHA-256 of the secret is stored. A slow password hash buys nothing here: the secret is 256
 * random bits, so it cannot be guessed, and the authorizer sits on every request's path.
 */
const KEY_PATTERN = /^fck_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedKey {
  readonly keyId: string;
  /** The whole key; shown to its owner once and never stored. */
  readonly plaintext: string;
  readonly secretHash: Buffer;
}

export function issueApiKey(): IssuedKey {
  const keyId = randomBytes(10).toString('hex').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  return { keyId, plaintext: `fck_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

export function parseApiKey(presented: string): { keyId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(presented.trim());
  if (!match) return undefined;
  return { keyId: match[1] as string, secret: match[2] as string };
}

export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const candidate = hashSecret(secret);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Every scope the platform knows; routes declare which they require. */
export const SCOPES = [
  'designs:read',
  'designs:write',
  'licenses:read',
  'licenses:write',
  'printers:write',
  'prints:authorize',
  'videos:read',
  'videos:write',
  'shows:write',
  'tickets:read',
  'tickets:buy',
  /** Registering webhook endpoints and reading their deliveries (functions/webhooks). */
  'webhooks:manage',
  /**
   * The live ingest agent's machine credential (functions/live-ingest): it presents stream keys of
   * every organisation, so no role or organisation kind holds it; only `admin` (the operator) can
   * grant it. `admin` itself does not open the ingest routes.
   */
  'live:ingest',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Scopes only the platform's own machines carry: never on a customer organisation's key. An
 * operator makes the live ingest workers' key with `POST /v1/api-keys` from an operator key.
 */
export const PLATFORM_ONLY_SCOPES: readonly Scope[] = ['live:ingest'];

/** Scopes `POST /v1/orgs` may give a new (customer) organisation's first key. */
export const CUSTOMER_SCOPES = SCOPES.filter((scope) => !PLATFORM_ONLY_SCOPES.includes(scope));
