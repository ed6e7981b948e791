import type Stripe from 'stripe';
import { lazyOnce } from '../base/lazy.ts';
import {
  type CheckoutSession,
  type CheckoutSessionRequest,
  PaymentProviderError,
  type Payments,
  type RefundRequest,
} from './payments.ts';

export interface StripePaymentsOptions {
  readonly secretKey: string;
  /** `https://api.stripe.com`, or a server that speaks the same API (infra/local/stripe). */
  readonly apiBase: string;
  /** Per request, in milliseconds. */
  readonly timeoutMs: number;
  /** Retries the `stripe` package makes itself (with backoff) on connection errors, 409, 429 and 5xx. */
  readonly maxNetworkRetries: number;
}

type StripeModule = typeof import('stripe');

/**
 * The Payments port on Stripe's API through the `stripe` package. The package is imported on the
 * first call, not at cold start: a function that never pays never loads it.
 */
export function createStripePayments(options: StripePaymentsOptions): Payments {
  const endpoint = apiEndpoint(options.apiBase);
  const stripe = lazyOnce(() =>
    import('stripe').then((module) => ({
      module,
      client: new module.default(options.secretKey, {
        ...endpoint,
        timeout: options.timeoutMs,
        maxNetworkRetries: options.maxNetworkRetries,
        telemetry: false,
        appInfo: { name: 'forgecast' },
      }),
    })),
  );

  async function call<T>(operation: string, work: (client: Stripe) => Promise<T>): Promise<T> {
    const { client, module } = await stripe();
    try {
      return await work(client);
    } catch (error) {
      throw toPaymentProviderError(operation, error, module);
    }
  }

  return {
    createCheckoutSession: (request) =>
      call('create a Checkout Session', async (client) =>
        presentSession(
          await client.checkout.sessions.create(sessionParams(request), {
            idempotencyKey: request.idempotencyKey,
          }),
        ),
      ),
    retrieveCheckoutSession: (id) =>
      call('retrieve a Checkout Session', async (client) =>
        presentSession(await client.checkout.sessions.retrieve(id)),
      ),
    expireCheckoutSession: (id) =>
      call('expire a Checkout Session', async (client) =>
        presentSession(await client.checkout.sessions.expire(id)),
      ),
    createRefund: (request) =>
      call('refund a payment', async (client) => {
        const refund = await client.refunds.create(refundParams(request), {
          idempotencyKey: request.idempotencyKey,
        });
        return { id: refund.id, status: refund.status ?? 'pending' };
      }),
  };
}

function sessionParams(request: CheckoutSessionRequest): Stripe.Checkout.SessionCreateParams {
  const metadata = { hold_id: request.holdId, show_id: request.showId };
  return {
    mode: 'payment',
    line_items: [
      {
        price_data: {
          currency: request.currency,
          unit_amount: request.unitAmount,
          product_data: { name: request.title },
        },
        quantity: request.quantity,
      },
    ],
    expires_at: Math.floor(request.expiresAt.getTime() / 1000),
    client_reference_id: request.holdId,
    metadata,
    payment_intent_data: { metadata },
    success_url: request.successUrl,
    cancel_url: request.cancelUrl,
  };
}

function refundParams(request: RefundRequest): Stripe.RefundCreateParams {
  return {
    payment_intent: request.paymentIntentId,
    reason: request.reason,
    metadata: { ...request.metadata },
  };
}

const SESSION_STATUSES = ['open', 'complete', 'expired'] as const;
const PAYMENT_STATUSES = ['paid', 'unpaid', 'no_payment_required'] as const;

/** Stripe's types leave room for values added later; one we do not know is not guessed at. */
function oneOf<T extends string>(known: readonly T[], value: string | null, field: string): T {
  if (value !== null && (known as readonly string[]).includes(value)) return value as T;
  throw new PaymentProviderError(`The payment provider answered an unknown Checkout Session ${field}`, {
    retryable: false,
  });
}

function presentSession(session: Stripe.Checkout.Session): CheckoutSession {
  const intent = session.payment_intent;
  return {
    id: session.id,
    url: session.url ?? null,
    status: oneOf(SESSION_STATUSES, session.status, 'status'),
    paymentStatus: oneOf(PAYMENT_STATUSES, session.payment_status, 'payment_status'),
    paymentIntentId: typeof intent === 'string' ? intent : (intent?.id ?? null),
    amountTotal: session.amount_total ?? null,
    currency: session.currency ?? null,
    expiresAt: new Date(session.expires_at * 1000),
    holdId: session.client_reference_id ?? session.metadata?.hold_id ?? null,
  };
}

/** Host, port and protocol for the `stripe` package from a base URL (it adds `/v1/` itself). */
export function apiEndpoint(apiBase: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const url = new URL(apiBase);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError('the Stripe API base must be an http(s) URL');
  }
  if (url.pathname !== '/' || url.search !== '' || url.username !== '' || url.password !== '') {
    throw new RangeError('the Stripe API base must be an origin only, without path, query or credentials');
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port),
    protocol,
  };
}

/**
 * Stripe's advice on what to retry: connection failures, 409 (a concurrent request under the same
 * idempotency key, or a lock timeout), 429 and 5xx; `Stripe-Should-Retry` overrides. The message
 * is safe for a client: it names the operation and Stripe's code, never the key or the raw answer.
 */
function toPaymentProviderError(
  operation: string,
  error: unknown,
  module: StripeModule,
): PaymentProviderError {
  if (error instanceof PaymentProviderError) return error;
  const { StripeError, StripeConnectionError } = module.default.errors;
  if (!(error instanceof StripeError)) {
    return new PaymentProviderError(`Could not ${operation} with the payment provider`, {
      retryable: false,
      cause: error,
    });
  }
  const status = error.statusCode;
  const stripeCode = error.code ?? error.rawType;
  const advice = error.headers?.['stripe-should-retry'];
  const retryable =
    advice === 'true'
      ? true
      : advice === 'false'
        ? false
        : error instanceof StripeConnectionError ||
          status === undefined ||
          status === 409 ||
          status === 429 ||
          status >= 500;
  const what =
    error instanceof StripeConnectionError
      ? 'could not be reached'
      : `refused (HTTP ${status ?? '?'}${stripeCode ? `, ${stripeCode}` : ''})`;
  return new PaymentProviderError(`The payment provider ${what} when asked to ${operation}`, {
    retryable,
    ...(stripeCode ? { stripeCode } : {}),
    cause: error,
  });
}
