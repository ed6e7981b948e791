import { z } from 'zod';

/**
 * The JSON the show routes answer with, for the API reference. A type test holds each to what
 * the code returns (test/unit/functions/openapi-responses.test.ts), so neither drifts alone.
 */
const instant = z.iso.datetime();

const money = z.object({
  amount: z.number().int().describe('In the currency’s smallest unit, as Stripe counts it'),
  currency: z.string().describe('ISO 4217, lower case'),
});

export const showResponse = z.object({
  id: z.string(),
  orgId: z.string().describe('The creator’s organisation'),
  title: z.string(),
  description: z.string().nullable(),
  startsAt: instant,
  status: z.enum(['on_sale', 'cancelled']),
  state: z
    .enum(['upcoming', 'live', 'on_demand', 'ended', 'cancelled'])
    .describe(
      '`live`: its live stream is on air (or reconnecting); `upcoming`: starts later; `on_demand`: started, its video ready; `ended`: started, nothing to play (yet)',
    ),
  onSale: z
    .boolean()
    .describe(
      'Not cancelled, and not started yet or with a video to watch (live now, replay coming, on demand)',
    ),
  capacity: z.number().int(),
  seatsAvailable: z.number().int().describe('Seats neither sold nor held right now; 0 when not on sale'),
  price: money,
  videoId: z.string().nullable(),
  liveStreamId: z
    .string()
    .nullable()
    .describe('The live stream linked to the show (POST /v1/live-streams {showId})'),
  posterUrl: z.string().nullable().describe('Same-origin `/v1/shows/{id}/poster` once its video is ready'),
  creatorName: z.string().nullable(),
  createdAt: instant,
});

export const studioShowResponse = showResponse.extend({
  seatsSold: z.number().int(),
  seatsHeld: z.number().int().describe('Seats of unexpired holds (checkouts under way)'),
  checkedIn: z.number().int().describe('Valid tickets used at the door'),
  revenue: money.describe('Orders paid and not refunded'),
  refunded: money.describe('Orders refunded'),
});

export const studioShowPageResponse = z.object({
  items: z.array(studioShowResponse),
  nextCursor: z.string().nullable().describe('Opaque'),
});

export const salesResponse = z.object({
  currency: z.string().describe('The show’s currency; `revenue` is in its smallest unit'),
  days: z
    .array(
      z.object({
        day: z.string().describe('UTC day, YYYY-MM-DD'),
        ticketsSold: z.number().int(),
        revenue: z.number().int(),
      }),
    )
    .describe(
      'Oldest first, one per day (zeros included); orders by the day they were paid, refunded ones left out',
    ),
});

export const showPageResponse = z.object({
  items: z.array(showResponse),
  nextCursor: z.string().nullable().describe('Opaque'),
});

export const checkoutResponse = z.object({
  holdId: z.string(),
  sessionId: z.string().describe('The Stripe Checkout Session'),
  checkoutUrl: z.string().describe('Pay here'),
  expiresAt: instant.describe('When the session stops taking payment'),
  quantity: z.number().int(),
  amountTotal: z.number().int(),
  currency: z.string(),
});

export const holdResponse = z.object({
  id: z.string(),
  showId: z.string(),
  quantity: z.number().int(),
  amountTotal: z.number().int().describe('In the currency’s smallest unit'),
  currency: z.string(),
  status: z
    .enum(['held', 'paid', 'released', 'refunded'])
    .describe(
      '`held` until paid; `released` when it lapsed or the checkout ended unpaid; `refunded` after a refund',
    ),
  expiresAt: instant.describe('When the seats stop being held'),
  releaseReason: z.string().nullable().describe('Why it was released or refunded (`expired`, …)'),
  ticketIds: z.array(z.string()).describe('The order’s tickets once paid (seat order); empty before'),
});
