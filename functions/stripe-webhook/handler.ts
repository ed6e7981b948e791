import { createPool } from '#shared/db/pool.ts';
import { DependencyUnavailableError, PayloadTooLargeError, ValidationError } from '#shared/errors.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { paymentsFromConfig } from '#shared/payments/payments-from-config.ts';
import { validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { stripeEventSchema } from '#shared/shows/stripe-event.ts';
import { recordEvent } from '#shared/shows/stripe-event-log.ts';
import { type ProcessingDeps, processEvent } from '#shared/shows/stripe-processing.ts';
import { loadStripeWebhookConfig } from './config.ts';
import { stripeWebhookManifest } from './manifest.ts';
import { signatureVerifier } from './verify-signature.ts';

/** Stripe's events are a few KB; anything near this is not one of them. */
export const MAX_WEBHOOK_BYTES = 512 * 1024;
const INLINE_REFUND_TIMEOUT_MS = 5000;

const config = loadStripeWebhookConfig();
const pool = createPool(config.MYSQL_URL, { multipleStatements: true }); // coalesced transactions
const verifier = signatureVerifier(config.STRIPE_WEBHOOK_SECRETS, config.STRIPE_WEBHOOK_TOLERANCE_SECONDS);
const deps: ProcessingDeps = {
  pool,
  // An inline late refund must fit in this function's timeout and answer Stripe fast; one that
  // does not is left to the sweep, which retries it under the same idempotency key.
  payments: paymentsFromConfig({
    ...config,
    STRIPE_TIMEOUT_MS: Math.min(config.STRIPE_TIMEOUT_MS, INLINE_REFUND_TIMEOUT_MS),
    STRIPE_MAX_NETWORK_RETRIES: 0,
  }),
  paymentPendingHoldSeconds: config.STRIPE_PAYMENT_PENDING_HOLD_SECONDS,
  metrics: processMetrics().with({ function: stripeWebhookManifest.name }),
};

export const handler = httpFunction(stripeWebhookManifest, () => ({
  receiveStripeEvent: async (req, res) => {
    if (req.rawBody.length > MAX_WEBHOOK_BYTES) {
      throw new PayloadTooLargeError(
        `Body is ${req.rawBody.length} bytes; the limit is ${MAX_WEBHOOK_BYTES}`,
      );
    }
    verifier.verify(req.rawBody, req.get('stripe-signature'));
    const event = validate(stripeEventSchema, parseJson(req.rawBody), 'body');

    let fresh: boolean;
    try {
      fresh = await recordEvent(pool, event, req.rawBody);
    } catch (cause) {
      // The one answer that makes Stripe deliver again: nothing was recorded.
      throw new DependencyUnavailableError('The event could not be recorded; deliver it again', {
        cause,
        extensions: { retryAfterSeconds: 5 },
      });
    }
    res.set('Cache-Control', 'no-store');
    if (!fresh) {
      res.json({ received: true, duplicate: true });
      return;
    }
    const result = await processEvent(deps, event);
    res.json({ received: true, status: result.status });
  },
}));

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new ValidationError('The body is not JSON', { cause });
  }
}
