import { defineManifest } from '#shared/runtime/manifest.ts';
import { stripeWebhookConfigKeys } from './config.ts';

export const stripeWebhookManifest = defineManifest({
  name: 'stripe-webhook',
  summary:
    'Receives Stripe events: verifies the signature on the raw body, records each event once and fulfils, releases or revokes orders exactly once.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  // The signature is the authentication: Stripe sends no credential API Gateway could check.
  routes: [
    {
      method: 'POST',
      path: '/webhooks/stripe',
      auth: { type: 'anonymous' },
      operationId: 'receiveStripeEvent',
    },
  ],
  events: [],
  config: stripeWebhookConfigKeys,
  api: () => import('./api.ts'),
});
