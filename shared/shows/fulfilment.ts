import { type DbConnection, type DbPool, withTransaction } from '../db/pool.ts';
import { appendToOutbox, type DomainEvent, type DomainEventPayload } from '../outbox/outbox.ts';
import { PaymentProviderError, type Payments } from '../payments/payments.ts';
import {
  findUnrefundedOrder,
  type HoldStatus,
  lockOrder,
  type OrderHold,
  recordCheckout,
  recordPaymentIntent,
  recordPaymentSettling,
  recordRefundId,
  seatsHeldByOthers,
  setOrderStatus,
} from './seat-holds.ts';
import { countSeatsSold, lockShowSeats, returnSoldSeats, showOwner } from './show-repository.ts';
import {
  type ChargeObject,
  type CheckoutSessionObject,
  chargeSchema,
  holdIdOf,
  STRIPE_EVENT_TYPES,
} from './stripe-event.ts';
import { markProcessed, unprocessedEventsFor } from './stripe-event-log.ts';
import { issueTickets, type RevocationReason, revokeTickets } from './ticket-repository.ts';

/**
 * Exactly-once fulfilment of Stripe Checkout orders (one seat hold per session).
 *
 * Every function here runs inside the caller's transaction and locks the hold first, then the
 * show, so two deliveries for one order serialise on the hold row and two orders for one show
 * serialise on the show row: a show never sells more than its capacity, an order is paid once.
 * The show row is taken exclusively before any write that checks a foreign key into it (a hold's
 * status, a ticket), since upgrading those shared locks is how two sales would deadlock.
 *
 * Late-payment policy: a payment for a hold that lapsed (expired, released) still gets its seats
 * when the show has room; when it does not, or the show was cancelled, the payment is refunded in
 * full through the Payments port with the idempotency key `refund-<holdId>`, after the decision
 * has committed. A full refund revokes the tickets and puts the seats back on sale; a dispute
 * revokes the tickets and keeps the seats sold until it is decided.
 */
export const LATE_PAYMENT_REASON = 'late payment: show sold out, refunded';
const CANCELLED_SHOW_REASON = 'payment for a cancelled show, refunded';
const NOTHING_CHARGED_REASON = 'late completion without a charge: show sold out';
const REFUNDED_BEFORE_FULFILMENT = 'charge refunded before fulfilment';
const CHARGE_REFUNDED = 'charge refunded';
const REFUND_ISSUING_REASONS = [LATE_PAYMENT_REASON, CANCELLED_SHOW_REASON];

export type FulfilOutcome =
  | { readonly kind: 'issued'; readonly holdId: string; readonly tickets: number; readonly late: boolean }
  | { readonly kind: 'issued-then-revoked'; readonly holdId: string; readonly tickets: number }
  | { readonly kind: 'already-paid'; readonly holdId: string }
  | { readonly kind: 'already-refunded'; readonly holdId: string }
  | { readonly kind: 'refunded-before-fulfilment'; readonly holdId: string }
  | { readonly kind: 'sold-out-nothing-charged'; readonly holdId: string }
  /** Decided and committed; the caller refunds after the commit (refundLatePayment). */
  | { readonly kind: 'refund-due'; readonly holdId: string }
  | { readonly kind: 'unknown-session' }
  /** The session names a hold that is not there (yet): try again later. */
  | { readonly kind: 'hold-missing'; readonly holdId: string };

export type PendingOutcome =
  | { readonly kind: 'payment-pending'; readonly holdId: string }
  | { readonly kind: 'already-settled'; readonly holdId: string; readonly status: HoldStatus }
  | { readonly kind: 'unknown-session' }
  | { readonly kind: 'hold-missing'; readonly holdId: string };

export type ReleaseOutcome =
  | { readonly kind: 'released'; readonly holdId: string }
  | { readonly kind: 'untouched'; readonly holdId: string; readonly status: HoldStatus }
  | { readonly kind: 'unknown-session' }
  | { readonly kind: 'hold-missing'; readonly holdId: string };

