import { z } from 'zod';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { stripeWebhookConfigKeys } from './config.ts';
import {
  StripeSignatureInvalidError,
  StripeSignatureMissingError,
  StripeSignatureStaleError,
} from './verify-signature.ts';

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
      api: {
        operationId: 'receiveStripeEvent',
        summary: 'Stripe webhook endpoint (Stripe calls it; signed with Stripe-Signature)',
        description:
          'The body is a Stripe event, verified byte for byte against `Stripe-Signature`; Stripe documents its shape.',
        headers: z.object({ 'stripe-signature': z.string() }),
        body: null,
        responses: {
          200: {
            description: '`received` and the processing `status` (or `duplicate`)',
            contentType: 'application/json',
          },
        },
        problems: () => [
          new StripeSignatureMissingError(''),
          new StripeSignatureInvalidError(''),
          new StripeSignatureStaleError(''),
        ],
      },
    },
  ],
  events: [],
  config: stripeWebhookConfigKeys,
});
