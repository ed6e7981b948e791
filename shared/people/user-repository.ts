import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
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

/** A person's analytics choice: `null` when they never chose (which counts as no consent). */
export interface AnalyticsConsent {
  readonly granted: boolean | null;
  readonly decidedAt: Date | null;
}

export async function findAnalyticsConsent(
  db: Queryable,
  userId: string,
): Promise<AnalyticsConsent | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT analytics_consent, analytics_consent_at FROM users WHERE id = ?',
    [userId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const choice = row.analytics_consent as 'granted' | 'denied' | null;
  return {
    granted: choice === null ? null : choice === 'granted',
    decidedAt: (row.analytics_consent_at as Date | null) ?? null,
  };
}

/** Records a person's choice and when they made it; false when there is no such person. */
export async function recordAnalyticsConsent(
  db: Queryable,
  userId: string,
  granted: boolean,
  now: Date,
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    'UPDATE users SET analytics_consent = ?, analytics_consent_at = ? WHERE id = ?',
    [granted ? 'granted' : 'denied', now, userId],
  );
  return result.affectedRows === 1;
}

/** Of these people, those who consent to analytics now (for forwarding their purchases). */
export async function usersConsentingToAnalytics(
  db: Queryable,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT id FROM users WHERE id IN (?) AND analytics_consent = 'granted'",
    [[...new Set(userIds)]],
  );
  return new Set(rows.map((row) => row.id as string));
}
