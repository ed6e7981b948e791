import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { recordRevokedGrants } from '../cdn/revocation-repository.ts';
import type { DbConnection } from '../db/pool.ts';
import { newId } from '../ids.ts';

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
  await connection.query(
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
 * Revokes one valid ticket (its show's creator did) and puts it on the edge's revocation list,
 * in the caller's transaction; false when it was not valid.
 */
export async function revokeTicket(connection: DbConnection, id: string, reason: string): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE tickets SET status = 'revoked', revoked_reason = ?, revoked_at = NOW(3)
      WHERE id = ? AND status = 'valid'`,
    [reason, id],
  );
  if (result.affectedRows === 0) return false;
  await recordRevokedGrants(connection, { kind: 'ticket', grantIds: [id], reason });
  return true;
}

export async function ticketIdsOf(connection: DbConnection, holdId: string): Promise<string[]> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT id FROM tickets WHERE hold_id = ? ORDER BY seat',
    [holdId],
  );
  return rows.map((row) => String(row.id));
}