export type RevokeOutcome =
  | { readonly kind: 'revoked'; readonly holdId: string; readonly tickets: number }
  /** Marked before its completion arrived: that completion will issue no valid tickets. */
  | { readonly kind: 'marked-refunded'; readonly holdId: string }
  | { readonly kind: 'nothing-to-revoke'; readonly holdId: string; readonly status: HoldStatus }
  /** No order carries this payment intent yet (the completion is still on its way). */
  | { readonly kind: 'order-not-found' }
  /** A dispute for an order that is not paid yet: kept until the payment lands. */
  | { readonly kind: 'waiting-for-payment'; readonly holdId: string };

type HoldLookup = { found: OrderHold } | { missing: string } | 'unknown';

/**
 * The session's hold, locked. By session id first; by the hold id the session carries when the
 * session id was never recorded (the checkout's answer was lost after Stripe created it).
 */
async function lockHoldOfSession(
  connection: DbConnection,
  session: CheckoutSessionObject,
): Promise<HoldLookup> {
  const bySession = await lockOrder(connection, 'checkout_session_id', session.id);
  if (bySession) return { found: bySession };
  const holdId = holdIdOf(session);
  if (!holdId) return 'unknown';
  const byId = await lockOrder(connection, 'id', holdId);
  if (!byId) return { missing: holdId };
  // One session per hold: a hold already bound to another session is not this order.
  if (byId.checkoutSessionId !== null && byId.checkoutSessionId !== session.id) return 'unknown';
  return { found: byId };
}

interface PendingRevocation {
  readonly eventId: string;
  readonly reason: RevocationReason;
}

/**
 * Refunds and disputes recorded for this payment intent that found no order when they came.
 * Called after the order's payment intent is written, so a refund processed concurrently either
 * is visible here or waits for this transaction and then finds the order. It must stay the
 * transaction's first plain read: InnoDB takes the read view there, after that write's waits.
 */
async function pendingRevocations(connection: DbConnection, paymentIntentId: string) {
  const events = await unprocessedEventsFor(connection, paymentIntentId, [
    STRIPE_EVENT_TYPES.chargeRefunded,
    STRIPE_EVENT_TYPES.disputeCreated,
  ]);
  const pending: PendingRevocation[] = [];
  for (const event of events) {
    if (event.type === STRIPE_EVENT_TYPES.disputeCreated) {
      pending.push({ eventId: event.id, reason: 'disputed' });
      continue;
    }
    const charge = chargeSchema.safeParse(JSON.parse(event.payload).data?.object);
    if (charge.success && charge.data.refunded) pending.push({ eventId: event.id, reason: 'refunded' });
  }
  return pending;
}

type OrderEventType = 'tickets.issued' | 'tickets.revoked' | 'order.refunded';
type OrderMembers = 'holdId' | 'showId' | 'holderOrgId' | 'holderUserId';

/** An order event: the hold's members every one carries, and the type's own (typed by the catalogue). */
const orderEvent = <T extends OrderEventType>(
  hold: OrderHold,
  type: T,
  // tickets.revoked is also written for one ticket at the door; an order's carries no ticketId.
  payload: Omit<Exclude<DomainEventPayload<T>, { ticketId: string }>, OrderMembers>,
) =>
  ({
    aggregateType: 'order',
    aggregateId: hold.id,
    type,
    payload: {
      holdId: hold.id,
      showId: hold.showId,
      holderOrgId: hold.buyerOrgId,
      holderUserId: hold.buyerUserId,
      ...payload,
    },
  }) as Extract<DomainEvent, { readonly type: T }>;

/**
 * What an order is worth and whose show it is, for the events the creator dashboards add up.
 * A plain read of the show's owner, which never changes; callers are past their first plain read.
 */
async function orderValue(connection: DbConnection, hold: OrderHold) {
  const showOrgId = await showOwner(connection, hold.showId);
  return {
    ...(showOrgId === undefined ? {} : { showOrgId }),
    amountTotal: hold.amountTotal,
    currency: hold.currency,
  };
}

