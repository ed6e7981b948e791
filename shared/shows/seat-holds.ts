import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { appendToOutbox } from '#shared/outbox/outbox.ts';
import { type DbConnection, type DbPool, withTransaction } from '../db/pool.ts';
import { newId } from '../ids.ts';
import { type Holder, holderColumns, holderCondition } from './holder.ts';
import { isOnSale, type ShowAvailability, seatsLeft } from './show.ts';
import { ACTIVE_HOLD_CONDITION, findShow, SHOW_COLUMNS, showFromRow } from './show-repository.ts';
import { ticketIdsOf } from './ticket-repository.ts';

type Queryable = DbPool | DbConnection;

export interface SeatHold {
  readonly id: string;
  readonly showId: string;
  /** The person (portal session) or organisation (API key) buying. */
  readonly buyer: Holder;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly amountTotal: number;
  readonly currency: string;
  readonly expiresAt: Date;
}

export type ReserveOutcome =
  | { readonly kind: 'held'; readonly hold: SeatHold; readonly show: ShowAvailability; readonly now: Date }
  | { readonly kind: 'sold_out'; readonly seatsAvailable: number }
  | { readonly kind: 'not_on_sale'; readonly reason: 'cancelled' | 'started' }
  | { readonly kind: 'not_found' };

/**
 * Takes `quantity` seats out of sale for `holdSeconds` as a `pending` hold, or says why not. The
 * show row is locked while sold seats and unexpired holds are counted and the hold is written, so
 * concurrent checkouts of one show queue here and never hold more than its capacity.
 */
