import type { RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import { newId } from '../ids.ts';

type Queryable = DbPool | DbConnection;

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly locale: string | null;
}

/** What an identity provider says about a person at sign-in (from a validated ID token). */
export interface ProviderIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly email: string;
  readonly name: string;
  readonly locale: string | null;
}

/** Emails are compared case-insensitively everywhere; stored lower-case. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The user for this identity, created on first sign-in; email, name and locale follow the
 * provider at every sign-in. `created` says whether this was the first.
 */
export async function upsertUserFromIdentity(
  db: Queryable,
  identity: ProviderIdentity,
): Promise<{ user: User; created: boolean }> {
  const id = newId();
  const email = normaliseEmail(identity.email);
  await db.query(
    `INSERT INTO users (id, issuer, subject, email, name, locale) VALUES (?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE email = VALUES(email), name = VALUES(name), locale = VALUES(locale)`,
    [id, identity.issuer, identity.subject, email, identity.name, identity.locale],
  );
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT id, email, name, locale FROM users WHERE issuer = ? AND subject = ?',
    [identity.issuer, identity.subject],
  );
  const row = rows[0];
  if (!row) throw new Error('users row vanished right after its upsert');
  const user = toUser(row);
  return { user, created: user.id === id };
}

export async function findUser(db: Queryable, id: string): Promise<User | undefined> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT id, email, name, locale FROM users WHERE id = ?', [
    id,
  ]);
  return rows[0] ? toUser(rows[0]) : undefined;
}

/** People with this email (one per identity provider that knows it). */
export async function findUsersByEmail(db: Queryable, email: string): Promise<User[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT id, email, name, locale FROM users WHERE email = ? ORDER BY created_at',
    [normaliseEmail(email)],
  );
  return rows.map(toUser);
}

function toUser(row: RowDataPacket): User {
  return {
    id: row.id as string,
    email: row.email as string,
    name: row.name as string,
    locale: (row.locale as string | null) ?? null,
  };
}
