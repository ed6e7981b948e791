import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '#shared/ids.ts';
import {
  type CheckoutSessionRequest,
  PaymentProviderError,
  type Payments,
} from '#shared/payments/payments.ts';
import { paymentsFor, startTestStripe, stripeTestCredentials } from '#test/support/stripe.ts';
import { type RunningLocalStripe, startLocalStripe } from '../../../../infra/local/stripe/server.ts';

interface ReceivedWebhook {
  raw: Buffer;
  signature: string;
  contentType: string;
}

/** A webhook endpoint that keeps the exact bytes it was sent. */
async function startWebhookSink(): Promise<{
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}> {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        raw: Buffer.concat(chunks),
        signature: String(req.headers['stripe-signature'] ?? ''),
        contentType: String(req.headers['content-type'] ?? ''),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/webhooks/stripe`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function sessionRequest(overrides: Partial<CheckoutSessionRequest> = {}): CheckoutSessionRequest {
  const holdId = overrides.holdId ?? newId();
  return {
    holdId,
    showId: newId(),
    title: 'Live: printing a Benchy in 4 minutes',
    unitAmount: 1250,
    currency: 'eur',
    quantity: 3,
    expiresAt: new Date(Date.now() + 31 * 60_000),
    successUrl: 'https://forgecast.test/checkout/done?session={CHECKOUT_SESSION_ID}',
    cancelUrl: 'https://forgecast.test/checkout/cancelled',
    idempotencyKey: holdId,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<PaymentProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PaymentProviderError);
  return error as PaymentProviderError;
}

describe('Adapter: Stripe payments against the local Stripe server', () => {
  let stripe: RunningLocalStripe & { secretKey: string; webhookSecret: string };
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let payments: Payments;

  beforeAll(async () => {
    sink = await startWebhookSink();
    stripe = await startTestStripe({ webhookUrl: sink.url });
    payments = paymentsFor(stripe);
  });
  afterAll(async () => {
    await stripe?.close();
    await sink?.close();
  });

  describe('Method: createCheckoutSession', () => {
    it('creates an open payment session carrying the hold in client_reference_id and metadata', async () => {
      // Prepare
      const request = sessionRequest();

      // Act
      const session = await payments.createCheckoutSession(request);

      // Assess
      expect(session).toEqual({
        id: expect.stringMatching(/^cs_test_[0-9A-Za-z]+$/),
        url: `${stripe.url}/c/pay/${session.id}`,
        status: 'open',
        paymentStatus: 'unpaid',
        paymentIntentId: null,
        amountTotal: 3750,
        currency: 'eur',
        expiresAt: new Date(Math.floor(request.expiresAt.getTime() / 1000) * 1000),
        holdId: request.holdId,
      });
      expect(stripe.session(session.id)).toMatchObject({
        object: 'checkout.session',
        mode: 'payment',
        client_reference_id: request.holdId,
        metadata: { hold_id: request.holdId, show_id: request.showId },
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
        livemode: false,
      });
    });

    it('puts the hold on the PaymentIntent too, once the customer pays', async () => {
      // Prepare
      const request = sessionRequest();
      const session = await payments.createCheckoutSession(request);

      // Act
      await stripe.complete(session.id);
      const paid = await payments.retrieveCheckoutSession(session.id);

      // Assess
      expect(paid).toMatchObject({ status: 'complete', paymentStatus: 'paid', holdId: request.holdId });
      expect(stripe.paymentIntent(paid.paymentIntentId ?? '')).toMatchObject({
        status: 'succeeded',
        amount: 3750,
        metadata: { hold_id: request.holdId, show_id: request.showId },
      });
    });

    it('replays the first answer when the same idempotency key comes with the same request', async () => {
      // Prepare
      const request = sessionRequest();
      const before = stripe.sessions().length;

      // Act
      const first = await payments.createCheckoutSession(request);
      const second = await payments.createCheckoutSession(request);

      // Assess
      expect(second.id).toBe(first.id);
      expect(stripe.sessions().length).toBe(before + 1);
    });

    it('refuses the same idempotency key with different parameters, not retryable', async () => {
      // Prepare
      const request = sessionRequest();
      const first = await payments.createCheckoutSession(request);

      // Act
      const error = await failure(payments.createCheckoutSession({ ...request, quantity: 4 }));

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.stripeCode).toBe('idempotency_error');
      expect(error.status).toBe(503);
      expect(
        stripe
          .sessions()
          .filter((s) => s.client_reference_id === request.holdId)
          .map((s) => s.id),
      ).toEqual([first.id]);
    });

    it('reports an expiry under Stripe’s 30-minute minimum as a non-retryable refusal', async () => {
      // Act
      const error = await failure(
        payments.createCheckoutSession(sessionRequest({ expiresAt: new Date(Date.now() + 10 * 60_000) })),
      );

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.stripeCode).toBe('parameter_invalid');
    });
  });

  describe('Method: expireCheckoutSession', () => {
    it('expires an open session, and refuses to expire it twice', async () => {
      // Prepare
      const session = await payments.createCheckoutSession(sessionRequest());

      // Act
      const expired = await payments.expireCheckoutSession(session.id);
      const again = await failure(payments.expireCheckoutSession(session.id));
      const retrieved = await payments.retrieveCheckoutSession(session.id);

      // Assess
      expect(expired).toMatchObject({ id: session.id, status: 'expired', url: null });
      expect(again.retryable).toBe(false);
      expect(retrieved.status).toBe('expired');
    });

    it('cannot be completed once expired', async () => {
      // Prepare
      const session = await payments.createCheckoutSession(sessionRequest());
      await payments.expireCheckoutSession(session.id);

      // Act
      const completing = stripe.complete(session.id);

      // Assess
      await expect(completing).rejects.toThrow(/expired/);
    });
  });

  describe('Method: retrieveCheckoutSession', () => {
    it('answers an unknown session with a non-retryable resource_missing', async () => {
      // Act
      const error = await failure(payments.retrieveCheckoutSession('cs_test_doesnotexist'));

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.stripeCode).toBe('resource_missing');
    });
  });

  describe('Method: createRefund', () => {
    async function paidIntent(): Promise<string> {
      const session = await payments.createCheckoutSession(sessionRequest());
      const outcome = await stripe.complete(session.id);
      return outcome.session.payment_intent as string;
    }

    it('refunds a paid intent in full with our reason and metadata', async () => {
      // Prepare
      const intent = await paidIntent();

      // Act
      const refund = await payments.createRefund({
        paymentIntentId: intent,
        reason: 'requested_by_customer',
        metadata: { hold_id: 'H1', policy: 'sold_out_late_payment' },
        idempotencyKey: `refund-${intent}`,
      });

      // Assess
      expect(refund).toEqual({ id: expect.stringMatching(/^re_/), status: 'succeeded' });
      expect(stripe.refundsFor(intent)).toEqual([
        expect.objectContaining({
          id: refund.id,
          object: 'refund',
          amount: 3750,
          currency: 'eur',
          payment_intent: intent,
          reason: 'requested_by_customer',
          metadata: { hold_id: 'H1', policy: 'sold_out_late_payment' },
        }),
      ]);
    });

    it('replays a refund under the same key and refuses a second refund as charge_already_refunded', async () => {
      // Prepare
      const intent = await paidIntent();
      const request = {
        paymentIntentId: intent,
        reason: 'duplicate' as const,
        metadata: {},
        idempotencyKey: `refund-${intent}`,
      };
      const first = await payments.createRefund(request);

      // Act
      const replayed = await payments.createRefund(request);
      const second = await failure(payments.createRefund({ ...request, idempotencyKey: `again-${intent}` }));

      // Assess
      expect(replayed.id).toBe(first.id);
      expect(second.stripeCode).toBe('charge_already_refunded');
      expect(second.retryable).toBe(false);
      expect(stripe.refundsFor(intent)).toHaveLength(1);
    });

    it('refuses to refund an unpaid (delayed) payment', async () => {
      // Prepare
      const session = await payments.createCheckoutSession(sessionRequest());
      const outcome = await stripe.complete(session.id, { paid: false });

      // Act
      const error = await failure(
        payments.createRefund({
          paymentIntentId: outcome.session.payment_intent as string,
          reason: 'requested_by_customer',
          metadata: {},
          idempotencyKey: newId(),
        }),
      );

      // Assess
      expect(outcome.session.payment_status).toBe('unpaid');
      expect(error.stripeCode).toBe('charge_not_refundable');
      expect(error.retryable).toBe(false);
    });
  });

  describe('Failures', () => {
    it('maps a wrong secret key to a non-retryable error whose message holds no key', async () => {
      // Prepare
      const wrongKey = 'sk_test_definitelyNotTheKey1234';
      const wrong = paymentsFor(stripe, { secretKey: wrongKey });

      // Act
      const error = await failure(wrong.createCheckoutSession(sessionRequest()));

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('HTTP 401');
      expect(error.message).not.toContain(wrongKey);
      expect(error.message).not.toContain(stripe.secretKey);
    });

    it('maps an unreachable server to a retryable error', async () => {
      // Prepare: a port that was just free and is closed again.
      const closed = await startTestStripe();
      await closed.close();
      const unreachable = paymentsFor(closed);

      // Act
      const error = await failure(unreachable.createCheckoutSession(sessionRequest()));

      // Assess
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('could not be reached');
    });

    it.each([500, 503, 429])(
      'maps HTTP %i to a retryable error, and the retry with the same key succeeds',
      async (status) => {
        // Prepare
        const request = sessionRequest();
        stripe.failNext(1, status);

        // Act
        const error = await failure(payments.createCheckoutSession(request));
        const retried = await payments.createCheckoutSession(request);

        // Assess
        expect(error.retryable).toBe(true);
        expect(retried.status).toBe('open');
      },
    );

    it('lets the stripe package retry by itself when allowed to', async () => {
      // Prepare
      const retrying = paymentsFor(stripe, { maxNetworkRetries: 2 });
      const request = sessionRequest();
      stripe.failNext(1, 500);

      // Act
      const session = await retrying.createCheckoutSession(request);

      // Assess
      expect(
        stripe
          .sessions()
          .filter((s) => s.client_reference_id === request.holdId)
          .map((s) => s.id),
      ).toEqual([session.id]);
    });
  });
});

describe('Local Stripe server: wire format and webhooks', () => {
  let stripe: RunningLocalStripe & { secretKey: string; webhookSecret: string };
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let payments: Payments;

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${stripe.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stripe.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      },
      body,
    });

  beforeAll(async () => {
    sink = await startWebhookSink();
    stripe = await startTestStripe({ webhookUrl: sink.url });
    payments = paymentsFor(stripe);
  });
  afterAll(async () => {
    await stripe?.close();
    await sink?.close();
  });

  const form = (expiresAt: number) =>
    [
      'mode=payment',
      'line_items[0][price_data][currency]=usd',
      'line_items[0][price_data][unit_amount]=500',
      'line_items[0][price_data][product_data][name]=Show%20ticket',
      'line_items[0][quantity]=2',
      `expires_at=${expiresAt}`,
      'client_reference_id=HOLD1',
      'metadata[hold_id]=HOLD1',
      'success_url=https%3A%2F%2Fexample.test%2Fok',
    ].join('&');

  it('reads bracket notation, encoded or not, and answers a checkout.session', async () => {
    // Prepare
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const encoded = form(expiresAt).replaceAll('[', '%5B').replaceAll(']', '%5D');

    // Act
    const plain = await post('/v1/checkout/sessions', form(expiresAt));
    const percent = await post('/v1/checkout/sessions', encoded);

    // Assess
    for (const response of [plain, percent]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('request-id')).toMatch(/^req_/);
      expect(await response.json()).toMatchObject({
        object: 'checkout.session',
        id: expect.stringMatching(/^cs_test_/),
        status: 'open',
        payment_status: 'unpaid',
        payment_intent: null,
        amount_total: 1000,
        currency: 'usd',
        expires_at: expiresAt,
        client_reference_id: 'HOLD1',
        metadata: { hold_id: 'HOLD1' },
      });
    }
  });

  it('answers Stripe’s error shapes: 401 without a key, 400 for unknown and missing params', async () => {
    // Prepare
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;

    // Act
    const anonymous = await fetch(`${stripe.url}/v1/checkout/sessions`, {
      method: 'POST',
      body: form(expiresAt),
    });
    const unknown = await post('/v1/checkout/sessions', `${form(expiresAt)}&colour=blue`);
    const missing = await post('/v1/checkout/sessions', form(expiresAt).replace('mode=payment&', ''));
    const noRoute = await post('/v1/charges', '');

    // Assess
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        message: expect.stringContaining('You did not provide an API key'),
      },
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'parameter_unknown',
        param: 'colour',
        message: 'Received unknown parameter: colour',
      },
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: 'parameter_missing', param: 'mode' } });
    expect(noRoute.status).toBe(404);
  });

  it('replays under an idempotency key (Idempotent-Replayed) and refuses other params with idempotency_error', async () => {
    // Prepare
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const key = { 'idempotency-key': newId() };

    // Act
    const first = await post('/v1/checkout/sessions', form(expiresAt), key);
    const replay = await post('/v1/checkout/sessions', form(expiresAt), key);
    const conflict = await post('/v1/checkout/sessions', form(expiresAt + 60), key);

    // Assess
    const created = (await first.json()) as { id: string };
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as { id: string }).id).toBe(created.id);
    expect(conflict.status).toBe(400);
    expect(await conflict.json()).toMatchObject({ error: { type: 'idempotency_error' } });
  });

  it('does not remember a key whose request failed validation', async () => {
    // Prepare
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const key = { 'idempotency-key': newId() };

    // Act
    const invalid = await post(
      '/v1/checkout/sessions',
      form(expiresAt).replace('mode=payment', 'mode=banana'),
      key,
    );
    const valid = await post('/v1/checkout/sessions', form(expiresAt), key);

    // Assess
    expect(invalid.status).toBe(400);
    expect(valid.status).toBe(200);
  });

  it('signs events as Stripe does: the stripe package verifies them on the raw body, and only there', async () => {
    // Prepare
    const holdId = newId();
    const session = await payments.createCheckoutSession(sessionRequest({ holdId }));
    const deliveredBefore = sink.received.length;

    // Act
    const outcome = await stripe.complete(session.id);

    // Assess
    expect(outcome.delivery?.status).toBe(200);
    expect(sink.received.length).toBe(deliveredBefore + 1);
    const webhook = sink.received.at(-1) as ReceivedWebhook;
    expect(webhook.contentType).toMatch(/^application\/json/);
    expect(webhook.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = Stripe.webhooks.constructEvent(webhook.raw, webhook.signature, stripe.webhookSecret, 300);
    expect(event).toMatchObject({
      id: outcome.event.id,
      object: 'event',
      type: 'checkout.session.completed',
      livemode: false,
      data: {
        object: {
          id: session.id,
          object: 'checkout.session',
          status: 'complete',
          payment_status: 'paid',
          payment_intent: expect.stringMatching(/^pi_/),
          client_reference_id: holdId,
          metadata: { hold_id: holdId },
        },
      },
    });
    expect(event.id).toMatch(/^evt_/);
    const tampered = Buffer.from(webhook.raw);
    tampered[tampered.length - 2] = 0x20;
    expect(() => Stripe.webhooks.constructEvent(tampered, webhook.signature, stripe.webhookSecret)).toThrow();
    expect(() =>
      Stripe.webhooks.constructEvent(
        JSON.stringify(JSON.parse(webhook.raw.toString())),
        webhook.signature,
        stripe.webhookSecret,
      ),
    ).toThrow();
    expect(() => Stripe.webhooks.constructEvent(webhook.raw, webhook.signature, 'whsec_other')).toThrow();
  });

  it('sends checkout.session.completed unpaid, then async_payment_succeeded', async () => {
    // Prepare
    const session = await payments.createCheckoutSession(sessionRequest());

    // Act
    const completed = await stripe.complete(session.id, { paid: false });
    const settled = await stripe.settleAsyncPayment(session.id, { succeeded: true });

    // Assess
    expect(completed.event).toMatchObject({
      type: 'checkout.session.completed',
      data: { object: { status: 'complete', payment_status: 'unpaid' } },
    });
    expect(settled.event).toMatchObject({
      type: 'checkout.session.async_payment_succeeded',
      data: { object: { status: 'complete', payment_status: 'paid' } },
    });
    expect(settled.delivery?.status).toBe(200);
  });

  it('sends checkout.session.expired for an API expiry and charge.refunded after a refund', async () => {
    // Prepare
    const open = await payments.createCheckoutSession(sessionRequest());
    const paid = await payments.createCheckoutSession(sessionRequest());
    const intent = (await stripe.complete(paid.id)).session.payment_intent as string;

    // Act
    await payments.expireCheckoutSession(open.id);
    const refund = await payments.createRefund({
      paymentIntentId: intent,
      reason: 'requested_by_customer',
      metadata: {},
      idempotencyKey: newId(),
    });
    await stripe.flush();

    // Assess
    const events = sink.received.map((w) => JSON.parse(w.raw.toString()) as Stripe.Event);
    const expired = events.find(
      (e) => e.type === 'checkout.session.expired' && (e.data.object as { id: string }).id === open.id,
    );
    expect(expired).toBeDefined();
    const refunded = events.find(
      (e) =>
        e.type === 'charge.refunded' &&
        (e.data.object as { payment_intent: string }).payment_intent === intent,
    );
    expect(refunded?.data.object).toMatchObject({
      object: 'charge',
      amount: 3750,
      amount_refunded: 3750,
      refunded: true,
    });
    expect(refunded?.request).toMatchObject({ id: expect.stringMatching(/^req_/) });
    expect(stripe.refundsFor(intent).map((r) => r.id)).toEqual([refund.id]);
  });

  it('expires a session once expires_at passes, with the event', async () => {
    // Prepare: a clock that can be moved past the session's expiry.
    let now = Date.now();
    const local = await startTestStripe({ webhookUrl: sink.url, clock: () => new Date(now) });
    try {
      const session = await paymentsFor(local).createCheckoutSession(sessionRequest());

      // Act
      now += 32 * 60_000;
      const retrieved = await paymentsFor(local).retrieveCheckoutSession(session.id);
      await local.flush();

      // Assess
      expect(retrieved.status).toBe('expired');
      expect(local.events().map((e) => e.type)).toEqual(['checkout.session.expired']);
      expect(local.deliveries().map((d) => d.status)).toEqual([200]);
    } finally {
      await local.close();
    }
  });

  it('redelivers an event byte-for-byte in content with a fresh signature', async () => {
    // Prepare
    const session = await payments.createCheckoutSession(sessionRequest());
    const outcome = await stripe.complete(session.id);
    const first = sink.received.at(-1) as ReceivedWebhook;

    // Act
    const delivery = await stripe.redeliver(outcome.event.id);

    // Assess
    const second = sink.received.at(-1) as ReceivedWebhook;
    expect(delivery.status).toBe(200);
    expect(second.raw.equals(first.raw)).toBe(true);
    expect(Stripe.webhooks.constructEvent(second.raw, second.signature, stripe.webhookSecret).id).toBe(
      outcome.event.id,
    );
  });

  it('records events without a webhook URL and sends them once one is set', async () => {
    // Prepare
    const local = await startTestStripe();
    try {
      const localPayments = paymentsFor(local);
      const before = await localPayments.createCheckoutSession(sessionRequest());
      const after = await localPayments.createCheckoutSession(sessionRequest());

      // Act
      const unsent = await local.complete(before.id);
      local.setWebhookUrl(sink.url);
      const sent = await local.complete(after.id);

      // Assess
      expect(unsent.delivery).toBeUndefined();
      expect(sent.delivery?.status).toBe(200);
      expect(local.events().map((e) => e.type)).toEqual([
        'checkout.session.completed',
        'checkout.session.completed',
      ]);
      expect(local.deliveries().map((d) => d.eventId)).toEqual([sent.event.id]);
    } finally {
      await local.close();
    }
  });

  it('reads a webhook URL given as a getter at each delivery', async () => {
    // Prepare
    let current: string | undefined;
    const credentials = stripeTestCredentials();
    const local = await startLocalStripe({
      ...credentials,
      expirySweepMs: 0,
      get webhookUrl() {
        return current;
      },
    });
    try {
      const localPayments = paymentsFor({ url: local.url, secretKey: credentials.secretKey });
      const first = await localPayments.createCheckoutSession(sessionRequest());
      const second = await localPayments.createCheckoutSession(sessionRequest());

      // Act
      const unsent = await local.complete(first.id);
      current = sink.url;
      const sent = await local.complete(second.id);

      // Assess
      expect(unsent.delivery).toBeUndefined();
      expect(sent.delivery?.status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('sends charge.dispute.created for a disputed payment', async () => {
    // Prepare
    const session = await payments.createCheckoutSession(sessionRequest());
    const intent = (await stripe.complete(session.id)).session.payment_intent as string;

    // Act
    const disputed = await stripe.dispute(intent);

    // Assess
    expect(disputed.delivery?.status).toBe(200);
    expect(disputed.event).toMatchObject({
      type: 'charge.dispute.created',
      data: { object: { object: 'dispute', payment_intent: intent, status: 'needs_response' } },
    });
  });
});