export async function reserveSeats(
  pool: DbPool,
  request: { showId: string; buyer: Holder; quantity: number; holdSeconds: number },
): Promise<ReserveOutcome> {
  return withTransaction(pool, async (connection) => {
    const locked = await lockShowForSale(connection, request.showId);
    if (!locked) return { kind: 'not_found' };
    const { show, now } = locked;
    if (!isOnSale(show, now))
      return { kind: 'not_on_sale', reason: show.status === 'cancelled' ? 'cancelled' : 'started' };
    if (show.seatsAvailable < request.quantity)
      return { kind: 'sold_out', seatsAvailable: show.seatsAvailable };
    const hold: SeatHold = {
      id: newId(now.getTime()),
      showId: show.id,
      buyer: request.buyer,
      quantity: request.quantity,
      unitAmount: show.priceAmount,
      amountTotal: show.priceAmount * request.quantity,
      currency: show.currency,
      expiresAt: new Date(now.getTime() + request.holdSeconds * 1000),
    };
    const buyer = holderColumns(hold.buyer);
    await connection.query(
      `INSERT INTO seat_holds (id, show_id, buyer_org_id, buyer_user_id, quantity, amount_total, currency, status,
         expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      [
        hold.id,
        hold.showId,
        buyer.orgId,
        buyer.userId,
        hold.quantity,
        hold.amountTotal,
        hold.currency,
        hold.expiresAt,
        now,
      ],
    );
    // The checkout's start, the funnel's middle step (show page → checkout → paid order).
    await appendToOutbox(connection, {
      aggregateType: 'order',
      aggregateId: hold.id,
      type: 'order.placed',
      occurredAt: now,
      payload: {
        holdId: hold.id,
        showId: hold.showId,
        holderOrgId: buyer.orgId,
        holderUserId: buyer.userId,
        showOrgId: show.orgId,
        quantity: hold.quantity,
        amountTotal: hold.amountTotal,
        currency: hold.currency.toLowerCase(),
        expiresAt: hold.expiresAt.toISOString(),
      },
    });
    const seatsHeld = show.seatsHeld + hold.quantity;
    return {
      kind: 'held',
      hold,
      show: { ...show, seatsHeld, seatsAvailable: show.seatsAvailable - hold.quantity },
      now,
    };
  });
}

/**
 * Records the Checkout Session of a pending hold. False when the hold is no longer pending: the
 * sweep released it, or the webhook got there first.
 */
export async function markHoldHeld(
  db: Queryable,
  holdId: string,
  checkoutSessionId: string,
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE seat_holds SET status = 'held', checkout_session_id = ? WHERE id = ? AND status = 'pending'`,
    [checkoutSessionId, holdId],
  );
  return result.affectedRows === 1;
}

export type HoldStatus = 'pending' | 'held' | 'paid' | 'released' | 'refunded';

/** An order as its buyer sees it (GET /v1/holds/{id}). */
export interface BuyerHold {
  readonly id: string;
  readonly showId: string;
  readonly quantity: number;
  readonly amountTotal: number;
  readonly currency: string;
  /**
   * `pending` reads as `held`; a held order past its expiry reads as `released` (reason
   * `expired`) before the sweep writes it: its Checkout Session no longer takes payment.
   */
  readonly status: Exclude<HoldStatus, 'pending'>;
  readonly expiresAt: Date;
  readonly releaseReason: string | null;
  /** The order's tickets, seat order; empty until it is paid. */
  readonly ticketIds: readonly string[];
}

/** The buyer's order; another buyer's is reported as missing (existence is not disclosed). */
export async function findBuyerHold(
  db: Queryable,
  buyer: Holder,
  id: string,
): Promise<BuyerHold | undefined> {
  const who = holderCondition(buyer, 'buyer', 'h');
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT h.id, h.show_id, h.quantity, h.amount_total, h.currency, h.status, h.expires_at, h.release_reason,
            h.expires_at <= NOW(3) AS lapsed
       FROM seat_holds h WHERE h.id = ? AND ${who.sql}`,
    [id, who.param],
  );
  const row = rows[0];
  if (!row) return undefined;
  const stored = row.status as HoldStatus;
  const open = stored === 'pending' || stored === 'held';
  const lapsed = open && Number(row.lapsed) === 1;
  return {
    id: String(row.id),
    showId: String(row.show_id),
    quantity: Number(row.quantity),
    amountTotal: Number(row.amount_total),
    currency: String(row.currency),
    status: lapsed ? 'released' : open ? 'held' : stored,
    expiresAt: row.expires_at as Date,
    releaseReason: lapsed ? EXPIRED_HOLD_REASON : ((row.release_reason as string | null) ?? null),
    ticketIds: stored === 'pending' || stored === 'held' ? [] : await ticketIdsOf(db, String(row.id)),
  };
}

export async function holdStatus(db: Queryable, holdId: string): Promise<HoldStatus | undefined> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT status FROM seat_holds WHERE id = ?', [holdId]);
  return rows[0] ? (rows[0].status as HoldStatus) : undefined;
}

/** Gives a hold's seats back (pending or held only: a paid order is never released here). */
export async function releaseHold(db: Queryable, holdId: string, reason: string): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE seat_holds SET status = 'released', release_reason = ?, released_at = NOW(3)
      WHERE id = ? AND status IN ('pending', 'held')`,
    [reason.slice(0, 200), holdId],
  );
  return result.affectedRows === 1;
}

export const EXPIRED_HOLD_REASON = 'expired';

/**
 * Marks held and pending holds past `expires_at` as released, oldest first, at most `limit`.
 * Availability never waits for this (expired holds stop counting at once); it keeps the table
 * honest for whoever reads statuses. Returns the holds it released.
 */
export async function releaseExpiredHolds(
  pool: DbPool,
  options: { showId?: string; limit: number },
): Promise<{ released: string[] }> {
  const where = ["status IN ('pending', 'held')", 'expires_at <= NOW(3)'];
  const params: unknown[] = [];
  if (options.showId) {
    where.push('show_id = ?');
    params.push(options.showId);
  }
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id FROM seat_holds WHERE ${where.join(' AND ')} ORDER BY expires_at LIMIT ?`,
    [...params, options.limit],
  );
  const candidates = rows.map((row) => String(row.id));
  if (candidates.length === 0) return { released: [] };
  // Re-checked per row under its own lock: a hold paid or released meanwhile is left alone.
  const released: string[] = [];
  for (const id of candidates) {
    const [result] = await pool.query<ResultSetHeader>(
      `UPDATE seat_holds SET status = 'released', release_reason = ?, released_at = NOW(3)
        WHERE id = ? AND status IN ('pending', 'held') AND expires_at <= NOW(3)`,
      [EXPIRED_HOLD_REASON, id],
    );
    if (result.affectedRows === 1) released.push(id);
  }
  return { released };
}

/** Seats a show can still sell now; undefined for an unknown show, 0 when it is not on sale. */
export async function seatsAvailable(db: Queryable, showId: string): Promise<number | undefined> {
  const found = await findShow(db, showId);
  if (!found) return undefined;
  return isOnSale(found.show, found.now) ? found.show.seatsAvailable : 0;
}

/**
 * Locks the show row (the lock every hold and every sale takes) and counts the seats its
 * unexpired holds keep out of sale. Inside a transaction only.
 */
export async function lockShowForSale(
  connection: DbConnection,
  showId: string,
): Promise<{ show: ShowAvailability; now: Date } | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT ${SHOW_COLUMNS}, NOW(3) AS db_now FROM shows s WHERE s.id = ? FOR UPDATE`,
    [showId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const show = showFromRow(row);
  const held = await seatsHeld(connection, showId);
  return {
    show: { ...show, seatsHeld: held, seatsAvailable: seatsLeft(show, held) },
    now: row.db_now as Date,
  };
}

/** Seats held by unexpired holds of one show (for callers already holding the show lock). */
export async function seatsHeld(connection: DbConnection, showId: string): Promise<number> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT COALESCE(SUM(quantity), 0) AS seats FROM seat_holds WHERE show_id = ? AND ${ACTIVE_HOLD_CONDITION}`,
    [showId],
  );
  return Number(rows[0]?.seats ?? 0);
}

/** Paid and refunded order totals per show (the studio's figures); shows without orders are absent. */
export async function orderMoneyByShow(
  db: Queryable,
  showIds: readonly string[],
): Promise<Map<string, { revenue: number; refunded: number }>> {
  if (showIds.length === 0) return new Map();
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT show_id,
            COALESCE(SUM(IF(status = 'paid', amount_total, 0)), 0) AS revenue,
            COALESCE(SUM(IF(status = 'refunded', amount_total, 0)), 0) AS refunded
       FROM seat_holds WHERE show_id IN (?) AND status IN ('paid', 'refunded') GROUP BY show_id`,
    [[...showIds]],
  );
  return new Map(
    rows.map((row) => [
      String(row.show_id),
      { revenue: Number(row.revenue), refunded: Number(row.refunded) },
    ]),
  );
}

/**
 * Seats and revenue of the show's orders still paid, per UTC day they were paid (`YYYY-MM-DD`),
 * from `since`; days without a paid order are absent.
 */
export async function paidOrdersByDay(
  db: Queryable,
  showId: string,
  since: Date,
): Promise<Map<string, { tickets: number; revenue: number }>> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT DATE_FORMAT(paid_at, '%Y-%m-%d') AS day, SUM(quantity) AS tickets, SUM(amount_total) AS revenue
       FROM seat_holds WHERE show_id = ? AND status = 'paid' AND paid_at >= ?
      GROUP BY day`,
    [showId, since],
  );
  return new Map(
    rows.map((row) => [String(row.day), { tickets: Number(row.tickets), revenue: Number(row.revenue) }]),
  );
}
