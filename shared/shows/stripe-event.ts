import { z } from 'zod';

/**
 * The parts of Stripe's event payloads that fulfilment reads. Everything else in a payload is
 * kept (the raw body is stored) but not validated, so a newer API version that adds fields
 * still parses. Limits match the stripe_events columns, so a row is never silently truncated.
 */
export const STRIPE_EVENT_TYPES = {
  checkoutCompleted: 'checkout.session.completed',
  asyncPaymentSucceeded: 'checkout.session.async_payment_succeeded',
  asyncPaymentFailed: 'checkout.session.async_payment_failed',
  checkoutExpired: 'checkout.session.expired',
  chargeRefunded: 'charge.refunded',
  disputeCreated: 'charge.dispute.created',
} as const;

const stripeId = z.string().min(1).max(255);
const metadata = z.record(z.string(), z.string()).nullish();

export const stripeEventSchema = z.object({
  id: stripeId,
  object: z.literal('event'),
  type: z.string().min(1).max(128),
  created: z.number().int().nonnegative(),
  livemode: z.boolean().optional(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEvent = z.infer<typeof stripeEventSchema>;

export const checkoutSessionSchema = z.object({
  id: stripeId,
  object: z.literal('checkout.session'),
  client_reference_id: z.string().nullish(),
  metadata,
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  payment_intent: stripeId.nullish(),
  amount_total: z.number().int().nullish(),
  currency: z.string().nullish(),
});
export type CheckoutSessionObject = z.infer<typeof checkoutSessionSchema>;

export const chargeSchema = z.object({
  id: stripeId,
  object: z.literal('charge'),
  payment_intent: stripeId.nullish(),
  /** True only once the whole amount is refunded; a partial refund keeps the tickets. */
  refunded: z.boolean(),
  amount: z.number().int(),
  amount_refunded: z.number().int(),
  metadata,
});
export type ChargeObject = z.infer<typeof chargeSchema>;

export const disputeSchema = z.object({
  id: stripeId,
  object: z.literal('dispute'),
  charge: stripeId,
  payment_intent: stripeId.nullish(),
  reason: z.string().optional(),
  status: z.string().optional(),
});
export type DisputeObject = z.infer<typeof disputeSchema>;

/** Our seat hold id as the checkout adapter wrote it into the session (or the charge's metadata). */
export function holdIdOf(object: { client_reference_id?: string | null | undefined; metadata?: unknown }) {
  const fromMetadata = (object.metadata as Record<string, string> | null | undefined)?.hold_id;
  return fromMetadata ?? object.client_reference_id ?? null;
}

/**
 * What stripe_events.object_id holds: the id an event is matched to an order by. Checkout events
 * carry the session; charges and disputes carry the payment intent, which is how a refund that
 * arrives before its completion is found again when the completion comes.
 */
export function correlationIdOf(event: StripeEvent): string | null {
  const object = event.data.object;
  const pick = (key: string) => {
    const value = object[key];
    return typeof value === 'string' && value.length > 0 && value.length <= 255 ? value : null;
  };
  if (event.type.startsWith('checkout.session.')) return pick('id');
  if (event.type.startsWith('charge.')) return pick('payment_intent');
  return pick('id');
}
