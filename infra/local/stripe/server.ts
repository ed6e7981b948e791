import { createHash, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { readBoundedText } from '../bounded-body.ts';
import { listen } from '../listen.ts';
import {
  CANCEL_PAGE_PATH,
  cancelPageHtml,
  checkoutPageHtml,
  returnUrl,
  SUCCESS_PAGE_PATH,
  successPageHtml,
} from './checkout-page.ts';
import { integer, readCheckoutSessionParams, readMetadata, rejectUnknown, text } from './checkout-params.ts';
import { canonicalParams, type FormObject, FormSyntaxError, parseStripeForm } from './form.ts';
import { IdempotencyKeys } from './idempotency.ts';
import { stripeId } from './ids.ts';
import {
  type CheckoutSessionObject,
  type PaymentIntentView,
  type RefundObject,
  type RequestOrigin,
  type StripeEventObject,
  StripeLedger,
} from './ledger.ts';
import { invalidParam, missingParam, StripeApiError } from './stripe-error.ts';
import {
  DEFAULT_WEBHOOK_RETRY,
  deliverySucceeded,
  postEvent,
  retryDelayMs,
  type WebhookDelivery,
  type WebhookRetrySchedule,
} from './webhook-sender.ts';

export interface LocalStripeOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The only API key accepted (`Authorization: Bearer sk_test_…`). */
  readonly secretKey: string;
  /** The webhook endpoint's signing secret (`whsec_…`). */
  readonly webhookSecret: string;
  /** Where events are POSTed; without it events are only recorded. */
  readonly webhookUrl?: string;
  readonly webhookTimeoutMs?: number;
  /** When a failed delivery is tried again (Stripe's backoff, compressed). Default DEFAULT_WEBHOOK_RETRY. */
  readonly webhookRetry?: WebhookRetrySchedule;
  /** How often open sessions past `expires_at` are expired (and their event sent); 0 turns it off. */
  readonly expirySweepMs?: number;
  /** `api_version` written into events; default: the Stripe-Version of the request that made the session. */
  readonly apiVersion?: string;
  readonly clock?: () => Date;
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface CustomerOutcome {
  readonly session: CheckoutSessionObject;
  readonly event: StripeEventObject;
  /** The endpoint's answer; undefined without a webhook URL. */
  readonly delivery: WebhookDelivery | undefined;
}

export interface RunningLocalStripe {
  /** The API base for the `stripe` package (`host`, `port`, `protocol`) or STRIPE_API_BASE. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  /** The customer pays; with `paid: false` a delayed method (the session completes unpaid). */
  complete(sessionId: string, options?: { paid?: boolean }): Promise<CustomerOutcome>;
  /** The session runs out (as if `expires_at` passed). */
  expire(sessionId: string): Promise<CustomerOutcome>;
  /** A delayed payment of a session completed unpaid settles or fails. */
  settleAsyncPayment(sessionId: string, options: { succeeded: boolean }): Promise<CustomerOutcome>;
  /** The cardholder disputes the payment: `charge.dispute.created`. */
  dispute(
    paymentIntentId: string,
  ): Promise<{ event: StripeEventObject; delivery: WebhookDelivery | undefined }>;
  /** Sends an event again now, as a duplicate delivery or the Dashboard's "Resend" does. */
  redeliver(eventId: string): Promise<WebhookDelivery>;
  /** Failed deliveries waiting for their next automatic attempt. */
  pendingRetries(): { eventId: string; attempt: number; dueAt: Date }[];
  refundsFor(paymentIntentId: string): RefundObject[];
  paymentIntent(id: string): PaymentIntentView | undefined;
  sessions(): CheckoutSessionObject[];
  session(id: string): CheckoutSessionObject | undefined;
  events(): StripeEventObject[];
  deliveries(): WebhookDelivery[];
  /** Waits for webhook deliveries caused by API calls (refunds, expiries), which run after the answer; not for retries still waiting. */
  flush(): Promise<void>;
  /** Where events go from now on (the local cloud learns its gateway's address after starting this). */
  setWebhookUrl(url: string | undefined): void;
  /** The next `count` API requests fail with HTTP `status` (default 500) before doing anything. */
  failNext(count: number, status?: number): void;
}

const MAX_BODY_BYTES = 1024 * 1024;
const REFUND_PARAMS = new Set(['payment_intent', 'amount', 'reason', 'metadata', 'expand']);
const REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);
const SESSION_PATH = /^\/v1\/checkout\/sessions\/([^/]+)$/;
const EXPIRE_PATH = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/;
const PAY_PAGE_PATH = /^\/c\/pay\/([^/]+)$/;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * A local server that speaks Stripe's API wire format for Checkout Sessions and refunds, so the
 * real `stripe` package can be pointed at it, and sends signed webhook events the way Stripe
 * does. `complete`/`expire`/`dispute` play the customer and the card network.
 */
