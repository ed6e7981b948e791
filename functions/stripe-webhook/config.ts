import { z } from 'zod';
import { configFields, readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { paymentsConfig } from '#shared/payments/payments-from-config.ts';

const seconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const processingShape = {
  ...databaseConfig,
  // Late payments for a sold-out show are refunded through Stripe's API.
  ...paymentsConfig,
  /**
   * How long seats stay held after a checkout completes with a payment still settling (bank
   * debits take days); the async_payment_succeeded or _failed event normally comes first.
   */
  STRIPE_PAYMENT_PENDING_HOLD_SECONDS: seconds(60, 30 * 86_400, 7 * 86_400),
};

const webhookShape = {
  ...processingShape,
  /** Comma-separated signing secrets (whsec_...): more than one while a secret is being rolled. */
  STRIPE_WEBHOOK_SECRETS: configFields.csv.pipe(
    z.array(z.string().min(8)).min(1, 'needs at least one secret'),
  ),
  /** Oldest signature timestamp accepted (Stripe's libraries default to 300 s). */
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: seconds(1, 3600, 300),
};

const sweepShape = {
  ...processingShape,
  /** Unprocessed events retried per tick. */
  STRIPE_SWEEP_BATCH: seconds(1, 1000, 100),
  /** Retry n waits base * 2^n seconds after the event was received, at most the cap. */
  STRIPE_RETRY_BASE_SECONDS: seconds(1, 3600, 10),
  STRIPE_RETRY_MAX_SECONDS: seconds(10, 86_400, 3600),
  /** Stripe itself stops redelivering after three days; so does the sweep, after this many tries. */
  STRIPE_RETRY_MAX_ATTEMPTS: seconds(1, 1000, 80),
  /** Expired holds released per tick. */
  STRIPE_RELEASE_BATCH: seconds(1, 10_000, 500),
};

export const stripeWebhookConfigKeys = Object.keys(webhookShape);
export const stripeSweepConfigKeys = Object.keys(sweepShape);
export const loadStripeWebhookConfig = () => readConfig(webhookShape);
export const loadStripeSweepConfig = () => readConfig(sweepShape);
export type StripeWebhookConfig = ReturnType<typeof loadStripeWebhookConfig>;
export type StripeSweepConfig = ReturnType<typeof loadStripeSweepConfig>;
