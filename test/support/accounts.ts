import { insertApiKey, insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { issueApiKey } from '#shared/accounts/api-keys.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';

/** Creates an organisation with one API key holding `scopes`; returns the plaintext key. */
export async function createOrgWithKey(
  pool: DbPool,
  scopes: readonly string[],
  options: { kind?: string; expiresAt?: Date } = {},
): Promise<{ orgId: string; keyId: string; key: string }> {
  const orgId = newId();
  await insertOrganisation(pool, { id: orgId, name: `org ${orgId}`, kind: options.kind ?? 'integrator' });
  const issued = issueApiKey();
  await insertApiKey(pool, {
    keyId: issued.keyId,
    orgId,
    name: 'test',
    secretHash: issued.secretHash,
    scopes,
    ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
  });
  return { orgId, keyId: issued.keyId, key: issued.plaintext };
}
