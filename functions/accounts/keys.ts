import { insertApiKey, insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { issueApiKey } from '#shared/accounts/api-keys.ts';
import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { ForbiddenError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { PERSON_SCOPES, scopesForRole } from '#shared/people/roles.ts';

/**
 * What a caller may put on its organisation's keys: the scopes it holds. A person's own ticket
 * scopes (every session has them, to buy tickets as themselves) are not the organisation's, so a
 * session hands them out only where the organisation's kind grants them (a viewer organisation).
 */
export function grantableScopes(
  principal: { readonly scopes: readonly string[]; readonly userId?: string },
  orgKind: string | undefined,
): string[] {
  if (!principal.userId) return [...principal.scopes];
  const orgScopes = orgKind ? scopesForRole('org_admin', orgKind) : [];
  return principal.scopes.filter(
    (scope) =>
      !(PERSON_SCOPES as readonly string[]).includes(scope) || (orgScopes as string[]).includes(scope),
  );
}

/** A caller can only hand out scopes it holds itself (admin holds all). */
export function assertGrantable(callerScopes: readonly string[], requested: readonly string[]): void {
  if (callerScopes.includes('admin')) return;
  const missing = requested.filter((scope) => !callerScopes.includes(scope));
  if (missing.length > 0)
    throw new ForbiddenError(`Cannot grant scopes you do not hold: ${missing.join(', ')}`);
}

export async function createKey(
  pool: DbPool,
  orgId: string,
  input: { name: string; scopes: readonly string[]; expiresAt?: Date },
): Promise<{ keyId: string; key: string }> {
  const issued = issueApiKey();
  await insertApiKey(pool, {
    keyId: issued.keyId,
    orgId,
    name: input.name,
    secretHash: issued.secretHash,
    scopes: input.scopes,
    ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
  });
  return { keyId: issued.keyId, key: issued.plaintext };
}

export async function createOrganisation(
  pool: DbPool,
  input: { name: string; kind: string; scopes: readonly string[] },
): Promise<{ orgId: string; keyId: string; key: string }> {
  const orgId = newId();
  const issued = issueApiKey();
  await withTransaction(pool, async (connection) => {
    await insertOrganisation(connection, { id: orgId, name: input.name, kind: input.kind });
    await insertApiKey(connection, {
      keyId: issued.keyId,
      orgId,
      name: 'initial',
      secretHash: issued.secretHash,
      scopes: input.scopes,
    });
  });
  return { orgId, keyId: issued.keyId, key: issued.plaintext };
}
