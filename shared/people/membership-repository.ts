import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import type { Role } from './roles.ts';
import { normaliseEmail } from './user-repository.ts';

type Queryable = DbPool | DbConnection;

/** A person's membership with the organisation it is in (organisations belong to shared/accounts; read only here). */
export interface MembershipView {
  readonly orgId: string;
  readonly orgName: string;
  readonly orgKind: string;
  readonly role: Role;
}

export async function listMembershipsOfUser(db: Queryable, userId: string): Promise<MembershipView[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT m.org_id, o.name, o.kind, m.role FROM memberships m JOIN organisations o ON o.id = m.org_id
     WHERE m.user_id = ? ORDER BY m.created_at, m.org_id`,
    [userId],
  );
  return rows.map((row) => ({
    orgId: row.org_id as string,
    orgName: row.name as string,
    orgKind: row.kind as string,
    role: row.role as Role,
  }));
}

export async function findMembership(
  db: Queryable,
  userId: string,
  orgId: string,
): Promise<MembershipView | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT m.org_id, o.name, o.kind, m.role FROM memberships m JOIN organisations o ON o.id = m.org_id
     WHERE m.user_id = ? AND m.org_id = ?`,
    [userId, orgId],
  );
  const row = rows[0];
  return row
    ? {
        orgId: row.org_id as string,
        orgName: row.name as string,
        orgKind: row.kind as string,
        role: row.role as Role,
      }
    : undefined;
}

/** Whether the organisation exists (organisations belong to shared/accounts; read only here). */
export async function organisationExists(db: Queryable, orgId: string): Promise<boolean> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT 1 FROM organisations WHERE id = ?', [orgId]);
  return rows.length > 0;
}

/** Adds the membership, or changes its role when the person is already a member. */
export async function putMembership(db: Queryable, userId: string, orgId: string, role: Role): Promise<void> {
  await db.query(
    'INSERT INTO memberships (user_id, org_id, role) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE role = VALUES(role)',
    [userId, orgId, role],
  );
}

/** Changes an existing member's role; false when the person is not a member. */
export async function setMemberRole(
  db: Queryable,
  userId: string,
  orgId: string,
  role: Role,
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    'UPDATE memberships SET role = ? WHERE user_id = ? AND org_id = ?',
    [role, userId, orgId],
  );
  return result.affectedRows === 1;
}

export async function removeMembership(db: Queryable, userId: string, orgId: string): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    'DELETE FROM memberships WHERE user_id = ? AND org_id = ?',
    [userId, orgId],
  );
  return result.affectedRows === 1;
}

export interface MemberView {
  readonly userId: string | null;
  readonly email: string;
  readonly name: string | null;
  readonly role: Role;
  /** `active` for a member; `invited` for an email that has not signed in yet. */
  readonly status: 'active' | 'invited';
  readonly since: Date;
}

/** An organisation's members, then its pending invitations. */
export async function listMembers(db: Queryable, orgId: string): Promise<MemberView[]> {
  const [members] = await db.query<RowDataPacket[]>(
    `SELECT u.id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.org_id = ? ORDER BY m.created_at, u.id`,
    [orgId],
  );
  const [invited] = await db.query<RowDataPacket[]>(
    'SELECT email, role, created_at FROM membership_invitations WHERE org_id = ? ORDER BY created_at, email',
    [orgId],
  );
  return [
    ...members.map((row) => ({
      userId: row.id as string,
      email: row.email as string,
      name: row.name as string,
      role: row.role as Role,
      status: 'active' as const,
      since: row.created_at as Date,
    })),
    ...invited.map((row) => ({
      userId: null,
      email: row.email as string,
      name: null,
      role: row.role as Role,
      status: 'invited' as const,
      since: row.created_at as Date,
    })),
  ];
}

export async function putInvitation(db: Queryable, orgId: string, email: string, role: Role): Promise<void> {
  await db.query(
    `INSERT INTO membership_invitations (org_id, email, role) VALUES (?, ?, ?)
     ON DUPLICATE KEY UPDATE role = VALUES(role)`,
    [orgId, normaliseEmail(email), role],
  );
}

/**
 * Turns every invitation for `email` into a membership of `userId` (in the caller's transaction),
 * and says how many there were. Only for an email the identity provider verified.
 */
export async function claimInvitations(db: DbConnection, userId: string, email: string): Promise<number> {
  const normalised = normaliseEmail(email);
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT org_id, role FROM membership_invitations WHERE email = ? FOR UPDATE',
    [normalised],
  );
  for (const row of rows) await putMembership(db, userId, row.org_id as string, row.role as Role);
  if (rows.length > 0) await db.query('DELETE FROM membership_invitations WHERE email = ?', [normalised]);
  return rows.length;
}
