import { z } from 'zod';
import type { Payments } from './payments.ts';
import { apiEndpoint, createStripePayments } from './stripe-payments.ts';

/**
 * Config shape for calling Stripe (compose into a function's readConfig shape). readConfig never
 * echoes a value, so a malformed key is reported by name only.
 */
export const paymentsConfig = {
  /** An origin: https://api.stripe.com, or the local server in the local cloud and tests. */
  STRIPE_API_BASE: z
    .url()
    .default('https://api.stripe.com')
    .refine(isOrigin, 'must be an http(s) origin without a path'),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[0-9A-Za-z_]+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)'),
  /** Per request to Stripe, in milliseconds. */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(80_000).default(10_000),
  /** Retries the stripe package makes itself on connection errors, 409, 429 and 5xx. */
  STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
};

export interface PaymentsConfig {
  readonly STRIPE_API_BASE: string;
  readonly STRIPE_SECRET_KEY: string;
  readonly STRIPE_TIMEOUT_MS: number;
  readonly STRIPE_MAX_NETWORK_RETRIES: number;
}

export function paymentsFromConfig(config: PaymentsConfig): Payments {
  return createStripePayments({
    apiBase: config.STRIPE_API_BASE,
    secretKey: config.STRIPE_SECRET_KEY,
    timeoutMs: config.STRIPE_TIMEOUT_MS,
    maxNetworkRetries: config.STRIPE_MAX_NETWORK_RETRIES,
  });
}

function isOrigin(value: string): boolean {
  try {
    apiEndpoint(value);
    return true;
  } catch {
    return false;
  }
}
