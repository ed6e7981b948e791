import { z } from 'zod';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  StripeSignatureInvalidError,
  StripeSignatureMissingError,
  StripeSignatureStaleError,
} from './verify-signature.ts';

/** The stripe-webhook routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  receiveStripeEvent: {
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
} satisfies RouteContracts;