export async function startLocalStripe(options: LocalStripeOptions): Promise<RunningLocalStripe> {
  const log = options.log ?? (() => {});
  const clock = options.clock ?? (() => new Date());
  const idempotency = new IdempotencyKeys();
  const expectedKey = digest(options.secretKey);
  const deliveries: WebhookDelivery[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const retrySchedule = options.webhookRetry ?? DEFAULT_WEBHOOK_RETRY;
  const retries = new Map<NodeJS.Timeout, { eventId: string; attempt: number; dueAt: Date }>();
  let closing = false;
  let failures: { remaining: number; status: number } = { remaining: 0, status: 500 };
  let ledger: StripeLedger | undefined;
  // Read at each delivery, so `options.webhookUrl` may be a getter; setWebhookUrl overrides it.
  let webhookOverride: { url: string | undefined } | undefined;
  const webhookUrl = (): string | undefined => (webhookOverride ? webhookOverride.url : options.webhookUrl);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log({ level: 'error', msg: 'local stripe failure', error: String(error) });
      if (!res.headersSent) sendJson(res, 500, apiErrorBody('An unexpected error occurred.'), 'req_local');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = stripeId('req_', 14);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = await readBoundedText(req, MAX_BODY_BYTES);
    if (body === undefined) {
      return sendJson(
        res,
        413,
        apiErrorBody('The request body is too large.', 'invalid_request_error'),
        requestId,
      );
    }
    const pay = PAY_PAGE_PATH.exec(path);
    if (pay) return payPage(req, res, decodeURIComponent(pay[1] ?? ''), body);
    if (path === SUCCESS_PAGE_PATH || path === CANCEL_PAGE_PATH) return returnPage(req, res, path);
    if (!path.startsWith('/v1/')) return sendText(res, 404, 'Not found');

    if (!authenticated(req.headers.authorization)) {
      const message = req.headers.authorization
        ? 'Invalid API Key provided.'
        : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
      return sendJson(res, 401, apiErrorBody(message, 'invalid_request_error'), requestId);
    }
    if (failures.remaining > 0) {
      failures = { ...failures, remaining: failures.remaining - 1 };
      return sendJson(res, failures.status, apiErrorBody('Injected failure (local Stripe).'), requestId);
    }

    let params: FormObject;
    try {
      params = parseStripeForm(body);
    } catch (error) {
      if (!(error instanceof FormSyntaxError)) throw error;
      return sendStripeError(res, invalidParam(error.param, error.message), requestId);
    }
    const method = req.method ?? 'GET';
    const endpoint = `${method} ${path}`;
    const idempotencyKey = method === 'POST' ? header(req, 'idempotency-key') : undefined;
    const fingerprint = canonicalParams(params);
    if (idempotencyKey !== undefined) {
      const verdict = idempotency.check(idempotencyKey, endpoint, fingerprint);
      if (verdict.kind === 'conflict') {
        const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`;
        return sendJson(res, 400, apiErrorBody(message, 'idempotency_error'), requestId);
      }
      if (verdict.kind === 'replay') {
        return sendRaw(res, verdict.response.status, verdict.response.body, requestId, {
          'Idempotent-Replayed': 'true',
          'Original-Request': 'replayed',
        });
      }
    }

    const origin: RequestOrigin = { requestId, idempotencyKey: idempotencyKey ?? null };
    let status = 200;
    let answer: unknown;
    try {
      answer = route(method, path, params, origin, header(req, 'stripe-version') ?? null);
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      status = error.status;
      answer = error.body();
      // Stripe keeps an answer for a key only once the endpoint started executing.
      if (!error.saved) {
        dispatch();
        return sendJson(res, status, answer, requestId);
      }
    }
    const text = JSON.stringify(answer, null, 2);
    if (idempotencyKey !== undefined)
      idempotency.remember(idempotencyKey, endpoint, fingerprint, { status, body: text });
    sendRaw(res, status, text, requestId, {});
    dispatch();
  }

  function route(
    method: string,
    path: string,
    params: FormObject,
    origin: RequestOrigin,
    apiVersion: string | null,
  ): unknown {
    const stripe = state();
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      return stripe.createSession(readCheckoutSessionParams(params, stripe.now()), apiVersion);
    }
    const expire = EXPIRE_PATH.exec(path);
    if (method === 'POST' && expire) {
      const id = decodeURIComponent(expire[1] ?? '');
      stripe.expireSession(id, origin);
      return stripe.retrieveSession(id);
    }
    const session = SESSION_PATH.exec(path);
    if (method === 'GET' && session) return stripe.retrieveSession(decodeURIComponent(session[1] ?? ''));
    if (method === 'POST' && path === '/v1/refunds') return createRefund(stripe, params, origin);
    throw new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  function createRefund(stripe: StripeLedger, params: FormObject, origin: RequestOrigin): RefundObject {
    rejectUnknown(params, REFUND_PARAMS, '');
    const paymentIntentId = text(params, 'payment_intent');
    if (paymentIntentId === undefined) throw missingParam('payment_intent');
    const reason = text(params, 'reason') ?? null;
    if (reason !== null && !REFUND_REASONS.has(reason)) {
      throw invalidParam('reason', `Invalid reason: must be one of ${[...REFUND_REASONS].join(', ')}`);
    }
    const amount = integer(params.amount, 'amount', 1, Number.MAX_SAFE_INTEGER);
    return stripe.refund(
      {
        paymentIntentId,
        reason,
        metadata: readMetadata(params.metadata, 'metadata'),
        ...(amount === undefined ? {} : { amount }),
      },
      origin,
    ).refund;
  }

  async function payPage(req: IncomingMessage, res: ServerResponse, id: string, body: string): Promise<void> {
    const session = state()
      .sessions()
      .find((s) => s.id === id);
    if (!session) return sendText(res, 404, 'No such Checkout Session');
    if (req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      return void res.end(checkoutPageHtml(session));
    }
    if (req.method !== 'POST') return sendText(res, 405, 'Method not allowed');
    const choice = new URLSearchParams(body).get('choice');
    if (session.status !== 'open') return sendText(res, 409, `The session is ${session.status}`);
    if (choice === 'cancel') {
      const next = returnUrl(session, true);
      res.writeHead(next ? 303 : 200, next ? { Location: next } : {});
      return void res.end();
    }
    const outcome = await customer(() => state().completeSession(id, choice !== 'pay_later'), id);
    res.writeHead(303, { Location: returnUrl(outcome.session, false) ?? '/' });
    res.end();
  }

  /** The success and cancel pages the local cloud's sessions return to (`?session=`, or `?hold=` and `?show=`). */
  function returnPage(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method not allowed');
      return;
    }
    const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const sessionId = query.get('session');
    const holdId = query.get('hold');
    // Stripe fills {CHECKOUT_SESSION_ID} in success URLs only; a cancel URL names the hold instead.
    const session = state()
      .sessions()
      .find((s) => (sessionId ? s.id === sessionId : holdId !== null && s.metadata.hold_id === holdId));
    // The gateway's /v1 base, from the webhook endpoint the local cloud gave us.
    const apiBase = webhookUrl()?.match(/^(.*)\/webhooks\/stripe$/)?.[1];
    const html =
      path === SUCCESS_PAGE_PATH
        ? successPageHtml(session, apiBase)
        : cancelPageHtml(query.get('show'), session?.status === 'open' ? session : undefined, apiBase);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  function authenticated(authorization: string | undefined): boolean {
    if (authorization === undefined) return false;
    let presented: string | undefined;
    if (/^bearer /i.test(authorization)) presented = authorization.slice(7).trim();
    else if (/^basic /i.test(authorization)) {
      presented = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8').split(':')[0];
    }
    return presented !== undefined && timingSafeEqual(digest(presented), expectedKey);
  }

  function state(): StripeLedger {
    if (!ledger) throw new Error('local Stripe is not listening');
    return ledger;
  }

  /**
   * One attempt, signed with the current time; a failure schedules the next attempt as Stripe
   * does, until the schedule runs out. `automatic: false` (a manual redelivery) schedules nothing.
   */
  async function deliver(
    event: StripeEventObject,
    attempt = 1,
    automatic = true,
  ): Promise<WebhookDelivery | undefined> {
    const url = webhookUrl();
    if (!url) return undefined;
    const delivery = await postEvent(event, {
      url,
      secret: options.webhookSecret,
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
      timestamp: Math.floor(clock().getTime() / 1000),
      attempt,
    });
    deliveries.push(delivery);
    const succeeded = deliverySucceeded(delivery);
    const nextInMs = succeeded || !automatic ? undefined : retryDelayMs(retrySchedule, attempt);
    log({
      level: succeeded ? 'debug' : 'warn',
      msg: succeeded ? 'webhook delivered' : 'webhook delivery failed',
      eventId: event.id,
      type: event.type,
      attempt,
      status: delivery.status,
      ...(delivery.error ? { error: delivery.error } : {}),
      ...(succeeded ? {} : { nextAttemptInMs: nextInMs ?? null }),
    });
    if (nextInMs !== undefined) scheduleRetry(event, attempt + 1, nextInMs);
    return delivery;
  }

  function scheduleRetry(event: StripeEventObject, attempt: number, delayMs: number): void {
    if (closing) return;
    const timer = setTimeout(() => {
      retries.delete(timer);
      void deliverTracked(event, attempt);
    }, delayMs);
    timer.unref();
    retries.set(timer, { eventId: event.id, attempt, dueAt: new Date(Date.now() + delayMs) });
  }

  /** Sends, in order and in the background, whatever the ledger emitted. */
  function dispatch(): void {
    const events = state().takeUndelivered();
    if (events.length === 0 || !webhookUrl()) return;
    const run = (async () => {
      for (const event of events) await deliver(event);
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  /** Runs an action and sends what it emitted, in order, before returning; its own event comes last. */
  async function act(
    action: () => StripeEventObject,
  ): Promise<{ event: StripeEventObject; delivery: WebhookDelivery | undefined }> {
    let event: StripeEventObject | undefined;
    try {
      event = action();
    } finally {
      // An expiry found on the way (the session ran out first) is sent even when the action failed.
      for (const emitted of state().takeUndelivered()) await deliverTracked(emitted);
    }
    return { event, delivery: deliveries.findLast((d) => d.eventId === event.id) };
  }

  async function customer(action: () => StripeEventObject, sessionId: string): Promise<CustomerOutcome> {
    const { event, delivery } = await act(action);
    return { session: state().retrieveSession(sessionId), event, delivery };
  }

  async function deliverTracked(event: StripeEventObject, attempt = 1): Promise<void> {
    const run = deliver(event, attempt);
    inFlight.add(run);
    try {
      await run;
    } finally {
      inFlight.delete(run);
    }
  }

  const { port } = await listen(
    server,
    options.port ?? 0,
    options.host ?? '127.0.0.1',
    'the local Stripe server',
  );
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  ledger = new StripeLedger({ checkoutBaseUrl: url, clock, apiVersion: options.apiVersion ?? null });

  const sweepMs = options.expirySweepMs ?? 1000;
  const sweep =
    sweepMs > 0
      ? setInterval(() => {
          state().expireDue();
          dispatch();
        }, sweepMs)
      : undefined;
  sweep?.unref();

  return {
    url,
    port,
    async close() {
      closing = true;
      if (sweep) clearInterval(sweep);
      for (const timer of retries.keys()) clearTimeout(timer);
      retries.clear();
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
    complete: (sessionId, completeOptions) =>
      customer(() => state().completeSession(sessionId, completeOptions?.paid ?? true), sessionId),
    expire: (sessionId) => customer(() => state().expireSession(sessionId), sessionId),
    settleAsyncPayment: (sessionId, settleOptions) =>
      customer(() => state().settleAsyncPayment(sessionId, settleOptions.succeeded), sessionId),
    dispute: (paymentIntentId) => act(() => state().dispute(paymentIntentId)),
    async redeliver(eventId) {
      const event = state().event(eventId);
      if (!event) throw new Error(`no event ${eventId}`);
      if (!webhookUrl()) throw new Error('local Stripe has no webhook URL');
      return (await deliver(event, 1, false)) as WebhookDelivery;
    },
    pendingRetries: () => [...retries.values()].map((retry) => ({ ...retry })),
    refundsFor: (paymentIntentId) => state().refundsFor(paymentIntentId),
    paymentIntent: (id) => state().paymentIntent(id),
    sessions: () => state().sessions(),
    session: (id) =>
      state()
        .sessions()
        .find((s) => s.id === id),
    events: () => state().events(),
    deliveries: () => [...deliveries],
    async flush() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    setWebhookUrl(url) {
      webhookOverride = { url };
    },
    failNext(count, status = 500) {
      failures = { remaining: count, status };
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function apiErrorBody(message: string, type = 'api_error'): { error: { type: string; message: string } } {
  return { error: { type, message } };
}

function sendStripeError(res: ServerResponse, error: StripeApiError, requestId: string): void {
  sendJson(res, error.status, error.body(), requestId);
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  sendRaw(res, status, JSON.stringify(body, null, 2), requestId, {});
}

function sendRaw(
  res: ServerResponse,
  status: number,
  text: string,
  requestId: string,
  headers: Record<string, string>,
): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Request-Id': requestId,
    'Cache-Control': 'no-cache, no-store',
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}
