import { z } from 'zod';
import { configFields, readConfig } from '#shared/config/config.ts';
import { stripeProcessingConfig } from '#shared/shows/stripe-processing-config.ts';

const webhookShape = {
  ...stripeProcessingConfig,
  /** Comma-separated signing secrets (whsec_...): more than one while a secret is being rolled. */
  STRIPE_WEBHOOK_SECRETS: configFields.csv.pipe(
    z.array(z.string().min(8)).min(1, 'needs at least one secret'),
  ),
  /** Oldest signature timestamp accepted (Stripe's libraries default to 300 s). */
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
};

export const stripeWebhookConfigKeys = Object.keys(webhookShape);
export const loadStripeWebhookConfig = () => readConfig(webhookShape);
export type StripeWebhookConfig = ReturnType<typeof loadStripeWebhookConfig>;
