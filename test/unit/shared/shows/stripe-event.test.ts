import { describe, expect, it } from 'vitest';
import {
  chargeSchema,
  checkoutSessionSchema,
  correlationIdOf,
  holdIdOf,
  stripeEventSchema,
} from '#shared/shows/stripe-event.ts';

const session = {
  id: 'cs_test_a1',
  object: 'checkout.session',
  amount_total: 5000,
  client_reference_id: '01HOLD0000000000000000000A',
  currency: 'eur',
  metadata: { hold_id: '01HOLD0000000000000000000B', show_id: 'x' },
  mode: 'payment',
  payment_intent: 'pi_1',
  payment_status: 'paid',
  status: 'complete',
  some_future_field: { nested: true },
};

const event = (type: string, object: Record<string, unknown>) => ({
  id: 'evt_1',
  object: 'event',
  api_version: '2026-10-28.endive',
  created: 1_760_000_000,
  data: { object },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type,
});

describe('Stripe event payloads', () => {
  it('parses a documented event and keeps unknown fields out of the way', () => {
    const parsed = stripeEventSchema.parse(event('checkout.session.completed', session));
    expect(checkoutSessionSchema.parse(parsed.data.object).payment_status).toBe('paid');
  });

  it('refuses ids and types longer than their columns rather than truncating them', () => {
    expect(stripeEventSchema.safeParse({ ...event('x', {}), id: 'e'.repeat(256) }).success).toBe(false);
    expect(stripeEventSchema.safeParse(event('t'.repeat(129), {})).success).toBe(false);
  });

  it('refuses a session with a payment status it does not know', () => {
    expect(checkoutSessionSchema.safeParse({ ...session, payment_status: 'maybe' }).success).toBe(false);
  });

  it('finds the hold in metadata first, then in client_reference_id', () => {
    expect(holdIdOf(session)).toBe('01HOLD0000000000000000000B');
    expect(holdIdOf({ ...session, metadata: {} })).toBe('01HOLD0000000000000000000A');
    expect(holdIdOf({ ...session, metadata: null, client_reference_id: null })).toBeNull();
  });

  it('correlates checkout events by session and charge events by payment intent', () => {
    const parse = (type: string, object: Record<string, unknown>) =>
      correlationIdOf(stripeEventSchema.parse(event(type, object)));
    expect(parse('checkout.session.expired', session)).toBe('cs_test_a1');
    const charge = {
      id: 'ch_1',
      object: 'charge',
      payment_intent: 'pi_9',
      refunded: true,
      amount: 1,
      amount_refunded: 1,
    };
    expect(chargeSchema.parse(charge).refunded).toBe(true);
    expect(parse('charge.refunded', charge)).toBe('pi_9');
    expect(
      parse('charge.dispute.created', {
        id: 'dp_1',
        object: 'dispute',
        charge: 'ch_1',
        payment_intent: 'pi_9',
      }),
    ).toBe('pi_9');
    expect(parse('charge.refunded', { ...charge, payment_intent: null })).toBeNull();
    expect(parse('customer.created', { id: 'cus_1' })).toBe('cus_1');
  });
});
