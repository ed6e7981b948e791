import type { ApiKeyRow } from '../../shared/accounts/api-key-store.ts';
import { parseApiKey, secretMatches } from '../../shared/accounts/api-keys.ts';
import type { AuthContext } from '../../shared/runtime/auth-context.ts';
import type { AuthorizerAnswer, AuthorizerInput } from './schema.ts';

export type StoredKey = ApiKeyRow;

export interface KeyLookup {
  find(keyId: string): Promise<StoredKey | undefined>;
}

/** How long the gateway may reuse an answer; bounds how late a revocation takes effect. */
const ANSWER_TTL_MS = 60_000;

const refuse = (description: string): AuthorizerAnswer => ({
  active: false,
  wwwAuthenticate: `Bearer error="invalid_token", error_description="${description}"`,
});

export async function authorize(
  input: AuthorizerInput,
  keys: KeyLookup,
  now = new Date(),
): Promise<AuthorizerAnswer> {
  const presented =
    input.type === 'TOKEN' ? input.token : (input.data.token ?? input.data.authorization ?? '');
  const parsed = parseApiKey(presented.replace(/^Bearer\s+/i, ''));
  if (!parsed) return refuse('malformed credential');
  const key = await keys.find(parsed.keyId);
  // The same answer for an unknown key and a wrong secret: no oracle for valid key ids.
  if (!key || !secretMatches(parsed.secret, key.secretHash)) return refuse('unknown credential');
  if (key.revokedAt && key.revokedAt <= now) return refuse('credential revoked');
  if (key.expiresAt && key.expiresAt <= now) return refuse('credential expired');

  const expiresAt = new Date(
    Math.min(now.getTime() + ANSWER_TTL_MS, key.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY),
  );
  const principal = `key:${key.keyId}`;
  const context: AuthContext = {
    principal,
    orgId: key.orgId,
    scopes: key.scopes.join(' '),
    keyId: key.keyId,
  };
  return {
    active: true,
    principal,
    scope: [...key.scopes],
    clientId: key.keyId,
    expiresAt: expiresAt.toISOString(),
    context,
  };
}