/**
 * Fulfils a paid Checkout Session once: a second call, concurrent or later, finds the hold paid
 * (or refunded) and changes nothing.
 */
export async function fulfil(
  connection: DbConnection,
  session: CheckoutSessionObject,
): Promise<FulfilOutcome> {
  const lookup = await lockHoldOfSession(connection, session);
  if (lookup === 'unknown') return { kind: 'unknown-session' };
  if ('missing' in lookup) return { kind: 'hold-missing', holdId: lookup.missing };
  const hold = lookup.found;
  if (hold.status === 'paid') return { kind: 'already-paid', holdId: hold.id };
  if (hold.status === 'refunded') {
    const refundStillOwed =
      hold.refundId === null && REFUND_ISSUING_REASONS.includes(hold.releaseReason ?? '');
    return refundStillOwed
      ? { kind: 'refund-due', holdId: hold.id }
      : { kind: 'already-refunded', holdId: hold.id };
  }

  const paymentIntentId = hold.paymentIntentId ?? session.payment_intent ?? null;
  const active = !hold.lapsed && (hold.status === 'held' || hold.status === 'pending');
  // Written before the pending check below (see pendingRevocations). The status is left for
  // later: changing it checks the hold's foreign key, a shared lock on the show row, and a sale
  // must take that row exclusively first (two sales upgrading shared locks deadlock).
  await recordCheckout(connection, hold.id, {
    checkoutSessionId: session.id,
    paymentIntentId,
    paymentStatus: session.payment_status,
  });
  const pending = paymentIntentId ? await pendingRevocations(connection, paymentIntentId) : [];
  const refundedAlready = pending.filter((p) => p.reason === 'refunded');
  if (refundedAlready.length > 0) {
    await setOrderStatus(connection, hold.id, 'refunded', REFUNDED_BEFORE_FULFILMENT);
    await appendToOutbox(
      connection,
      orderEvent(hold, 'order.refunded', {
        refundId: null,
        reason: REFUNDED_BEFORE_FULFILMENT,
        paymentIntentId,
        ...(await orderValue(connection, hold)),
      }),
    );
    await markProcessed(
      connection,
      refundedAlready.map((p) => p.eventId),
      'marked-refunded on completion',
    );
    return { kind: 'refunded-before-fulfilment', holdId: hold.id };
  }
  const order = { ...hold, paymentIntentId };
  const disputes = pending.filter((p) => p.reason === 'disputed');

  if (active) {
    // The checkout kept these seats out of sale, so the sale needs no count of other holds, only
    // the capacity guard on the show row. Should it refuse (capacity lowered meanwhile, show
    // cancelled), nothing was sold and the order goes the late-payment way below.
    const sold = await sellSeats(connection, order, disputes, false);
    if (sold) return sold;
  }

  const show = await lockShowSeats(connection, hold.showId);
  const available =
    show.capacity - show.seatsSold - (await seatsHeldByOthers(connection, hold.showId, hold.id));
  if (!show.onSale || available < hold.quantity) {
    if (paymentIntentId === null) {
      await setOrderStatus(connection, hold.id, 'released', NOTHING_CHARGED_REASON);
      return { kind: 'sold-out-nothing-charged', holdId: hold.id };
    }
    await setOrderStatus(
      connection,
      hold.id,
      'refunded',
      show.onSale ? LATE_PAYMENT_REASON : CANCELLED_SHOW_REASON,
    );
    return { kind: 'refund-due', holdId: hold.id };
  }
  const sold = await sellSeats(connection, order, disputes, true);
  if (!sold) throw new Error(`show ${hold.showId} refused a sale its locked count allowed`);
  return sold;
}

/**
 * Counts the order's seats as sold behind the show's capacity guard, then marks the order paid
 * and issues its tickets; undefined (nothing written) when the guard refuses. The guard comes
 * first on purpose: the hold's and the tickets' foreign keys take shared locks on the show row,
 * and two sales upgrading those to the guard's exclusive lock would deadlock each other.
 */
