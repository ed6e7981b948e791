import type { RowDataPacket } from 'mysql2/promise';
import type { DbPool } from '../db/pool.ts';

export interface ApiKeyRow {
  readonly keyId: string;
  readonly orgId: string;
  readonly secretHash: Buffer;
  readonly scopes: readonly string[];
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

export async function findApiKey(pool: DbPool, keyId: string): Promise<ApiKeyRow | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT key_id, org_id, secret_hash, scopes, expires_at, revoked_at FROM api_keys WHERE key_id = ?',
    [keyId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    keyId: row.key_id as string,
    orgId: row.org_id as string,
    secretHash: row.secret_hash as Buffer,
    scopes: JSON.parse(row.scopes as string) as string[],
    expiresAt: (row.expires_at as Date | null) ?? null,
    revokedAt: (row.revoked_at as Date | null) ?? null,
  };
}

export async function insertApiKey(
  pool: DbPool,
  key: {
    keyId: string;
    orgId: string;
    name: string;
    secretHash: Buffer;
    scopes: readonly string[];
    expiresAt?: Date;
  },
): Promise<void> {
  await pool.query(
    'INSERT INTO api_keys (key_id, org_id, name, secret_hash, scopes, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    [key.keyId, key.orgId, key.name, key.secretHash, JSON.stringify(key.scopes), key.expiresAt ?? null],
  );
}

export async function revokeApiKey(pool: DbPool, keyId: string, orgId: string): Promise<boolean> {
  const [result] = await pool.query<import('mysql2/promise').ResultSetHeader>(
    'UPDATE api_keys SET revoked_at = NOW(3) WHERE key_id = ? AND org_id = ? AND revoked_at IS NULL',
    [keyId, orgId],
  );
  return result.affectedRows === 1;
}

export async function insertOrganisation(
  pool: DbPool,
  org: { id: string; name: string; kind: string },
): Promise<void> {
  await pool.query('INSERT INTO organisations (id, name, kind) VALUES (?, ?, ?)', [
    org.id,
    org.name,
    org.kind,
  ]);
}
