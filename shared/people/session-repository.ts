import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import type { Role } from './roles.ts';

type Queryable = DbPool | DbConnection;

/** How long a session lives: idle (sliding) and absolute bounds, from config. */
export interface SessionLifetime {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

/** A sliding expiry is moved at most this often, so a busy page does not write on every call. */
export const TOUCH_INTERVAL_MS = 60_000;

export interface StoredSession {
  readonly userId: string;
  readonly orgId: string | null;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly idleExpiresAt: Date;
  readonly absoluteExpiresAt: Date;
}

/** A live session with what the authorizer needs: the person's role in the active organisation. */
export interface LiveSession extends StoredSession {
  /** Null when the active organisation is none, or the membership is gone. */
  readonly role: Role | null;
  readonly orgKind: string | null;
}

export async function insertSession(
  db: Queryable,
  session: { idHash: Buffer; userId: string; orgId: string | null; userAgent: string | null },
  lifetime: SessionLifetime,
  now: Date,
): Promise<StoredSession> {
  const idleExpiresAt = new Date(
    Math.min(now.getTime() + lifetime.idleMs, now.getTime() + lifetime.absoluteMs),
  );
  const absoluteExpiresAt = new Date(now.getTime() + lifetime.absoluteMs);
  await db.query(
    `INSERT INTO sessions (id_hash, user_id, org_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      session.idHash,
      session.userId,
      session.orgId,
      now,
      now,
      idleExpiresAt,
      absoluteExpiresAt,
      session.userAgent?.slice(0, 255) ?? null,
    ],
  );
  return {
    userId: session.userId,
    orgId: session.orgId,
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt,
    absoluteExpiresAt,
  };
}

/**
 * The session with this id hash if it is live at `now` (not revoked, neither expiry passed),
 * with the role its person holds in its active organisation right now.
 */
export async function findLiveSession(
  db: Queryable,
  idHash: Buffer,
  now: Date,
): Promise<LiveSession | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT s.user_id, s.org_id, s.created_at, s.last_seen_at, s.idle_expires_at, s.absolute_expires_at,
            m.role, o.kind
       FROM sessions s
       LEFT JOIN memberships m ON m.user_id = s.user_id AND m.org_id = s.org_id
       LEFT JOIN organisations o ON o.id = m.org_id
      WHERE s.id_hash = ? AND s.revoked_at IS NULL AND s.idle_expires_at > ? AND s.absolute_expires_at > ?`,
    [idHash, now, now],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    userId: row.user_id as string,
    orgId: (row.org_id as string | null) ?? null,
    createdAt: row.created_at as Date,
    lastSeenAt: row.last_seen_at as Date,
    idleExpiresAt: row.idle_expires_at as Date,
    absoluteExpiresAt: row.absolute_expires_at as Date,
    role: (row.role as Role | null) ?? null,
    orgKind: (row.kind as string | null) ?? null,
  };
}

/**
 * Slides the idle expiry forward (never past the absolute one), at most once per
 * TOUCH_INTERVAL_MS: returns the new idle expiry, or undefined when it was touched recently.
 */
export async function touchSession(
  db: Queryable,
  idHash: Buffer,
  lifetime: SessionLifetime,
  now: Date,
): Promise<Date | undefined> {
  const idleExpiresAt = new Date(now.getTime() + lifetime.idleMs);
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE sessions SET last_seen_at = ?, idle_expires_at = LEAST(?, absolute_expires_at)
      WHERE id_hash = ? AND revoked_at IS NULL AND last_seen_at <= ? AND idle_expires_at > ?`,
    [now, idleExpiresAt, idHash, new Date(now.getTime() - TOUCH_INTERVAL_MS), now],
  );
  return result.affectedRows === 1 ? idleExpiresAt : undefined;
}

/**
 * Moves a live session to another organisation under a new id: the old row is revoked and a new
 * one keeps its person, start and absolute expiry. A new id, because gateways cache the
 * authorizer's answer by the cookie: under the old id they could go on answering for the old
 * organisation for a few seconds. False when the old session is no longer live.
 */
export async function rotateSessionToOrganisation(
  db: DbConnection,
  oldHash: Buffer,
  newHash: Buffer,
  orgId: string,
  lifetime: SessionLifetime,
  now: Date,
): Promise<boolean> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT user_id, created_at, absolute_expires_at, user_agent FROM sessions
      WHERE id_hash = ? AND revoked_at IS NULL AND idle_expires_at > ? AND absolute_expires_at > ? FOR UPDATE`,
    [oldHash, now, now],
  );
  const row = rows[0];
  if (!row) return false;
  const absoluteExpiresAt = row.absolute_expires_at as Date;
  const idleExpiresAt = new Date(Math.min(now.getTime() + lifetime.idleMs, absoluteExpiresAt.getTime()));
  await db.query('UPDATE sessions SET revoked_at = ? WHERE id_hash = ?', [now, oldHash]);
  await db.query(
    `INSERT INTO sessions (id_hash, user_id, org_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [newHash, row.user_id, orgId, row.created_at, now, idleExpiresAt, absoluteExpiresAt, row.user_agent],
  );
  return true;
}

/** Deletes sessions that ended long ago (a few per call), so the table does not grow for ever. */
export async function deleteEndedSessions(db: Queryable, endedBefore: Date, limit = 100): Promise<number> {
  const [result] = await db.query<ResultSetHeader>(
    'DELETE FROM sessions WHERE absolute_expires_at < ? LIMIT ?',
    [endedBefore, limit],
  );
  return result.affectedRows;
}

export async function revokeSession(db: Queryable, idHash: Buffer, now: Date): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    'UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL',
    [now, idHash],
  );
  return result.affectedRows === 1;
}

/** Ends every session of a person that is acting in `orgId` (a member removed from it). */
export async function revokeSessionsInOrganisation(
  db: Queryable,
  userId: string,
  orgId: string,
  now: Date,
): Promise<number> {
  const [result] = await db.query<ResultSetHeader>(
    'UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND org_id = ? AND revoked_at IS NULL',
    [now, userId, orgId],
  );
  return result.affectedRows;
}
