import type { RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';

type Queryable = DbPool | DbConnection;

/**
 * What a creator's studio shows per show, from the orders and tickets (the shows domain's own
 * tables). Money is in the show's currency's smallest unit.
 */
export interface ShowSales {
  /** Tickets used at the door (valid and checked in). */
  readonly checkedIn: number;
  /** Orders paid and not refunded. */
  readonly revenue: number;
  /** Orders refunded (a full refund, a late payment for a sold-out or cancelled show). */
  readonly refunded: number;
}

/** Sales figures of several shows at once (the studio's list); a show without orders gets zeros. */
export async function salesOfShows(
  db: Queryable,
  showIds: readonly string[],
): Promise<Map<string, ShowSales>> {
  const sales = new Map<string, ShowSales>(
    showIds.map((id) => [id, { checkedIn: 0, revenue: 0, refunded: 0 }]),
  );
  if (showIds.length === 0) return sales;
  const [money] = await db.query<RowDataPacket[]>(
    `SELECT show_id,
            COALESCE(SUM(IF(status = 'paid', amount_total, 0)), 0) AS revenue,
            COALESCE(SUM(IF(status = 'refunded', amount_total, 0)), 0) AS refunded
       FROM seat_holds WHERE show_id IN (?) AND status IN ('paid', 'refunded') GROUP BY show_id`,
    [showIds],
  );
  const [doors] = await db.query<RowDataPacket[]>(
    `SELECT show_id, COUNT(*) AS checked_in FROM tickets
      WHERE show_id IN (?) AND status = 'valid' AND checked_in_at IS NOT NULL GROUP BY show_id`,
    [showIds],
  );
  for (const row of money) {
    const id = String(row.show_id);
    const current = sales.get(id);
    if (current) sales.set(id, { ...current, revenue: Number(row.revenue), refunded: Number(row.refunded) });
  }
  for (const row of doors) {
    const id = String(row.show_id);
    const current = sales.get(id);
    if (current) sales.set(id, { ...current, checkedIn: Number(row.checked_in) });
  }
  return sales;
}

export interface SalesDay {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly ticketsSold: number;
  readonly revenue: number;
}

/**
 * Tickets sold and revenue per UTC day (by when the order was paid) over the last `days` days,
 * today included, oldest first; a day without sales is there with zeros (a chart needs no gaps).
 * Orders refunded since are not counted: the figures are what the show keeps.
 */
export async function salesByDay(
  db: Queryable,
  showId: string,
  days: number,
  today: Date,
): Promise<SalesDay[]> {
  const first = new Date(
    Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)),
  );
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT DATE_FORMAT(paid_at, '%Y-%m-%d') AS day, SUM(quantity) AS tickets, SUM(amount_total) AS revenue
       FROM seat_holds WHERE show_id = ? AND status = 'paid' AND paid_at >= ?
      GROUP BY day`,
    [showId, first],
  );
  const byDay = new Map(rows.map((row) => [String(row.day), row]));
  return Array.from({ length: days }, (_, index) => {
    const day = new Date(first.getTime() + index * 86_400_000).toISOString().slice(0, 10);
    const row = byDay.get(day);
    return { day, ticketsSold: Number(row?.tickets ?? 0), revenue: Number(row?.revenue ?? 0) };
  });
}
