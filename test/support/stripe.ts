import { randomBytes } from 'node:crypto';
import type { Payments } from '#shared/payments/payments.ts';
import { createStripePayments } from '#shared/payments/stripe-payments.ts';
import { type RunningLocalStripe, startLocalStripe } from '../../infra/local/stripe/server.ts';

/** Fresh test-mode credentials, so no test can depend on another's. */
export function stripeTestCredentials(): { secretKey: string; webhookSecret: string } {
  return {
    secretKey: `sk_test_${randomBytes(18).toString('hex')}`,
    webhookSecret: `whsec_${randomBytes(24).toString('base64url')}`,
  };
}

/** The local Stripe API server with fresh credentials; no automatic expiry sweep unless asked. */
export async function startTestStripe(
  options: { webhookUrl?: string; expirySweepMs?: number; clock?: () => Date } = {},
): Promise<RunningLocalStripe & { secretKey: string; webhookSecret: string }> {
  const credentials = stripeTestCredentials();
  const stripe = await startLocalStripe({
    ...credentials,
    expirySweepMs: options.expirySweepMs ?? 0,
    ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return Object.assign(stripe, credentials);
}

/** The Stripe adapter pointed at a local server; no retries, so every failure is seen as it happens. */
export function paymentsFor(
  stripe: { url: string; secretKey: string },
  overrides: { secretKey?: string; maxNetworkRetries?: number; timeoutMs?: number } = {},
): Payments {
  return createStripePayments({
    apiBase: stripe.url,
    secretKey: overrides.secretKey ?? stripe.secretKey,
    timeoutMs: overrides.timeoutMs ?? 5000,
    maxNetworkRetries: overrides.maxNetworkRetries ?? 0,
  });
}

/** Env for a function that takes payments (see shared/payments/payments-from-config.ts). */
export function stripeEnv(stripe: { url: string; secretKey: string }): Record<string, string> {
  return {
    STRIPE_API_BASE: stripe.url,
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_MAX_NETWORK_RETRIES: '0',
  };
}
