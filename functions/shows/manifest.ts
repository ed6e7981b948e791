import { z } from 'zod';
import {
  ConflictError,
  DependencyUnavailableError,
  NotFoundError,
  UnprocessableError,
} from '../../shared/errors.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { showsConfigKeys } from './config.ts';
import { checkoutSchema, createShowSchema, listQuerySchema, showIdSchema } from './schema.ts';

const anonymous = { type: 'anonymous' } as const;
const byId = z.object({ id: showIdSchema });
// The codes checkout.ts refuses with (that module holds SQL; a manifest loads at every cold start).
const checkoutRefusals = () => [
  new ConflictError('', { extensions: { code: 'sold_out' } }),
  new ConflictError('', { extensions: { code: 'not_on_sale' } }),
  new UnprocessableError('', { extensions: { code: 'price_not_chargeable' } }),
  new DependencyUnavailableError('', { extensions: { code: 'payment_provider_unavailable' } }),
];

export const showsManifest = defineManifest({
  name: 'shows',
  summary:
    'Shows: creators schedule ticketed shows; anyone lists and reads them with live seat availability; viewers check out seats through Stripe Checkout.',
  kind: 'http',
  memoryMb: 256,
  // A checkout waits for Stripe (STRIPE_TIMEOUT_MS, default 10 s) after holding the seats.
  timeoutSeconds: 30,
  routes: [
    {
      method: 'POST',
      path: '/shows',
      auth: { type: 'scoped', anyOf: ['shows:write', 'admin'] },
      api: {
        operationId: 'createShow',
        summary: 'Schedule a ticketed show, optionally playing one of your ready videos',
        description: '`price.amount` is in the currency’s smallest unit (cents), as Stripe counts it.',
        body: createShowSchema,
        responses: { 201: { description: 'The show', contentType: 'application/json' } },
      },
    },
    {
      method: 'GET',
      path: '/shows',
      auth: anonymous,
      api: {
        operationId: 'listShows',
        summary: 'Upcoming shows with live `seatsAvailable` (public)',
        query: listQuerySchema,
        responses: { 200: { description: '`items` and `nextCursor`', contentType: 'application/json' } },
      },
    },
    {
      method: 'GET',
      path: '/shows/{id}',
      auth: anonymous,
      api: {
        operationId: 'getShow',
        summary: 'A show with live `seatsAvailable` (public)',
        params: byId,
        responses: { 200: { description: 'The show', contentType: 'application/json' } },
        problems: () => [new NotFoundError('')],
      },
    },
    {
      method: 'POST',
      path: '/shows/{id}/checkout',
      auth: { type: 'scoped', anyOf: ['tickets:buy', 'admin'] },
      api: {
        operationId: 'checkoutShow',
        summary: 'Hold seats and open a Stripe Checkout Session',
        description:
          'Pay at `checkoutUrl` before `expiresAt`; the tickets appear in `GET /v1/tickets` once Stripe confirms.',
        params: byId,
        body: checkoutSchema,
        responses: {
          201: {
            description: '`checkoutUrl`, the hold and its `expiresAt`',
            contentType: 'application/json',
          },
        },
        problems: () => [new NotFoundError(''), ...checkoutRefusals()],
      },
    },
  ],
  events: [],
  config: showsConfigKeys,
});
