import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '#shared/ids.ts';
import { paymentsFor, stripeTestCredentials } from '#test/support/stripe.ts';
import { type RunningLocalStripe, startLocalStripe } from '../../../../../infra/local/stripe/server.ts';
import type { WebhookRetrySchedule } from '../../../../../infra/local/stripe/webhook-sender.ts';

interface Received {
  /** performance.now() when the request's body had arrived. */
  readonly at: number;
  readonly raw: string;
  readonly signature: string;
  readonly answered: number;
}

/** A webhook endpoint that answers `failures` times with 502 (its function just died), then 200. */
async function startFlakyEndpoint(failures: number) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answered = received.length < failures ? 502 : 200;
      received.push({
        at: performance.now(),
        raw: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['stripe-signature'] ?? ''),
        answered,
      });
      res.writeHead(answered, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/webhooks/stripe`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Stripe's schedule in milliseconds instead of hours. */
const FAST: WebhookRetrySchedule = { firstDelayMs: 50, maxDelayMs: 400, maxAttempts: 6 };

async function until(done: () => boolean, boundMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > boundMs) throw new Error(`not within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Local Stripe: webhook deliveries as Stripe makes them', () => {
  let stripe: (RunningLocalStripe & { secretKey: string; webhookSecret: string }) | undefined;
  let endpoint: Awaited<ReturnType<typeof startFlakyEndpoint>> | undefined;

  afterEach(async () => {
    await stripe?.close();
    await endpoint?.close();
    stripe = undefined;
    endpoint = undefined;
  });

  async function start(failures: number, retry: WebhookRetrySchedule = FAST) {
    endpoint = await startFlakyEndpoint(failures);
    const credentials = stripeTestCredentials();
    // Each reading of the clock is a second later, so every attempt is signed at a new time.
    let tick = 0;
    const started = Date.now();
    const running = await startLocalStripe({
      ...credentials,
      webhookUrl: endpoint.url,
      webhookRetry: retry,
      expirySweepMs: 0,
      clock: () => new Date(started + 1000 * tick++),
    });
    stripe = Object.assign(running, credentials);
    return { stripe, endpoint };
  }

  async function paidSession(local: RunningLocalStripe & { secretKey: string }) {
    const holdId = newId();
    const session = await paymentsFor(local).createCheckoutSession({
      holdId,
      showId: newId(),
      title: 'A show',
      unitAmount: 1500,
      currency: 'eur',
      quantity: 1,
      expiresAt: new Date(Date.now() + 2 * 3600_000),
      successUrl: 'https://forgecast.test/done?session={CHECKOUT_SESSION_ID}',
      cancelUrl: 'https://forgecast.test/cancelled',
      idempotencyKey: `checkout-${holdId}`,
    });
    return { holdId, sessionId: session.id };
  }

  it('delivers again, with backoff, until the endpoint answers 2xx; each attempt signed anew', async () => {
    // Prepare
    const { stripe: local, endpoint: sink } = await start(3);
    const { sessionId } = await paidSession(local);

    // Act
    const { event, delivery } = await local.complete(sessionId);
    // The sink has answered before the server records the attempt: wait for the server's record.
    await until(() => local.deliveries().some((d) => d.status === 200));

    // Assess: the first answer was 502; the event came three more times, the last one taken
    expect(delivery).toMatchObject({ status: 502, attempt: 1 });
    expect(sink.received.map((r) => r.answered)).toEqual([502, 502, 502, 200]);
    const timestamps = sink.received.map((received) => {
      const verified = Stripe.webhooks.constructEvent(
        received.raw,
        received.signature,
        local.webhookSecret,
        3600,
      );
      expect(verified.id).toBe(event.id);
      return Number(/t=(\d+)/.exec(received.signature)?.[1]);
    });
    expect(new Set(timestamps).size).toBe(4);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    expect(local.deliveries().map((d) => [d.eventId, d.attempt, d.status])).toEqual([
      [event.id, 1, 502],
      [event.id, 2, 502],
      [event.id, 3, 502],
      [event.id, 4, 200],
    ]);
    expect(local.pendingRetries()).toEqual([]);
  });

  it('waits longer before each retry (exponential backoff up to the cap)', async () => {
    // Prepare
    const schedule: WebhookRetrySchedule = { firstDelayMs: 100, maxDelayMs: 400, maxAttempts: 6 };
    const { stripe: local, endpoint: sink } = await start(5, schedule);
    const { sessionId } = await paidSession(local);
    // When each request had arrived, as the endpoint saw it (a poll would see it late, and shorten the next gap).
    const seen = () => sink.received.length >= 6;

    // Act
    await local.complete(sessionId);
    await until(seen);

    // Assess: gaps of at least 100, 200, 400, 400, 400 ms
    const arrivals = sink.received.map((request) => request.at);
    const gaps = arrivals.slice(1).map((at, index) => at - (arrivals[index] as number));
    [100, 200, 400, 400, 400].forEach((least, index) => {
      expect(gaps[index]).toBeGreaterThanOrEqual(least - 20);
    });
  });

  it('gives up after the last attempt of the schedule and leaves nothing pending', async () => {
    // Prepare
    const { stripe: local, endpoint: sink } = await start(1000, { ...FAST, maxAttempts: 3 });
    const { sessionId } = await paidSession(local);

    // Act
    await local.complete(sessionId);
    await until(() => sink.received.length >= 3 && local.pendingRetries().length === 0);
    await new Promise((resolve) => setTimeout(resolve, 3 * FAST.maxDelayMs));

    // Assess
    expect(sink.received.map((r) => r.answered)).toEqual([502, 502, 502]);
    expect(local.deliveries().map((d) => d.attempt)).toEqual([1, 2, 3]);
  });

  it('stops retrying when it is closed', async () => {
    // Prepare
    const { stripe: local, endpoint: sink } = await start(1000, {
      firstDelayMs: 60_000,
      maxDelayMs: 60_000,
      maxAttempts: 5,
    });
    const { sessionId } = await paidSession(local);
    await local.complete(sessionId);
    expect(local.pendingRetries()).toEqual([
      { eventId: expect.stringMatching(/^evt_/), attempt: 2, dueAt: expect.any(Date) },
    ]);

    // Act
    await local.close();

    // Assess
    expect(local.pendingRetries()).toEqual([]);
    expect(sink.received).toHaveLength(1);
    stripe = undefined;
  });

  it('ends checkout on real pages: success says what happened, cancel links back to the open session', async () => {
    // Prepare
    const { stripe: local } = await start(0);
    const paid = await paidSession(local);
    const open = await paidSession(local);
    await local.complete(paid.sessionId);

    // Act
    const success = await fetch(`${local.url}/checkout/success?session=${paid.sessionId}`);
    const showId = newId();
    const cancelled = await fetch(`${local.url}/checkout/cancelled?show=${showId}&hold=${open.holdId}`);
    const unknown = await fetch(`${local.url}/checkout/success?session=cs_test_nothing`);

    // Assess
    expect(success.status).toBe(200);
    expect(success.headers.get('content-type')).toMatch(/^text\/html/);
    const successPage = await success.text();
    expect(successPage).toContain('Payment received');
    expect(successPage).toContain(paid.sessionId);
    expect(successPage).toContain('GET /v1/tickets');
    const cancelPage = await cancelled.text();
    expect(cancelled.status).toBe(200);
    expect(cancelPage).toContain('Nothing was charged');
    expect(cancelPage).toContain(`${local.url}/c/pay/${open.sessionId}`);
    // Back to the show on the API that receives the webhooks (the local cloud's gateway).
    expect(cancelPage).toContain(
      `href="${endpoint?.url.replace(/\/webhooks\/stripe$/, '')}/shows/${showId}"`,
    );
    expect(await unknown.text()).toContain('no such Checkout Session');
  });
});