async function sellSeats(
  connection: DbConnection,
  hold: OrderHold,
  disputes: readonly PendingRevocation[],
  late: boolean,
): Promise<FulfilOutcome | undefined> {
  if (!(await countSeatsSold(connection, hold.showId, hold.quantity))) return undefined;
  await setOrderStatus(connection, hold.id, 'paid', null);
  const ticketIds = await issueTickets(connection, {
    holdId: hold.id,
    showId: hold.showId,
    // The order's buyer holds its tickets: the person, the organisation, or (migrated) both.
    holderOrgId: hold.buyerOrgId,
    holderUserId: hold.buyerUserId,
    quantity: hold.quantity,
  });
  await appendToOutbox(
    connection,
    orderEvent(hold, 'tickets.issued', {
      ticketIds,
      quantity: hold.quantity,
      paymentIntentId: hold.paymentIntentId,
      ...(await orderValue(connection, hold)),
    }),
  );
  if (disputes.length === 0) return { kind: 'issued', holdId: hold.id, tickets: ticketIds.length, late };
  await revokeLocked(connection, { ...hold, status: 'paid' }, 'disputed');
  await markProcessed(
    connection,
    disputes.map((p) => p.eventId),
    'revoked on completion',
  );
  return { kind: 'issued-then-revoked', holdId: hold.id, tickets: ticketIds.length };
}

/**
 * A completed session whose payment is still on its way (bank debits): the seats stay held until
 * the payment succeeds or fails, for at most `holdSeconds`.
 */
export async function recordPaymentPending(
  connection: DbConnection,
  session: CheckoutSessionObject,
  holdSeconds: number,
): Promise<PendingOutcome> {
  const lookup = await lockHoldOfSession(connection, session);
  if (lookup === 'unknown') return { kind: 'unknown-session' };
  if ('missing' in lookup) return { kind: 'hold-missing', holdId: lookup.missing };
  const hold = lookup.found;
  if (hold.status !== 'held' && hold.status !== 'pending') {
    return { kind: 'already-settled', holdId: hold.id, status: hold.status };
  }
  await recordPaymentSettling(connection, hold.id, {
    checkoutSessionId: session.id,
    paymentIntentId: session.payment_intent ?? null,
    paymentStatus: session.payment_status,
    holdSeconds,
  });
  return { kind: 'payment-pending', holdId: hold.id };
}

/** Releases an unpaid hold (session expired, delayed payment failed). A paid order is never touched. */
export async function releaseHoldOfSession(
  connection: DbConnection,
  session: CheckoutSessionObject,
  reason: string,
): Promise<ReleaseOutcome> {
  const lookup = await lockHoldOfSession(connection, session);
  if (lookup === 'unknown') return { kind: 'unknown-session' };
  if ('missing' in lookup) return { kind: 'hold-missing', holdId: lookup.missing };
  const hold = lookup.found;
  if (hold.status !== 'held' && hold.status !== 'pending') {
    return { kind: 'untouched', holdId: hold.id, status: hold.status };
  }
  await setOrderStatus(connection, hold.id, 'released', reason);
  return { kind: 'released', holdId: hold.id };
}

async function revokeLocked(connection: DbConnection, hold: OrderHold, reason: RevocationReason) {
  const revoked = await revokeTickets(connection, hold.id, reason);
  if (revoked > 0) {
    await appendToOutbox(connection, orderEvent(hold, 'tickets.revoked', { reason, count: revoked }));
  }
  if (reason === 'refunded') {
    // The money went back, so the seats go back on sale; a disputed order keeps them until decided.
    await setOrderStatus(connection, hold.id, 'refunded', CHARGE_REFUNDED);
    await returnSoldSeats(connection, hold.showId, hold.quantity);
    await appendToOutbox(
      connection,
      orderEvent(hold, 'order.refunded', {
        refundId: null,
        reason: CHARGE_REFUNDED,
        paymentIntentId: hold.paymentIntentId,
        ...(await orderValue(connection, hold)),
      }),
    );
  }
  return revoked;
}

