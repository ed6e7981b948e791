import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  CheckoutUnavailableError,
  NotOnSaleError,
  PriceNotChargeableError,
  SoldOutError,
} from './checkout.ts';
import { checkoutResponse, showPageResponse, showResponse } from './responses.ts';
import { checkoutSchema, createShowSchema, listQuerySchema, showIdSchema } from './schema.ts';

const byId = z.object({ id: showIdSchema });
const checkoutRefusals = () => [
  new SoldOutError('', 0),
  new NotOnSaleError('', 'cancelled'),
  new PriceNotChargeableError('', ''),
  new CheckoutUnavailableError('', 5),
];

/** The shows routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  createShow: {
    summary: 'Schedule a ticketed show, optionally playing one of your ready videos',
    description: '`price.amount` is in the currency’s smallest unit (cents), as Stripe counts it.',
    body: createShowSchema,
    responses: { 201: { description: 'The show', schema: showResponse } },
  },
  listShows: {
    summary: 'Upcoming shows with live `seatsAvailable` (public)',
    query: listQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: showPageResponse } },
  },
  getShow: {
    summary: 'A show with live `seatsAvailable` (public)',
    params: byId,
    responses: { 200: { description: 'The show', schema: showResponse } },
    problems: () => [new NotFoundError('')],
  },
  checkoutShow: {
    summary: 'Hold seats and open a Stripe Checkout Session',
    description:
      'Pay at `checkoutUrl` before `expiresAt`; the tickets appear in `GET /v1/tickets` once Stripe confirms.',
    params: byId,
    body: checkoutSchema,
    responses: {
      201: {
        description: '`checkoutUrl`, the hold and its `expiresAt`',
        schema: checkoutResponse,
      },
    },
    problems: () => [new NotFoundError(''), ...checkoutRefusals()],
  },
} satisfies RouteContracts;
