import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { scheduleTick } from '#events/schedule-tick.ts';
import { stripeWebhookManifest } from '#functions/stripe-webhook/manifest.ts';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { newId } from '#shared/ids.ts';
import type { Payments } from '#shared/payments/payments.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { paymentsFor, startTestStripe, stripeEnv } from '#test/support/stripe.ts';
import { FnRunner, type RunnerFunction } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import type { RunningLocalStripe } from '../../../../infra/local/stripe/server.ts';

const SECRET = `whsec_${randomBytes(24).toString('base64url')}`;
const NEXT_SECRET = `whsec_${randomBytes(24).toString('base64url')}`;
const API_VERSION = '2026-10-28.endive';

/** The catalog function from the bundle, with its settings. */
function webhookFunction(
  name: 'stripe-webhook' | 'stripe-sweep',
  env: Record<string, string>,
): RunnerFunction {
  return bundledFunction(name, env, 30);
}

interface Problem {
  type: string;
  status: number;
}

/** An event as Stripe documents and sends it (pretty-printed JSON; the signature covers these bytes). */
function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  id = `evt_${randomBytes(12).toString('hex')}`,
) {
  return {
    id,
    object: 'event' as const,
    api_version: API_VERSION,
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

interface SessionFields {
  readonly sessionId: string;
  readonly holdId: string;
  readonly showId: string;
  readonly quantity?: number;
  readonly paymentStatus?: 'paid' | 'unpaid' | 'no_payment_required';
  readonly paymentIntent?: string | null;
  readonly status?: 'open' | 'complete' | 'expired';
}

function checkoutSession(fields: SessionFields) {
  const amount = 2500 * (fields.quantity ?? 1);
  const created = Math.floor(Date.now() / 1000) - 60;
  return {
    id: fields.sessionId,
    object: 'checkout.session',
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: amount,
    amount_total: amount,
    automatic_tax: { enabled: false, liability: null, status: null },
    billing_address_collection: null,
    cancel_url: 'https://forgecast.test/checkout/cancelled',
    client_reference_id: fields.holdId,
    created,
    currency: 'eur',
    customer: null,
    customer_creation: 'if_required',
    customer_details: { email: 'viewer@example.test', name: null, phone: null, tax_exempt: 'none' },
    customer_email: null,
    expires_at: created + 1800,
    invoice: null,
    livemode: false,
    locale: null,
    metadata: { hold_id: fields.holdId, show_id: fields.showId },
    mode: 'payment',
    payment_intent:
      fields.paymentIntent === undefined ? `pi_${randomBytes(12).toString('hex')}` : fields.paymentIntent,
    payment_method_types: ['card'],
    payment_status: fields.paymentStatus ?? 'paid',
    status: fields.status ?? 'complete',
    success_url: 'https://forgecast.test/checkout/done?session={CHECKOUT_SESSION_ID}',
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: null,
  };
}

function charge(paymentIntent: string, options: { refundedAmount?: number; amount?: number } = {}) {
  const amount = options.amount ?? 2500;
  const refunded = options.refundedAmount ?? amount;
  return {
    id: `ch_${randomBytes(12).toString('hex')}`,
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: refunded,
    captured: true,
    created: Math.floor(Date.now() / 1000) - 30,
    currency: 'eur',
    disputed: false,
    livemode: false,
    metadata: {},
    paid: true,
    payment_intent: paymentIntent,
    refunded: refunded === amount,
    status: 'succeeded',
  };
}

function dispute(paymentIntent: string) {
  return {
    id: `dp_${randomBytes(12).toString('hex')}`,
    object: 'dispute',
    amount: 2500,
    charge: `ch_${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    currency: 'eur',
    livemode: false,
    metadata: {},
    payment_intent: paymentIntent,
    reason: 'fraudulent',
    status: 'needs_response',
  };
}

describe('Function: stripe-webhook', () => {
  let db: TestDatabase;
  let stripe: RunningLocalStripe & { secretKey: string; webhookSecret: string };
  let payments: Payments;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let creatorId: string;
  let viewerId: string;

  const rows = async (sql: string, params: unknown[] = []) =>
    (await db.pool.query<RowDataPacket[]>(sql, params))[0];
  const one = async (sql: string, params: unknown[] = []) => (await rows(sql, params))[0] as RowDataPacket;

  async function post(raw: string | Buffer, signature: string | undefined) {
    const response = await fetch(`${gateway.url}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(signature === undefined ? {} : { 'stripe-signature': signature }),
      },
      body: raw,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const payloadOf = (event: unknown) => JSON.stringify(event, null, 2);
  const sign = (payload: string, secret = SECRET, timestamp = Math.floor(Date.now() / 1000)) =>
    Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

  /** Delivers an event the way Stripe does: its exact bytes, signed. */
  async function deliver(event: unknown, secret = SECRET) {
    const payload = payloadOf(event);
    return post(payload, sign(payload, secret));
  }

  async function deliverOk(event: unknown) {
    const answer = await deliver(event);
    expect(answer.status).toBe(200);
    return answer.body;
  }

  async function sweep(): Promise<EventOutcome & { detail?: Record<string, number> }> {
    const outcome = await runner.call('stripe-sweep', {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(scheduleTick('stripe-sweep', 'sweep'))),
    });
    if (outcome.kind !== 'ok') throw new Error(`sweep ended ${outcome.kind}`);
    return JSON.parse(outcome.reply.body.toString('utf8'));
  }

  async function seedShow(capacity: number): Promise<string> {
    const id = newId();
    await db.pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency)
       VALUES (?, ?, ?, NOW(3) + INTERVAL 7 DAY, ?, 2500, 'eur')`,
      [id, creatorId, `show ${id}`, capacity],
    );
    return id;
  }

  interface HoldSeed {
    readonly quantity?: number;
    readonly status?: 'pending' | 'held' | 'released';
    /** Negative: already lapsed. */
    readonly expiresInSeconds?: number;
    readonly sessionId?: string | null;
  }

  async function seedHold(showId: string, seed: HoldSeed = {}) {
    const holdId = newId();
    const sessionId =
      seed.sessionId === undefined ? `cs_test_${randomBytes(20).toString('hex')}` : seed.sessionId;
    const quantity = seed.quantity ?? 1;
    await db.pool.query(
      `INSERT INTO seat_holds (id, show_id, buyer_org_id, quantity, amount_total, currency, status,
                               checkout_session_id, expires_at, released_at)
       VALUES (?, ?, ?, ?, ?, 'eur', ?, ?, NOW(3) + INTERVAL ? SECOND, IF(? = 'released', NOW(3), NULL))`,
      [
        holdId,
        showId,
        viewerId,
        quantity,
        2500 * quantity,
        seed.status ?? 'held',
        sessionId,
        seed.expiresInSeconds ?? 1800,
        seed.status ?? 'held',
      ],
    );
    return { holdId, sessionId: sessionId as string, showId, quantity };
  }

  /** A hold whose Checkout Session exists in the local Stripe account, completed by the customer. */
  async function paidAtStripe(showId: string, seed: HoldSeed = {}) {
    const hold = await seedHold(showId, { ...seed, sessionId: null });
    const session = await payments.createCheckoutSession({
      holdId: hold.holdId,
      showId,
      title: 'A show',
      unitAmount: 2500,
      currency: 'eur',
      quantity: hold.quantity,
      expiresAt: new Date(Date.now() + 31 * 60_000),
      successUrl: 'https://forgecast.test/done',
      cancelUrl: 'https://forgecast.test/cancelled',
      idempotencyKey: `checkout-${hold.holdId}`,
    });
    await db.pool.query('UPDATE seat_holds SET checkout_session_id = ? WHERE id = ?', [
      session.id,
      hold.holdId,
    ]);
    const { event } = await stripe.complete(session.id);
    const paymentIntentId = (event.data.object as { payment_intent: string }).payment_intent;
    return { ...hold, sessionId: session.id, event, paymentIntentId };
  }

  async function hold(holdId: string) {
    return one('SELECT * FROM seat_holds WHERE id = ?', [holdId]);
  }

  async function validTickets(holdId: string): Promise<number> {
    return Number(
      (await one(`SELECT COUNT(*) AS n FROM tickets WHERE hold_id = ? AND status = 'valid'`, [holdId])).n,
    );
  }

  async function allTickets(holdId: string): Promise<number> {
    return Number((await one('SELECT COUNT(*) AS n FROM tickets WHERE hold_id = ?', [holdId])).n);
  }

  async function seatsSold(showId: string): Promise<number> {
    return Number((await one('SELECT seats_sold FROM shows WHERE id = ?', [showId])).seats_sold);
  }

  async function outboxTypes(holdId: string): Promise<string[]> {
    const found = await rows(
      `SELECT event_type FROM outbox WHERE aggregate_type = 'order' AND aggregate_id = ? ORDER BY seq`,
      [holdId],
    );
    return found.map((row) => String(row.event_type));
  }

  async function storedEvent(id: string) {
    return (await rows('SELECT * FROM stripe_events WHERE id = ?', [id]))[0];
  }

  /** Puts an unprocessed event's backoff behind it, so the next sweep retries it. */
  async function makeDue(eventId: string) {
    await db.pool.query('UPDATE stripe_events SET received_at = NOW(3) - INTERVAL 1 DAY WHERE id = ?', [
      eventId,
    ]);
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'stripe_webhook');
    stripe = await startTestStripe();
    payments = paymentsFor(stripe);
    creatorId = newId();
    viewerId = newId();
    await insertOrganisation(db.pool, { id: creatorId, name: 'creator', kind: 'creator' });
    await insertOrganisation(db.pool, { id: viewerId, name: 'viewer', kind: 'viewer' });
    const env = { MYSQL_URL: db.url, ...stripeEnv(stripe) };
    runner = new FnRunner(
      [
        webhookFunction('stripe-webhook', { ...env, STRIPE_WEBHOOK_SECRETS: `${SECRET},${NEXT_SECRET}` }),
        webhookFunction('stripe-sweep', {
          ...env,
          STRIPE_RETRY_BASE_SECONDS: '1',
          STRIPE_RETRY_MAX_SECONDS: '10',
          STRIPE_RETRY_MAX_ATTEMPTS: '5',
        }),
      ],
      { processesPerFunction: 4 },
    );
    gateway = await startGateway({
      runner,
      routes: stripeWebhookManifest.routes.map((route) => ({
        ...route,
        functionName: stripeWebhookManifest.name,
      })),
      rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await stripe?.close();
    await db?.drop();
  });

  describe('signature', () => {
    it('accepts a documented event signed with the secret, records it once and processes it', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show, { quantity: 2 });
      const event = stripeEvent('checkout.session.completed', checkoutSession({ ...seeded }));
      expect(await deliverOk(event)).toEqual({ received: true, status: 'processed' });
      const stored = await storedEvent(event.id);
      expect(stored?.type).toBe('checkout.session.completed');
      expect(stored?.object_id).toBe(seeded.sessionId);
      expect(stored?.processed_at).not.toBeNull();
      expect(JSON.parse(String(stored?.payload))).toEqual(event);
      expect(await validTickets(seeded.holdId)).toBe(2);
    });

    it.each([
      [
        'another secret',
        (payload: string) => sign(payload, 'whsec_not_ours_at_all_0000000000'),
        'stripe-signature-invalid',
      ],
      [
        'a stale timestamp',
        (payload: string) => sign(payload, SECRET, Math.floor(Date.now() / 1000) - 301),
        'stripe-signature-stale',
      ],
      ['no header', () => undefined, 'stripe-signature-missing'],
      ['a header without v1', () => `t=${Math.floor(Date.now() / 1000)}`, 'stripe-signature-invalid'],
    ])('refuses %s with 400 and records nothing', async (_label, signWith, slug) => {
      const show = await seedShow(10);
      const seeded = await seedHold(show);
      const event = stripeEvent('checkout.session.completed', checkoutSession(seeded));
      const payload = payloadOf(event);
      const answer = await post(payload, signWith(payload));
      expect(answer.status).toBe(400);
      expect((answer.body as unknown as Problem).type).toBe(`https://forgecast.dev/problems/${slug}`);
      expect(await storedEvent(event.id)).toBeUndefined();
      expect(await validTickets(seeded.holdId)).toBe(0);
    });

    it('refuses the raw body altered by one byte', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show);
      const event = stripeEvent('checkout.session.completed', checkoutSession(seeded));
      const payload = payloadOf(event);
      const header = sign(payload);
      // One byte of the quantity-bearing amount, still valid JSON: only the signature can tell.
      const altered = payload.replace('"amount_total": 2500', '"amount_total": 2501');
      expect(altered).not.toBe(payload);
      const answer = await post(altered, header);
      expect(answer.status).toBe(400);
      expect((answer.body as unknown as Problem).type).toBe(
        'https://forgecast.dev/problems/stripe-signature-invalid',
      );
      expect(await storedEvent(event.id)).toBeUndefined();
      // The same bytes as signed still go through: the refusal was about the byte.
      expect((await post(payload, header)).status).toBe(200);
    });

    it('accepts either of two secrets while the signing secret is rolled', async () => {
      const show = await seedShow(10);
      for (const secret of [SECRET, NEXT_SECRET]) {
        const seeded = await seedHold(show);
        const answer = await deliver(
          stripeEvent('checkout.session.completed', checkoutSession(seeded)),
          secret,
        );
        expect(answer.status).toBe(200);
        expect(await validTickets(seeded.holdId)).toBe(1);
      }
    });

    it('refuses a body over 512 KB before verifying it', async () => {
      const event = stripeEvent('customer.updated', {
        id: 'cus_1',
        object: 'customer',
        note: 'x'.repeat(600_000),
      });
      const payload = payloadOf(event);
      const answer = await post(payload, sign(payload));
      expect(answer.status).toBe(413);
      expect((answer.body as unknown as Problem).type).toBe(
        'https://forgecast.dev/problems/payload-too-large',
      );
      expect(await storedEvent(event.id)).toBeUndefined();
    });

    it('refuses signed bytes that are not an event', async () => {
      const payload = JSON.stringify({ hello: 'world' });
      const answer = await post(payload, sign(payload));
      expect(answer.status).toBe(400);
      expect((answer.body as unknown as Problem).type).toBe('https://forgecast.dev/problems/validation');
    });

    it('records an event type it does not handle, and ignores it', async () => {
      const event = stripeEvent('customer.created', { id: 'cus_123', object: 'customer' });
      expect(await deliverOk(event)).toEqual({ received: true, status: 'processed' });
      const stored = await storedEvent(event.id);
      expect(stored?.outcome).toBe('ignored: customer.created');
      expect(stored?.processed_at).not.toBeNull();
    });
  });

  describe('exactly once', () => {
    it('fulfils 10 concurrent duplicate deliveries of one completion once', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show, { quantity: 3 });
      const event = stripeEvent('checkout.session.completed', checkoutSession({ ...seeded, quantity: 3 }));
      const answers = await Promise.all(Array.from({ length: 10 }, () => deliver(event)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
      expect(answers.filter((answer) => answer.body.duplicate === true)).toHaveLength(9);
      expect(await allTickets(seeded.holdId)).toBe(3);
      expect(await validTickets(seeded.holdId)).toBe(3);
      expect(await seatsSold(show)).toBe(3);
      expect((await hold(seeded.holdId)).status).toBe('paid');
      expect(await outboxTypes(seeded.holdId)).toEqual(['tickets.issued']);
    });

    it('fulfils once when distinct events for the same session arrive together', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show, { quantity: 2 });
      const paymentIntent = `pi_${randomBytes(12).toString('hex')}`;
      const session = checkoutSession({ ...seeded, quantity: 2, paymentIntent });
      const events = [
        ...Array.from({ length: 5 }, () => stripeEvent('checkout.session.completed', session)),
        ...Array.from({ length: 5 }, () => stripeEvent('checkout.session.async_payment_succeeded', session)),
      ];
      const answers = await Promise.all(events.map((event) => deliver(event)));
      expect(answers.every((answer) => answer.status === 200 && answer.body.duplicate === undefined)).toBe(
        true,
      );
      expect(await allTickets(seeded.holdId)).toBe(2);
      expect(await seatsSold(show)).toBe(2);
      expect(await outboxTypes(seeded.holdId)).toEqual(['tickets.issued']);
      const outcomes = await rows('SELECT outcome FROM stripe_events WHERE object_id = ? ORDER BY outcome', [
        seeded.sessionId,
      ]);
      expect(outcomes.map((row) => String(row.outcome).split(' ')[1])).toEqual([
        ...Array(9).fill('already-paid'),
        'issued',
      ]);
    });

    it('sells exactly 100 seats from 1,000 concurrent late completions and refunds the other 900 once each', async () => {
      const show = await seedShow(100);
      const holds: Array<Awaited<ReturnType<typeof paidAtStripe>>> = [];
      for (let start = 0; start < 1000; start += 25) {
        holds.push(
          ...(await Promise.all(
            Array.from({ length: 25 }, () =>
              paidAtStripe(show, { status: 'released', expiresInSeconds: -60 }),
            ),
          )),
        );
      }
      const answers = await Promise.all(holds.map((seeded) => deliver(seeded.event)));
      expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);

      const ids = holds.map((seeded) => seeded.holdId);
      const statuses = await rows(
        'SELECT status, COUNT(*) AS n, COUNT(refund_id) AS refunds FROM seat_holds WHERE id IN (?) GROUP BY status',
        [ids],
      );
      const byStatus = Object.fromEntries(
        statuses.map((row) => [row.status, { n: Number(row.n), refunds: Number(row.refunds) }]),
      );
      expect(byStatus).toEqual({ paid: { n: 100, refunds: 0 }, refunded: { n: 900, refunds: 900 } });
      expect(await seatsSold(show)).toBe(100);
      const tickets = await one(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT hold_id) AS orders FROM tickets WHERE show_id = ?`,
        [show],
      );
      expect({ n: Number(tickets.n), orders: Number(tickets.orders) }).toEqual({ n: 100, orders: 100 });

      const refundsAtStripe = holds.map((seeded) => stripe.refundsFor(seeded.paymentIntentId).length);
      expect(refundsAtStripe.filter((count) => count === 1)).toHaveLength(900);
      expect(refundsAtStripe.filter((count) => count === 0)).toHaveLength(100);
      const outbox = await rows(
        `SELECT event_type, COUNT(*) AS n FROM outbox WHERE aggregate_type = 'order' AND aggregate_id IN (?) GROUP BY event_type`,
        [ids],
      );
      expect(Object.fromEntries(outbox.map((row) => [row.event_type, Number(row.n)]))).toEqual({
        'tickets.issued': 100,
        'order.refunded': 900,
      });
      const pending = await one(
        'SELECT COUNT(*) AS n FROM stripe_events WHERE object_id IN (?) AND processed_at IS NULL',
        [holds.map((seeded) => seeded.sessionId)],
      );
      expect(Number(pending.n)).toBe(0);
    }, 120_000);
  });

  describe('lifecycle', () => {
    it('releases a hold when its session expires, and never touches a paid one', async () => {
      const show = await seedShow(10);
      const open = await seedHold(show, { quantity: 2 });
      await deliverOk(
        stripeEvent(
          'checkout.session.expired',
          checkoutSession({ ...open, status: 'expired', paymentStatus: 'unpaid', paymentIntent: null }),
        ),
      );
      const released = await hold(open.holdId);
      expect(released.status).toBe('released');
      expect(released.release_reason).toBe('checkout expired');

      const paid = await seedHold(show);
      await deliverOk(stripeEvent('checkout.session.completed', checkoutSession(paid)));
      await deliverOk(
        stripeEvent('checkout.session.expired', checkoutSession({ ...paid, status: 'expired' })),
      );
      expect((await hold(paid.holdId)).status).toBe('paid');
      expect(await validTickets(paid.holdId)).toBe(1);
      expect(await seatsSold(show)).toBe(1);
    });

    it('keeps the seats of a completion whose payment is still settling, then issues on success', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show, { quantity: 2, expiresInSeconds: 60 });
      const paymentIntent = `pi_${randomBytes(12).toString('hex')}`;
      const unpaid = checkoutSession({ ...seeded, quantity: 2, paymentStatus: 'unpaid', paymentIntent });
      await deliverOk(stripeEvent('checkout.session.completed', unpaid));
      const pending = await one(
        'SELECT status, payment_status, payment_intent_id, expires_at > NOW(3) + INTERVAL 1 DAY AS extended FROM seat_holds WHERE id = ?',
        [seeded.holdId],
      );
      expect(pending).toMatchObject({
        status: 'held',
        payment_status: 'unpaid',
        payment_intent_id: paymentIntent,
        extended: 1,
      });
      expect(await validTickets(seeded.holdId)).toBe(0);

      await deliverOk(
        stripeEvent('checkout.session.async_payment_succeeded', { ...unpaid, payment_status: 'paid' }),
      );
      expect((await hold(seeded.holdId)).status).toBe('paid');
      expect(await validTickets(seeded.holdId)).toBe(2);
    });

    it('does not revive a lapsed hold for a payment still settling', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show, { expiresInSeconds: -5 });
      await deliverOk(
        stripeEvent('checkout.session.completed', checkoutSession({ ...seeded, paymentStatus: 'unpaid' })),
      );
      const pending = await one(
        'SELECT payment_status, expires_at <= NOW(3) AS lapsed FROM seat_holds WHERE id = ?',
        [seeded.holdId],
      );
      expect(pending).toMatchObject({ payment_status: 'unpaid', lapsed: 1 });
    });

    it('releases the hold when a delayed payment fails', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show);
      const unpaid = checkoutSession({ ...seeded, paymentStatus: 'unpaid' });
      await deliverOk(stripeEvent('checkout.session.completed', unpaid));
      await deliverOk(stripeEvent('checkout.session.async_payment_failed', unpaid));
      expect((await hold(seeded.holdId)).status).toBe('released');
      expect(await allTickets(seeded.holdId)).toBe(0);
    });

    it('revokes the tickets of a refunded order and puts its seats back on sale', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show, { quantity: 2 });
      const paymentIntent = `pi_${randomBytes(12).toString('hex')}`;
      await deliverOk(
        stripeEvent('checkout.session.completed', checkoutSession({ ...seeded, quantity: 2, paymentIntent })),
      );
      expect(await seatsSold(show)).toBe(2);

      await deliverOk(
        stripeEvent('charge.refunded', charge(paymentIntent, { amount: 5000, refundedAmount: 1000 })),
      );
      expect(await validTickets(seeded.holdId)).toBe(2);

      await deliverOk(stripeEvent('charge.refunded', charge(paymentIntent, { amount: 5000 })));
      expect(await validTickets(seeded.holdId)).toBe(0);
      expect(
        (await one('SELECT DISTINCT revoked_reason FROM tickets WHERE hold_id = ?', [seeded.holdId]))
          .revoked_reason,
      ).toBe('refunded');
      expect((await hold(seeded.holdId)).status).toBe('refunded');
      expect(await seatsSold(show)).toBe(0);
      expect(await outboxTypes(seeded.holdId)).toEqual([
        'tickets.issued',
        'tickets.revoked',
        'order.refunded',
      ]);
    });

    it('revokes the tickets of a disputed order and keeps its seats sold', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show);
      const paymentIntent = `pi_${randomBytes(12).toString('hex')}`;
      await deliverOk(
        stripeEvent('checkout.session.completed', checkoutSession({ ...seeded, paymentIntent })),
      );
      await deliverOk(stripeEvent('charge.dispute.created', dispute(paymentIntent)));
      expect(await validTickets(seeded.holdId)).toBe(0);
      expect((await hold(seeded.holdId)).status).toBe('paid');
      expect(await seatsSold(show)).toBe(1);
      expect(await outboxTypes(seeded.holdId)).toEqual(['tickets.issued', 'tickets.revoked']);
    });

    it('gives a late payment its seats when the show still has room', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show, { status: 'released', expiresInSeconds: -60 });
      const event = stripeEvent('checkout.session.completed', checkoutSession(seeded));
      await deliverOk(event);
      expect((await hold(seeded.holdId)).status).toBe('paid');
      expect(await validTickets(seeded.holdId)).toBe(1);
      expect((await storedEvent(event.id))?.outcome).toBe(`fulfil: issued late ${seeded.holdId}`);
    });

    it('refunds a held order whose show was cancelled or shrank below it, and sells nothing', async () => {
      const cancelled = await seedShow(5);
      const onCancelled = await paidAtStripe(cancelled, { quantity: 2 });
      await db.pool.query(`UPDATE shows SET status = 'cancelled' WHERE id = ?`, [cancelled]);
      await deliverOk(onCancelled.event);
      expect(await hold(onCancelled.holdId)).toMatchObject({
        status: 'refunded',
        release_reason: 'payment for a cancelled show, refunded',
      });
      expect(stripe.refundsFor(onCancelled.paymentIntentId)).toHaveLength(1);

      const shrunk = await seedShow(5);
      const onShrunk = await paidAtStripe(shrunk, { quantity: 2 });
      await db.pool.query('UPDATE shows SET capacity = 1 WHERE id = ?', [shrunk]);
      await deliverOk(onShrunk.event);
      expect((await hold(onShrunk.holdId)).status).toBe('refunded');
      expect(stripe.refundsFor(onShrunk.paymentIntentId)).toHaveLength(1);
      for (const order of [onCancelled, onShrunk]) {
        expect(await allTickets(order.holdId)).toBe(0);
        expect(await outboxTypes(order.holdId)).toEqual(['order.refunded']);
        expect(await seatsSold(order.showId)).toBe(0);
      }
    });

    it('refunds a late payment for a sold-out show once, even when it is delivered twice', async () => {
      const show = await seedShow(1);
      const taken = await seedHold(show);
      await deliverOk(stripeEvent('checkout.session.completed', checkoutSession(taken)));
      const late = await paidAtStripe(show, { status: 'released', expiresInSeconds: -60 });

      await deliverOk(late.event);
      expect((await deliver(late.event)).body).toEqual({ received: true, duplicate: true });
      const second = stripeEvent(
        'checkout.session.async_payment_succeeded',
        late.event.data.object as Record<string, unknown>,
      );
      await deliverOk(second);

      const refunded = await hold(late.holdId);
      expect(refunded.status).toBe('refunded');
      expect(refunded.release_reason).toBe('late payment: show sold out, refunded');
      const atStripe = stripe.refundsFor(late.paymentIntentId);
      expect(atStripe).toHaveLength(1);
      expect(refunded.refund_id).toBe(atStripe[0]?.id);
      expect(atStripe[0]?.metadata).toMatchObject({ hold_id: late.holdId });
      expect(await allTickets(late.holdId)).toBe(0);
      expect(await seatsSold(show)).toBe(1);
      expect(await outboxTypes(late.holdId)).toEqual(['order.refunded']);

      // Stripe then reports the refund it made for us: nothing left to revoke.
      const ownRefund = stripe
        .events()
        .find(
          (event) =>
            event.type === 'charge.refunded' &&
            (event.data.object as { payment_intent: string }).payment_intent === late.paymentIntentId,
        );
      expect(ownRefund).toBeDefined();
      await deliverOk(ownRefund);
      expect((await storedEvent(ownRefund?.id as string))?.outcome).toBe(
        `revoke: nothing-to-revoke ${late.holdId}`,
      );
    });
  });

  it('settles a late payment Stripe had already refunded without a second refund', async () => {
    const show = await seedShow(1);
    await deliverOk(stripeEvent('checkout.session.completed', checkoutSession(await seedHold(show))));
    const late = await paidAtStripe(show, { status: 'released', expiresInSeconds: -60 });
    await payments.createRefund({
      paymentIntentId: late.paymentIntentId,
      reason: 'requested_by_customer',
      metadata: {},
      idempotencyKey: `by-hand-${late.holdId}`,
    });
    expect(await deliverOk(late.event)).toEqual({ received: true, status: 'processed' });
    expect(stripe.refundsFor(late.paymentIntentId)).toHaveLength(1);
    const stored = await storedEvent(late.event.id);
    expect(stored?.outcome).toBe(`fulfil: refund-due ${late.holdId}: already-refunded-at-stripe`);
    expect(await hold(late.holdId)).toMatchObject({ status: 'refunded', refund_id: null });
  });

  describe('out of order', () => {
    it('a refund before its completion: the completion issues no valid tickets', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show, { quantity: 2 });
      const paymentIntent = `pi_${randomBytes(12).toString('hex')}`;
      const refund = stripeEvent('charge.refunded', charge(paymentIntent, { amount: 5000 }));
      expect(await deliverOk(refund)).toEqual({ received: true, status: 'deferred' });
      expect((await storedEvent(refund.id))?.processed_at).toBeNull();

      await deliverOk(
        stripeEvent('checkout.session.completed', checkoutSession({ ...seeded, quantity: 2, paymentIntent })),
      );
      expect(await validTickets(seeded.holdId)).toBe(0);
      expect((await hold(seeded.holdId)).status).toBe('refunded');
      expect(await seatsSold(show)).toBe(0);
      expect((await storedEvent(refund.id))?.processed_at).not.toBeNull();
      expect(await outboxTypes(seeded.holdId)).toEqual(['order.refunded']);
    });

    it('a refund whose charge names the hold marks it before the completion comes', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show);
      const paymentIntent = `pi_${randomBytes(12).toString('hex')}`;
      const refundedCharge = { ...charge(paymentIntent), metadata: { hold_id: seeded.holdId } };
      await deliverOk(stripeEvent('charge.refunded', refundedCharge));
      expect((await hold(seeded.holdId)).status).toBe('refunded');
      await deliverOk(
        stripeEvent('checkout.session.completed', checkoutSession({ ...seeded, paymentIntent })),
      );
      expect(await allTickets(seeded.holdId)).toBe(0);
      expect(await seatsSold(show)).toBe(0);
    });

    it('a dispute before its completion: the tickets are issued revoked', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show);
      const paymentIntent = `pi_${randomBytes(12).toString('hex')}`;
      const disputed = stripeEvent('charge.dispute.created', dispute(paymentIntent));
      expect((await deliverOk(disputed)).status).toBe('deferred');
      await deliverOk(
        stripeEvent('checkout.session.completed', checkoutSession({ ...seeded, paymentIntent })),
      );
      expect(await allTickets(seeded.holdId)).toBe(1);
      expect(await validTickets(seeded.holdId)).toBe(0);
      expect((await storedEvent(disputed.id))?.processed_at).not.toBeNull();
    });

    it('a refund racing its completion never leaves a valid ticket behind', async () => {
      const show = await seedShow(50);
      const pairs = await Promise.all(
        Array.from({ length: 20 }, async () => ({
          seeded: await seedHold(show),
          paymentIntent: `pi_${randomBytes(12).toString('hex')}`,
        })),
      );
      await Promise.all(
        pairs.flatMap(({ seeded, paymentIntent }) => [
          deliverOk(stripeEvent('charge.refunded', charge(paymentIntent))),
          deliverOk(stripeEvent('checkout.session.completed', checkoutSession({ ...seeded, paymentIntent }))),
        ]),
      );
      const ids = pairs.map(({ seeded }) => seeded.holdId);
      const valid = await one(`SELECT COUNT(*) AS n FROM tickets WHERE hold_id IN (?) AND status = 'valid'`, [
        ids,
      ]);
      expect(Number(valid.n)).toBe(0);
      const statuses = await rows('SELECT DISTINCT status FROM seat_holds WHERE id IN (?)', [ids]);
      expect(statuses.map((row) => row.status)).toEqual(['refunded']);
      expect(await seatsSold(show)).toBe(0);
    });

    it('a payment success before its unpaid completion: the completion does not undo it', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show);
      const paymentIntent = `pi_${randomBytes(12).toString('hex')}`;
      const unpaid = checkoutSession({ ...seeded, paymentStatus: 'unpaid', paymentIntent });
      await deliverOk(
        stripeEvent('checkout.session.async_payment_succeeded', { ...unpaid, payment_status: 'paid' }),
      );
      await deliverOk(stripeEvent('checkout.session.completed', unpaid));
      const settled = await hold(seeded.holdId);
      expect(settled.status).toBe('paid');
      expect(settled.payment_status).toBe('paid');
      expect(await validTickets(seeded.holdId)).toBe(1);
    });

    it('an expiry after a late completion took the seats does nothing', async () => {
      const show = await seedShow(10);
      const seeded = await seedHold(show, { expiresInSeconds: -5 });
      await deliverOk(stripeEvent('checkout.session.completed', checkoutSession(seeded)));
      await deliverOk(
        stripeEvent('checkout.session.expired', checkoutSession({ ...seeded, status: 'expired' })),
      );
      expect((await hold(seeded.holdId)).status).toBe('paid');
      expect(await validTickets(seeded.holdId)).toBe(1);
    });
  });

  describe('sweep', () => {
    it('retries a completion whose hold was not there yet', async () => {
      const show = await seedShow(10);
      const holdId = newId();
      const sessionId = `cs_test_${randomBytes(20).toString('hex')}`;
      const event = stripeEvent(
        'checkout.session.completed',
        checkoutSession({ sessionId, holdId, showId: show }),
      );
      expect((await deliverOk(event)).status).toBe('deferred');
      const deferred = await storedEvent(event.id);
      expect(deferred).toMatchObject({ processed_at: null, attempts: 1 });
      expect(String(deferred?.last_error)).toContain('hold-missing');

      await db.pool.query(
        `INSERT INTO seat_holds (id, show_id, buyer_org_id, quantity, amount_total, currency, status, expires_at)
         VALUES (?, ?, ?, 1, 2500, 'eur', 'pending', NOW(3) + INTERVAL 30 MINUTE)`,
        [holdId, show, viewerId],
      );
      await makeDue(event.id);
      const outcome = await sweep();
      expect(outcome.status).toBe('processed');
      expect((await storedEvent(event.id))?.processed_at).not.toBeNull();
      const settled = await hold(holdId);
      expect(settled).toMatchObject({ status: 'paid', checkout_session_id: sessionId });
      expect(await validTickets(holdId)).toBe(1);
    });

    it('issues a late refund the inline attempt could not, and records it once', async () => {
      const show = await seedShow(1);
      await deliverOk(stripeEvent('checkout.session.completed', checkoutSession(await seedHold(show))));
      const late = await paidAtStripe(show, { status: 'released', expiresInSeconds: -60 });
      stripe.failNext(1, 500);
      expect((await deliverOk(late.event)).status).toBe('deferred');
      expect(await hold(late.holdId)).toMatchObject({ status: 'refunded', refund_id: null });
      expect(stripe.refundsFor(late.paymentIntentId)).toHaveLength(0);

      await makeDue(late.event.id);
      await sweep();
      const atStripe = stripe.refundsFor(late.paymentIntentId);
      expect(atStripe).toHaveLength(1);
      expect((await hold(late.holdId)).refund_id).toBe(atStripe[0]?.id);
      expect((await storedEvent(late.event.id))?.processed_at).not.toBeNull();
      expect(await outboxTypes(late.holdId)).toEqual(['order.refunded']);
    });

    it('releases holds whose time ran out and leaves live ones', async () => {
      const show = await seedShow(10);
      const lapsed = await seedHold(show, { expiresInSeconds: -1 });
      const live = await seedHold(show, { expiresInSeconds: 600 });
      const outcome = await sweep();
      expect(outcome.status).toBe('processed');
      expect(outcome.detail?.holdsReleased).toBeGreaterThanOrEqual(1);
      expect((await hold(lapsed.holdId)).status).toBe('released');
      expect((await hold(live.holdId)).status).toBe('held');
    });

    it('gives up on an event after its last attempt', async () => {
      const event = stripeEvent('charge.dispute.created', dispute(`pi_${randomBytes(12).toString('hex')}`));
      expect((await deliverOk(event)).status).toBe('deferred');
      await db.pool.query('UPDATE stripe_events SET attempts = 5 WHERE id = ?', [event.id]);
      await makeDue(event.id);
      await sweep();
      const stored = await storedEvent(event.id);
      expect(stored?.processed_at).not.toBeNull();
      expect(stored?.outcome).toBe('gave up after 5 attempts');
    });

    it('ignores a tick meant for another function', async () => {
      const outcome = await runner.call('stripe-sweep', {
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from(JSON.stringify(scheduleTick('settler', 'settle'))),
      });
      expect(outcome.kind).toBe('ok');
      if (outcome.kind === 'ok') expect(JSON.parse(outcome.reply.body.toString()).status).toBe('ignored');
    });
  });

  describe('recording', () => {
    it('answers 503 with Retry-After when the event cannot be recorded, so Stripe delivers it again', async () => {
      const unmigrated = `t_stripe_unmigrated_${randomBytes(4).toString('hex')}`;
      await db.pool.query(`CREATE DATABASE \`${unmigrated}\``);
      const url = new URL(db.url);
      url.pathname = `/${unmigrated}`;
      const brokenRunner = new FnRunner([
        webhookFunction('stripe-webhook', {
          MYSQL_URL: url.toString(),
          STRIPE_WEBHOOK_SECRETS: SECRET,
          ...stripeEnv(stripe),
        }),
      ]);
      const brokenGateway = await startGateway({
        runner: brokenRunner,
        routes: stripeWebhookManifest.routes.map((route) => ({
          ...route,
          functionName: stripeWebhookManifest.name,
        })),
      });
      try {
        const payload = payloadOf(stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }));
        const response = await fetch(`${brokenGateway.url}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': sign(payload) },
          body: payload,
        });
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
        expect(((await response.json()) as Problem).type).toBe(
          'https://forgecast.dev/problems/dependency-unavailable',
        );
      } finally {
        await brokenGateway.close();
        await brokenRunner.close();
        await db.pool.query(`DROP DATABASE \`${unmigrated}\``);
      }
    });
  });
});
