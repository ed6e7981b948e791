import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { appendToOutbox } from '#shared/outbox/outbox.ts';
import { deferWrite } from '../db/coalesced-writes.ts';
import { type DbConnection, type DbPool, withTransaction } from '../db/pool.ts';
import { newId } from '../ids.ts';
import { type Holder, holderColumns, holderCondition } from './holder.ts';
import { isOnSale, type ShowAvailability, seatsLeft } from './show.ts';
import { ACTIVE_HOLD_CONDITION, findShow, lockShow } from './show-repository.ts';
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
  const locked = await lockShow(connection, showId);
  if (!locked) return undefined;
  const { show, now } = locked;
  const held = await seatsHeld(connection, showId);
  return { show: { ...show, seatsHeld: held, seatsAvailable: seatsLeft(show, held) }, now };
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

/** An order (a seat hold) as fulfilment sees it, read under its row lock. */
export interface OrderHold {
  readonly id: string;
  readonly showId: string;
  /** The buying organisation (API key), or null for a person's order. */
  readonly buyerOrgId: string | null;
  /** The buying person (portal session); both are set on orders migrated from viewer organisations. */
  readonly buyerUserId: string | null;
  readonly quantity: number;
  /** The order's price, smallest currency unit, and its currency (lower-case). */
  readonly amountTotal: number;
  readonly currency: string;
  readonly status: HoldStatus;
  readonly checkoutSessionId: string | null;
  readonly paymentIntentId: string | null;
  readonly refundId: string | null;
  readonly releaseReason: string | null;
  /** Past expires_at: its seats no longer count as held, whatever the status says. */
  readonly lapsed: boolean;
}

const HOLD_COLUMNS = `id, show_id, buyer_org_id, buyer_user_id, quantity, amount_total, currency, status, checkout_session_id, payment_intent_id,
  refund_id, release_reason, expires_at <= NOW(3) AS lapsed`;

function orderFrom(row: RowDataPacket): OrderHold {
  return {
    id: String(row.id),
    showId: String(row.show_id),
    buyerOrgId: (row.buyer_org_id as string | null) ?? null,
    buyerUserId: (row.buyer_user_id as string | null) ?? null,
    quantity: Number(row.quantity),
    amountTotal: Number(row.amount_total),
    currency: String(row.currency).toLowerCase(),
    status: row.status as HoldStatus,
    checkoutSessionId: (row.checkout_session_id as string | null) ?? null,
    paymentIntentId: (row.payment_intent_id as string | null) ?? null,
    refundId: (row.refund_id as string | null) ?? null,
    releaseReason: (row.release_reason as string | null) ?? null,
    lapsed: Number(row.lapsed) === 1,
  };
}

/** The order whose id, Checkout Session or payment intent is `value`, locked (FOR UPDATE). */
export async function lockOrder(
  connection: DbConnection,
  by: 'id' | 'checkout_session_id' | 'payment_intent_id',
  value: string,
): Promise<OrderHold | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT ${HOLD_COLUMNS} FROM seat_holds WHERE ${by} = ? FOR UPDATE`,
    [value],
  );
  return rows[0] ? orderFrom(rows[0]) : undefined;
}

/**
 * Seats other unexpired holds keep, for a caller holding the show lock. A locking read: a plain
 * one would use the transaction's read view, which may predate a hold committed just before this
 * transaction got the show row. Only fulfilment's late-payment path takes it.
 */
export async function seatsHeldByOthers(connection: DbConnection, showId: string, holdId: string) {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT COALESCE(SUM(quantity), 0) AS seats FROM seat_holds
      WHERE show_id = ? AND ${ACTIVE_HOLD_CONDITION} AND id <> ? LOCK IN SHARE MODE`,
    [showId, holdId],
  );
  return Number(rows[0]?.seats ?? 0);
}

/** Moves an order to paid, released or refunded (the times and reason kept once set). */
export async function setOrderStatus(
  connection: DbConnection,
  holdId: string,
  status: 'paid' | 'released' | 'refunded',
  reason: string | null,
) {
  // Nothing read back: in a coalesced transaction (a Stripe event's) it travels with the next statement.
  await deferWrite(
    connection,
    `UPDATE seat_holds SET status = ?, release_reason = COALESCE(?, release_reason),
            paid_at = IF(? = 'paid', NOW(3), paid_at),
            released_at = IF(? <> 'paid', COALESCE(released_at, NOW(3)), released_at)
      WHERE id = ?`,
    [status, reason, status, status, holdId],
  );
}

/**
 * The order's Checkout Session, payment intent and payment status, as its completion says. Its
 * status is left alone: changing it checks the hold's foreign key (see fulfilment).
 */
export async function recordCheckout(
  connection: DbConnection,
  holdId: string,
  checkout: { checkoutSessionId: string; paymentIntentId: string | null; paymentStatus: string },
): Promise<void> {
  // Travels with the next statement in a coalesced transaction, and still runs before it.
  await deferWrite(
    connection,
    'UPDATE seat_holds SET checkout_session_id = ?, payment_intent_id = ?, payment_status = ? WHERE id = ?',
    [checkout.checkoutSessionId, checkout.paymentIntentId, checkout.paymentStatus, holdId],
  );
}

/**
 * A completion whose payment is still settling: the session and payment are recorded and the
 * seats stay held for `holdSeconds` more.
 */
export async function recordPaymentSettling(
  connection: DbConnection,
  holdId: string,
  checkout: {
    checkoutSessionId: string;
    paymentIntentId: string | null;
    paymentStatus: string;
    holdSeconds: number;
  },
): Promise<void> {
  await connection.query(
    `UPDATE seat_holds SET checkout_session_id = ?, payment_intent_id = COALESCE(payment_intent_id, ?),
            payment_status = ?,
            -- A hold that already lapsed is not revived: its seats may be sold; the payment, if it
            -- lands, goes through the late-payment policy.
            expires_at = IF(expires_at > NOW(3), GREATEST(expires_at, NOW(3) + INTERVAL ? SECOND), expires_at)
      WHERE id = ?`,
    [
      checkout.checkoutSessionId,
      checkout.paymentIntentId,
      checkout.paymentStatus,
      checkout.holdSeconds,
      holdId,
    ],
  );
}

/** The payment intent a refund named, on an order that had none yet. */
export async function recordPaymentIntent(
  connection: DbConnection,
  holdId: string,
  paymentIntentId: string,
): Promise<void> {
  await connection.query('UPDATE seat_holds SET payment_intent_id = ? WHERE id = ?', [
    paymentIntentId,
    holdId,
  ]);
}

/** A refunded order whose refund is not recorded yet (a plain read); undefined otherwise. */
export async function findUnrefundedOrder(db: Queryable, holdId: string): Promise<OrderHold | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${HOLD_COLUMNS} FROM seat_holds WHERE id = ? AND status = 'refunded' AND refund_id IS NULL`,
    [holdId],
  );
  return rows[0] ? orderFrom(rows[0]) : undefined;
}

/** Records the refund once; false when another call recorded one first. */
export async function recordRefundId(
  connection: DbConnection,
  holdId: string,
  refundId: string,
): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    'UPDATE seat_holds SET refund_id = ? WHERE id = ? AND refund_id IS NULL',
    [refundId, holdId],
  );
  return result.affectedRows === 1;
}
