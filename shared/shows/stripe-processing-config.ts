import { z } from 'zod';
import { databaseConfig } from '../config/platform.ts';
import { paymentsConfig } from '../payments/payments-from-config.ts';

/**
 * What processing a Stripe event needs (shared/shows/stripe-processing.ts), for both functions
 * that process events: stripe-webhook on delivery and stripe-sweep on retry.
 */
export const stripeProcessingConfig = {
  ...databaseConfig,
  // Late payments for a sold-out show are refunded through Stripe's API.
  ...paymentsConfig,
  /**
   * How long seats stay held after a checkout completes with a payment still settling (bank
   * debits take days); the async_payment_succeeded or _failed event normally comes first.
   */
  STRIPE_PAYMENT_PENDING_HOLD_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(7 * 86_400),
};
