import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { recordRevokedGrants } from '../cdn/revocation-repository.ts';
import { deferWrite } from '../db/coalesced-writes.ts';
import type { DbConnection, DbPool } from '../db/pool.ts';
import { newId } from '../ids.ts';
import { appendToOutbox } from '../outbox/outbox.ts';
import { type Holder, holderCondition } from './holder.ts';

type Queryable = DbPool | DbConnection;

/**
 * The tickets table's repository: issuing an order's seats and revoking them (fulfilment, the
 * door), the tickets function's reads (its holder's list, one ticket, the check-in), the ticket
 * that admits a viewer (show-access) and the door counts of the studio. Reads join shows,
 * users and organisations for names only; nothing else writes tickets.
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

export interface TicketOrder {
  readonly holdId: string;
  readonly showId: string;
  /** At least one of the two (the order's buyer): migration 0013's CHECK refuses neither. */
  readonly holderOrgId: string | null;
  readonly holderUserId: string | null;
  readonly quantity: number;
}

export type RevocationReason = 'refunded' | 'disputed';

/**
 * Issues seats 1..quantity of an order and returns their ids. Callers issue an order once, under
 * its hold's lock; (hold_id, seat) is unique all the same, so a second set fails loudly instead
 * of being sold twice.
 */
export async function issueTickets(connection: DbConnection, order: TicketOrder): Promise<string[]> {
  if (order.quantity < 1) return [];
  const ids = Array.from({ length: order.quantity }, () => newId());
  const rows = ids.map((id, index) => [
    id,
    order.showId,
    order.holdId,
    order.holderOrgId,
    order.holderUserId,
    index + 1,
  ]);
  // The ids are made here, so nothing is read back (a coalesced transaction sends it later).
  await deferWrite(
    connection,
    'INSERT INTO tickets (id, show_id, hold_id, holder_org_id, holder_user_id, seat) VALUES ?',
    [rows],
  );
  return ids;
}

/**
 * Revokes every valid ticket of an order; returns how many this call revoked. Each revoked
 * ticket goes on the edge's revocation list in the same transaction, so playback URLs already
 * issued for it stop working too (shared/cdn/revocation-push.ts).
 */
export async function revokeTickets(
  connection: DbConnection,
  holdId: string,
  reason: RevocationReason,
): Promise<number> {
  const [rows] = await connection.query<RowDataPacket[]>(
    "SELECT id FROM tickets WHERE hold_id = ? AND status = 'valid' FOR UPDATE",
    [holdId],
  );
  const ids = rows.map((row) => String(row.id));
  if (ids.length === 0) return 0;
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE tickets SET status = 'revoked', revoked_reason = ?, revoked_at = NOW(3)
      WHERE id IN (?) AND status = 'valid'`,
    [reason, ids],
  );
  await recordRevokedGrants(connection, { kind: 'ticket', grantIds: ids, reason });
  return result.affectedRows;
}

/**
 * Revokes one valid ticket (its show's creator did): on the edge's revocation list and a
 * `tickets.revoked` event, in the caller's transaction; false when it was not valid.
 */
export async function revokeTicket(
  connection: DbConnection,
  ticket: Pick<Ticket, 'id' | 'showId' | 'holdId' | 'holderOrgId' | 'holderUserId'>,
  revocation: { reason: string; revokedBy: string },
): Promise<boolean> {
  const { reason } = revocation;
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE tickets SET status = 'revoked', revoked_reason = ?, revoked_at = NOW(3)
      WHERE id = ? AND status = 'valid'`,
    [reason, ticket.id],
  );
  if (result.affectedRows === 0) return false;
  await recordRevokedGrants(connection, { kind: 'ticket', grantIds: [ticket.id], reason });
  await appendToOutbox(connection, {
    aggregateType: 'ticket',
    aggregateId: ticket.id,
    type: 'tickets.revoked',
    payload: {
      ticketId: ticket.id,
      showId: ticket.showId,
      holdId: ticket.holdId,
      holderOrgId: ticket.holderOrgId,
      holderUserId: ticket.holderUserId,
      reason,
      revokedBy: revocation.revokedBy,
    },
  });
  return true;
}

/** The order's tickets, seat order; empty until it is paid. */
export async function ticketIdsOf(db: Queryable, holdId: string): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT id FROM tickets WHERE hold_id = ? ORDER BY seat', [
    holdId,
  ]);
  return rows.map((row) => String(row.id));
}

/** A valid ticket that admits its holder, with the name the holder goes by (person, or organisation). */
export interface AdmittingTicket {
  readonly id: string;
  readonly holderName: string;
}

/**
 * One valid (not revoked) ticket of the show held by the person or organisation, the oldest;
 * checked-in tickets still count (entering the venue does not end the stream).
 */
export async function findValidTicket(
  db: Queryable,
  showId: string,
  holder: Holder,
): Promise<AdmittingTicket | undefined> {
  const who = holderCondition(holder, 'holder', 't');
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT t.id, ${holder.kind === 'person' ? 'u.name' : 'o.name'} AS holder_name
       FROM tickets t
       ${holder.kind === 'person' ? 'JOIN users u ON u.id = t.holder_user_id' : 'JOIN organisations o ON o.id = t.holder_org_id'}
      WHERE ${who.sql} AND t.show_id = ? AND t.status = 'valid'
      ORDER BY t.id LIMIT 1`,
    [who.param, showId],
  );
  const row = rows[0];
  return row ? { id: String(row.id), holderName: String(row.holder_name) } : undefined;
}

/** Tickets used at the door (valid and checked in) per show; shows without any are absent. */
export async function checkedInByShow(
  db: Queryable,
  showIds: readonly string[],
): Promise<Map<string, number>> {
  if (showIds.length === 0) return new Map();
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT show_id, COUNT(*) AS checked_in FROM tickets
      WHERE show_id IN (?) AND status = 'valid' AND checked_in_at IS NOT NULL GROUP BY show_id`,
    [[...showIds]],
  );
  return new Map(rows.map((row) => [String(row.show_id), Number(row.checked_in)]));
}