/**
 * A charge refunded in full or disputed: the order's tickets are revoked. Found by payment
 * intent, or by the hold id in the charge's metadata when the completion has not arrived yet;
 * a refund that arrives first marks the hold refunded so its completion issues nothing.
 */
export async function revokeOrder(
  connection: DbConnection,
  target: { paymentIntentId: string; holdIdHint: string | null; reason: RevocationReason },
): Promise<RevokeOutcome> {
  let hold = await lockOrder(connection, 'payment_intent_id', target.paymentIntentId);
  if (!hold && target.holdIdHint) {
    const hinted = await lockOrder(connection, 'id', target.holdIdHint);
    if (hinted && hinted.paymentIntentId === null) hold = hinted;
  }
  if (!hold) return { kind: 'order-not-found' };
  if (hold.status === 'paid') {
    await lockShowSeats(connection, hold.showId);
    const tickets = await revokeLocked(connection, hold, target.reason);
    return { kind: 'revoked', holdId: hold.id, tickets };
  }
  if (target.reason === 'disputed') {
    return hold.status === 'refunded' || hold.status === 'released'
      ? { kind: 'nothing-to-revoke', holdId: hold.id, status: hold.status }
      : { kind: 'waiting-for-payment', holdId: hold.id };
  }
  if (hold.status === 'refunded') return { kind: 'nothing-to-revoke', holdId: hold.id, status: hold.status };
  await recordPaymentIntent(connection, hold.id, target.paymentIntentId);
  await setOrderStatus(connection, hold.id, 'refunded', REFUNDED_BEFORE_FULFILMENT);
  return { kind: 'marked-refunded', holdId: hold.id };
}

export function revocationTarget(charge: ChargeObject, reason: RevocationReason) {
  return charge.payment_intent
    ? { paymentIntentId: charge.payment_intent, holdIdHint: holdIdOf(charge), reason }
    : undefined;
}

export type LateRefundOutcome =
  | { readonly kind: 'refunded'; readonly refundId: string; readonly recorded: boolean }
  /** Stripe says the charge was refunded already (by hand, or after the idempotency key expired). */
  | { readonly kind: 'already-refunded-at-stripe' }
  | { readonly kind: 'not-owed' };

/**
 * Refunds a late payment the fulfilment decided to refund. Safe to repeat: Stripe answers a
 * repeated idempotency key with the same refund, and the refund id is recorded once.
 */
export async function refundLatePayment(
  pool: DbPool,
  payments: Payments,
  holdId: string,
): Promise<LateRefundOutcome> {
  const hold = await findUnrefundedOrder(pool, holdId);
  if (!hold) return { kind: 'not-owed' };
  if (!hold.paymentIntentId || !REFUND_ISSUING_REASONS.includes(hold.releaseReason ?? '')) {
    return { kind: 'not-owed' };
  }
  let refund: { id: string };
  try {
    refund = await payments.createRefund({
      paymentIntentId: hold.paymentIntentId,
      reason: 'requested_by_customer',
      metadata: { hold_id: hold.id, show_id: hold.showId, policy: 'late-payment' },
      idempotencyKey: `refund-${hold.id}`,
    });
  } catch (err) {
    if (err instanceof PaymentProviderError && err.stripeCode === 'charge_already_refunded') {
      return { kind: 'already-refunded-at-stripe' };
    }
    throw err;
  }
  const recorded = await withTransaction(pool, async (connection) => {
    if (!(await recordRefundId(connection, hold.id, refund.id))) return false;
    await appendToOutbox(
      connection,
      orderEvent(hold, 'order.refunded', {
        refundId: refund.id,
        reason: hold.releaseReason,
        paymentIntentId: hold.paymentIntentId,
        ...(await orderValue(connection, hold)),
      }),
    );
    return true;
  });
  return { kind: 'refunded', refundId: refund.id, recorded };
}
