import type { z } from 'zod';
import { log } from '../base/log.ts';
import { withCoalescedTransaction } from '../db/coalesced-writes.ts';
import type { DbConnection, DbPool } from '../db/pool.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Payments } from '../payments/payments.ts';
import {
  fulfil,
  recordPaymentPending,
  refundLatePayment,
  releaseHoldOfSession,
  revocationTarget,
  revokeOrder,
} from './fulfilment.ts';
import {
  chargeSchema,
  checkoutSessionSchema,
  disputeSchema,
  STRIPE_EVENT_TYPES,
  type StripeEvent,
} from './stripe-event.ts';
import { markAttemptFailed, markProcessed } from './stripe-event-log.ts';

export interface ProcessingDeps {
  readonly pool: DbPool;
  /** Only a late payment's refund calls Stripe (the adapter loads the stripe package then). */
  readonly payments: Payments;
  readonly paymentPendingHoldSeconds: number;
  /** Counts `tickets_sold` once the fulfilment that issued them has committed. */
  readonly metrics: Metrics;
}

/** processed: its effect is committed. deferred: left for the sweep (an order not there yet, a refund call that failed). */
export type ProcessingResult =
  | { readonly status: 'processed'; readonly outcome: string }
  | { readonly status: 'deferred'; readonly outcome: string };

interface Effect {
  /** The event needs nothing more once this transaction commits. */
  readonly settled: boolean;
  readonly outcome: string;
  /** A late payment decided for refund: the refund call follows the commit. */
  readonly refundHoldId?: string;
  /** Tickets this transaction issued (a fulfilment; never a duplicate, which issues none). */
  readonly ticketsIssued?: number;
}

/** Outcomes that need another try later: the order (or its payment) is not there yet. */
const UNSETTLED = new Set(['hold-missing', 'order-not-found', 'waiting-for-payment']);

function effectOf(action: string, outcome: { kind: string; holdId?: string; late?: boolean }): Effect {
  const label = `${action}: ${outcome.kind}${outcome.late ? ' late' : ''}${outcome.holdId ? ` ${outcome.holdId}` : ''}`;
  if (outcome.kind === 'refund-due')
    return { settled: false, outcome: label, refundHoldId: outcome.holdId as string };
  return { settled: !UNSETTLED.has(outcome.kind), outcome: label };
}

function objectOf<T>(event: StripeEvent, schema: z.ZodType<T>): T | undefined {
  const parsed = schema.safeParse(event.data.object);
  if (parsed.success) return parsed.data;
  log.error('Stripe event object not understood', {
    eventId: event.id,
    type: event.type,
    issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
  });
  return undefined;
}

const NOT_UNDERSTOOD: Effect = { settled: true, outcome: 'rejected: object not understood' };

async function apply(connection: DbConnection, event: StripeEvent, deps: ProcessingDeps): Promise<Effect> {
  switch (event.type) {
    case STRIPE_EVENT_TYPES.checkoutCompleted:
    case STRIPE_EVENT_TYPES.asyncPaymentSucceeded: {
      const session = objectOf(event, checkoutSessionSchema);
      if (!session) return NOT_UNDERSTOOD;
      if (session.payment_status === 'unpaid') {
        return effectOf(
          'pending',
          await recordPaymentPending(connection, session, deps.paymentPendingHoldSeconds),
        );
      }
      const fulfilled = await fulfil(connection, session);
      const issued = 'tickets' in fulfilled ? { ticketsIssued: fulfilled.tickets } : {};
      return { ...effectOf('fulfil', fulfilled), ...issued };
    }
    case STRIPE_EVENT_TYPES.asyncPaymentFailed:
    case STRIPE_EVENT_TYPES.checkoutExpired: {
      const session = objectOf(event, checkoutSessionSchema);
      if (!session) return NOT_UNDERSTOOD;
      const reason =
        event.type === STRIPE_EVENT_TYPES.checkoutExpired ? 'checkout expired' : 'payment failed';
      return effectOf('release', await releaseHoldOfSession(connection, session, reason));
    }
    case STRIPE_EVENT_TYPES.chargeRefunded: {
      const charge = objectOf(event, chargeSchema);
      if (!charge) return NOT_UNDERSTOOD;
      if (!charge.refunded) return { settled: true, outcome: 'partial refund: tickets kept' };
      const target = revocationTarget(charge, 'refunded');
      if (!target) return { settled: true, outcome: 'ignored: charge without a payment intent' };
      return effectOf('revoke', await revokeOrder(connection, target));
    }
    case STRIPE_EVENT_TYPES.disputeCreated: {
      const dispute = objectOf(event, disputeSchema);
      if (!dispute) return NOT_UNDERSTOOD;
      if (!dispute.payment_intent)
        return { settled: true, outcome: 'ignored: dispute without a payment intent' };
      const target = {
        paymentIntentId: dispute.payment_intent,
        holdIdHint: null,
        reason: 'disputed' as const,
      };
      return effectOf('revoke', await revokeOrder(connection, target));
    }
    default:
      return { settled: true, outcome: `ignored: ${event.type}` };
  }
}

/**
 * Applies a recorded event and marks it processed in the same transaction. A failure leaves the
 * row unprocessed with the error and one more attempt counted, never an exception: the event is
 * recorded, so Stripe has been answered and the sweep takes it from here.
 */
export async function processEvent(deps: ProcessingDeps, event: StripeEvent): Promise<ProcessingResult> {
  try {
    // Coalesced: BEGIN, the tickets, the outbox rows and the processed mark ride with other statements.
    const effect = await withCoalescedTransaction(deps.pool, async (connection) => {
      const result = await apply(connection, event, deps);
      if (result.settled) await markProcessed(connection, event.id, result.outcome);
      return result;
    });
    if (effect.ticketsIssued) deps.metrics.count('tickets_sold', effect.ticketsIssued);
    if (effect.refundHoldId) {
      const refund = await refundLatePayment(deps.pool, deps.payments, effect.refundHoldId);
      const outcome =
        refund.kind === 'refunded'
          ? `${effect.outcome}: refunded ${refund.refundId}`
          : `${effect.outcome}: ${refund.kind}`;
      await markProcessed(deps.pool, event.id, outcome);
      return { status: 'processed', outcome };
    }
    if (!effect.settled) {
      await markAttemptFailed(deps.pool, event.id, effect.outcome);
      return { status: 'deferred', outcome: effect.outcome };
    }
    return { status: 'processed', outcome: effect.outcome };
  } catch (err) {
    log.warn('Stripe event left for the sweep', { eventId: event.id, type: event.type, error: err });
    const message = err instanceof Error ? err.message : String(err);
    await markAttemptFailed(deps.pool, event.id, message).catch((markError: unknown) => {
      log.error('could not count a failed attempt', { eventId: event.id, error: markError });
    });
    return { status: 'deferred', outcome: `failed: ${message}` };
  }
}
