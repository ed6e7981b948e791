import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  CheckoutUnavailableError,
  NotOnSaleError,
  PriceNotChargeableError,
  SoldOutError,
} from './checkout.ts';
import { capacityBelowSold, priceLocked } from './errors.ts';
import {
  checkoutResponse,
  holdResponse,
  salesResponse,
  showPageResponse,
  showResponse,
  studioShowPageResponse,
} from './responses.ts';
import {
  checkoutSchema,
  createShowSchema,
  editShowSchema,
  holdIdSchema,
  listQuerySchema,
  salesQuerySchema,
  showIdSchema,
  studioListQuerySchema,
} from './schema.ts';

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
    description:
      '`price.amount` is in the currency’s smallest unit (cents), as Stripe counts it. For a live show, create the show first, then its live stream with `POST /v1/live-streams {title, showId}`: the stream’s video becomes the show’s (live, then its replay) and the show lists it as `liveStreamId`.',
    body: createShowSchema,
    responses: { 201: { description: 'The show', schema: showResponse } },
  },
  listShows: {
    summary: 'The catalogue: upcoming, live or on-demand shows with live `seatsAvailable` (public)',
    description:
      '`when=upcoming` (the default): on sale, starting later, soonest first; `live`: its live stream on air or reconnecting; `on_demand`: started, its video ready, latest first. Cancelled shows are in none.',
    query: listQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: showPageResponse } },
  },
  getShow: {
    summary: 'A show with live `seatsAvailable` (public)',
    params: byId,
    responses: { 200: { description: 'The show', schema: showResponse } },
    problems: () => [new NotFoundError('')],
  },
  getShowPoster: {
    summary: 'The poster (a JPEG frame) of the show’s video (public)',
    description:
      'Once the show’s video is ready; 404 before, or for a show without a video. `Cache-Control: public, max-age=300`.',
    params: byId,
    responses: { 200: { description: 'JPEG image', contentType: 'image/jpeg' } },
    problems: () => [new NotFoundError('')],
  },
  getCataloguePage: {
    summary: 'The catalogue’s page as HTML, with its meta tags and the next upcoming shows (public)',
    description:
      'The shows app’s `shows.html` with the catalogue’s title, description, canonical link, Open Graph and Twitter tags, and a page that works without JavaScript inside the app’s mount node. The portal answers `/shows` with it (its edge, or the local web server). `Cache-Control: public, max-age=60, stale-while-revalidate=300, stale-if-error=86400`.',
    responses: { 200: { description: 'HTML document', contentType: 'text/html' } },
  },
  getShowPage: {
    summary: 'A show’s page as HTML, with its meta tags and content (public)',
    description:
      'The shows app’s `shows.html` with the show’s title, description, canonical link, Open Graph (`og:image` is the poster) and Twitter tags, and its title, start (UTC), price and a sign-in link inside the app’s mount node. The portal answers `/shows/{id}` with it. A cancelled or unknown show (or an id of the wrong shape) is a 404 HTML page marked `noindex` that names no show.',
    params: z.object({ id: z.string() }),
    responses: {
      200: { description: 'HTML document', contentType: 'text/html' },
      404: { description: 'HTML document: no such show on sale (`noindex`)', contentType: 'text/html' },
    },
  },
  editShow: {
    summary: 'Change a show of yours: title, description, start, capacity, price',
    description:
      'Any of the members, at least one. `capacity` cannot go below the seats sold and held (409 `capacity_below_sold`); `price` changes only while no seat is sold or held (409 `price_locked`).',
    params: byId,
    body: editShowSchema,
    responses: { 200: { description: 'The show as it is now', schema: showResponse } },
    problems: () => [new NotFoundError(''), capacityBelowSold(0), priceLocked()],
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
  listStudioShows: {
    summary: 'Your organisation’s shows, newest first, with what each sold',
    query: studioListQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: studioShowPageResponse } },
  },
  getShowSales: {
    summary: 'Tickets sold and revenue per day of a show of yours',
    params: byId,
    query: salesQuerySchema,
    responses: { 200: { description: 'One entry per UTC day, oldest first', schema: salesResponse } },
    problems: () => [new NotFoundError('')],
  },
} satisfies RouteContracts;
