import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import { newId } from '../ids.ts';
import { type IssuedKey, issueApiKey, SCOPES } from './api-keys.ts';

type Queryable = DbPool | DbConnection;

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
  pool: Queryable,
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
  const [result] = await pool.query<ResultSetHeader>(
    'UPDATE api_keys SET revoked_at = NOW(3) WHERE key_id = ? AND org_id = ? AND revoked_at IS NULL',
    [keyId, orgId],
  );
  return result.affectedRows === 1;
}

export async function insertOrganisation(
  pool: Queryable,
  org: { id: string; name: string; kind: string },
): Promise<void> {
  await pool.query('INSERT INTO organisations (id, name, kind) VALUES (?, ?, ?)', [
    org.id,
    org.name,
    org.kind,
  ]);
}

/** An organisation's kind (designer, creator, viewer, ...); undefined when there is none. */
export async function organisationKind(db: Queryable, id: string): Promise<string | undefined> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT kind FROM organisations WHERE id = ?', [id]);
  return rows[0]?.kind as string | undefined;
}

export async function organisationExists(db: Queryable, id: string): Promise<boolean> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT 1 FROM organisations WHERE id = ?', [id]);
  return rows.length > 0;
}

export interface OrganisationSummary {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly createdAt: Date;
}

/** Every organisation, newest first (ids are ULIDs, so id order is creation order), for operators. */
export async function listOrganisations(
  db: Queryable,
  page: { limit: number; before?: string },
): Promise<{ items: OrganisationSummary[]; next: string | null }> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, name, kind, created_at FROM organisations ${page.before ? 'WHERE id < ?' : ''}
      ORDER BY id DESC LIMIT ?`,
    page.before ? [page.before, page.limit + 1] : [page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map((row) => ({
    id: String(row.id),
    name: String(row.name),
    kind: String(row.kind),
    createdAt: row.created_at as Date,
  }));
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

export async function listApiKeys(
  pool: DbPool,
  orgId: string,
): Promise<
  Array<{
    keyId: string;
    name: string;
    scopes: string[];
    createdAt: Date;
    expiresAt: Date | null;
    revokedAt: Date | null;
  }>
> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT key_id, name, scopes, created_at, expires_at, revoked_at FROM api_keys WHERE org_id = ? ORDER BY created_at',
    [orgId],
  );
  return rows.map((row) => ({
    keyId: row.key_id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }));
}

/**
 * An organisation of kind `operator` with one API key named `bootstrap`: the first organisation
 * of a deployment (every scope), or a platform machine such as the live ingest workers (only the
 * scopes they call with). Returns the key, whose plaintext exists only in the caller's hands from
 * here on.
 */
export async function insertOperatorWithKey(
  db: Queryable,
  name: string,
  scopes: readonly string[] = SCOPES,
): Promise<IssuedKey> {
  const orgId = newId();
  const key = issueApiKey();
  await insertOrganisation(db, { id: orgId, name, kind: 'operator' });
  await insertApiKey(db, {
    keyId: key.keyId,
    orgId,
    name: 'bootstrap',
    secretHash: key.secretHash,
    scopes,
  });
  return key;
}
