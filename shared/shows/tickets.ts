import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection } from '../db/pool.ts';
import { newId } from '../ids.ts';

export interface TicketOrder {
  readonly holdId: string;
  readonly showId: string;
  readonly holderOrgId: string;
  readonly quantity: number;
}

export type RevocationReason = 'refunded' | 'disputed';

/**
 * Issues seats 1..quantity of an order and returns the order's ticket ids. (hold_id, seat) is
 * unique, so a second call for the same order adds nothing and returns the same ids.
 */
export async function issueTickets(connection: DbConnection, order: TicketOrder): Promise<string[]> {
  if (order.quantity < 1) return [];
  const rows = Array.from({ length: order.quantity }, (_, index) => [
    newId(),
    order.showId,
    order.holdId,
    order.holderOrgId,
    index + 1,
  ]);
  // ON DUPLICATE KEY (not INSERT IGNORE): only a seat already issued is skipped, never a bad row.
  await connection.query(
    `INSERT INTO tickets (id, show_id, hold_id, holder_org_id, seat) VALUES ?
       ON DUPLICATE KEY UPDATE id = id`,
    [rows],
  );
  return ticketIdsOf(connection, order.holdId);
}

/** Revokes every valid ticket of an order; returns how many this call revoked. */
export async function revokeTickets(
  connection: DbConnection,
  holdId: string,
  reason: RevocationReason,
): Promise<number> {
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE tickets SET status = 'revoked', revoked_reason = ?, revoked_at = NOW(3)
      WHERE hold_id = ? AND status = 'valid'`,
    [reason, holdId],
  );
  return result.affectedRows;
}

export async function ticketIdsOf(connection: DbConnection, holdId: string): Promise<string[]> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT id FROM tickets WHERE hold_id = ? ORDER BY seat',
    [holdId],
  );
  return rows.map((row) => String(row.id));
}
