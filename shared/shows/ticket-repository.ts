import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import { type Holder, holderCondition } from './holder.ts';

type Queryable = DbPool | DbConnection;

/**
 * Reads of the tickets table for the tickets function (its holder's list, one ticket, the door's
 * check-in). Issuing and revoking are in tickets.ts; both files are the table's repository.
 */

export interface TicketShow {
  readonly id: string;
  readonly orgId: string;
  readonly title: string;
  readonly startsAt: Date;
  readonly status: 'on_sale' | 'cancelled';
}

export interface Ticket {
  readonly id: string;
  readonly showId: string;
  readonly holdId: string;
  /** The holding organisation (bought with an API key), or null for a person's ticket. */
  readonly holderOrgId: string | null;
  /** The holding person (bought with a portal session); migrated tickets name both. */
  readonly holderUserId: string | null;
  readonly seat: number;
  readonly status: 'valid' | 'revoked';
  readonly revokedReason: string | null;
  readonly checkedInAt: Date | null;
  readonly issuedAt: Date;
  readonly revokedAt: Date | null;
  readonly show: TicketShow;
}

const SELECT = `SELECT t.id, t.show_id, t.hold_id, t.holder_org_id, t.holder_user_id, t.seat, t.status, t.revoked_reason,
    t.checked_in_at, t.issued_at, t.revoked_at,
    s.org_id AS show_org_id, s.title AS show_title, s.starts_at AS show_starts_at, s.status AS show_status
  FROM tickets t JOIN shows s ON s.id = t.show_id`;

export async function findTicket(db: Queryable, id: string, lock = false): Promise<Ticket | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`${SELECT} WHERE t.id = ?${lock ? ' FOR UPDATE' : ''}`, [
    id,
  ]);
  return rows[0] ? toTicket(rows[0]) : undefined;
}

/** Another holder's ticket is reported as missing: existence is not disclosed. */
export async function findHolderTicket(
  db: Queryable,
  holder: Holder,
  id: string,
): Promise<Ticket | undefined> {
  const who = holderCondition(holder, 'holder', 't');
  const [rows] = await db.query<RowDataPacket[]>(`${SELECT} WHERE t.id = ? AND ${who.sql}`, [id, who.param]);
  return rows[0] ? toTicket(rows[0]) : undefined;
}

/** Newest first; `before` is the last id of the previous page. */
export async function listHolderTickets(
  db: Queryable,
  holder: Holder,
  page: { limit: number; before?: string; showId?: string },
): Promise<{ items: Ticket[]; next: string | null }> {
  const who = holderCondition(holder, 'holder', 't');
  const where = [who.sql];
  const params: unknown[] = [who.param];
  if (page.before) {
    where.push('t.id < ?');
    params.push(page.before);
  }
  if (page.showId) {
    where.push('t.show_id = ?');
    params.push(page.showId);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `${SELECT} WHERE ${where.join(' AND ')} ORDER BY t.id DESC LIMIT ?`,
    [...params, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toTicket);
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

/** Marks a valid ticket used; false when it was revoked or used in the meantime. */
export async function markCheckedIn(db: Queryable, id: string): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE tickets SET checked_in_at = NOW(3)
      WHERE id = ? AND status = 'valid' AND checked_in_at IS NULL`,
    [id],
  );
  return result.affectedRows === 1;
}

function toTicket(row: RowDataPacket): Ticket {
  return {
    id: row.id,
    showId: row.show_id,
    holdId: row.hold_id,
    holderOrgId: row.holder_org_id ?? null,
    holderUserId: row.holder_user_id ?? null,
    seat: Number(row.seat),
    status: row.status,
    revokedReason: row.revoked_reason,
    checkedInAt: row.checked_in_at,
    issuedAt: row.issued_at,
    revokedAt: row.revoked_at,
    show: {
      id: row.show_id,
      orgId: row.show_org_id,
      title: row.show_title,
      startsAt: row.show_starts_at,
      status: row.show_status,
    },
  };
}
