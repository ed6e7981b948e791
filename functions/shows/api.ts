import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  CheckoutUnavailableError,
  NotOnSaleError,
  PriceNotChargeableError,
  SoldOutError,
} from './checkout.ts';
import { checkoutResponse, holdResponse, showPageResponse, showResponse } from './responses.ts';
import { checkoutSchema, createShowSchema, holdIdSchema, listQuerySchema, showIdSchema } from './schema.ts';

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
      'Pay at `checkoutUrl` before `expiresAt`; the tickets appear in `GET /v1/tickets` once Stripe confirms. With a portal session the order is the person’s (whatever organisation is active) and Stripe returns them to `/shows/{id}/bought?hold={holdId}` (cancel: `/shows/{id}?checkout=cancelled&hold={holdId}`) on the portal; with an API key it is the organisation’s and returns to the deployment’s CHECKOUT_SUCCESS_URL / CHECKOUT_CANCEL_URL.',
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
  getHold: {
    summary: 'An order (seat hold) of yours: its status and, once paid, its tickets',
    description:
      'The buyer only: the person who checked out with their session, or the organisation whose key did. The success page polls it until `status` is `paid`.',
    params: z.object({ id: holdIdSchema }),
    responses: { 200: { description: 'The order', schema: holdResponse } },
    problems: () => [new NotFoundError('')],
  },
} satisfies RouteContracts;
