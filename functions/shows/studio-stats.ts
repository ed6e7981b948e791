import type { DbPool } from '#shared/db/pool.ts';
import { orderMoneyByShow, paidOrdersByDay } from '#shared/shows/seat-holds.ts';
import { checkedInByShow } from '#shared/shows/ticket-repository.ts';

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
export async function salesOfShows(db: DbPool, showIds: readonly string[]): Promise<Map<string, ShowSales>> {
  const [money, doors] = await Promise.all([orderMoneyByShow(db, showIds), checkedInByShow(db, showIds)]);
  return new Map(
    showIds.map((id) => [
      id,
      {
        checkedIn: doors.get(id) ?? 0,
        revenue: money.get(id)?.revenue ?? 0,
        refunded: money.get(id)?.refunded ?? 0,
      },
    ]),
  );
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
export async function salesByDay(db: DbPool, showId: string, days: number, today: Date): Promise<SalesDay[]> {
  const first = new Date(
    Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)),
  );
  const byDay = await paidOrdersByDay(db, showId, first);
  return Array.from({ length: days }, (_, index) => {
    const day = new Date(first.getTime() + index * 86_400_000).toISOString().slice(0, 10);
    const paid = byDay.get(day);
    return { day, ticketsSold: paid?.tickets ?? 0, revenue: paid?.revenue ?? 0 };
  });
}
