import { z } from 'zod';

/**
 * The JSON the show routes answer with, for the API reference. A type test holds each to what
 * the code returns (test/unit/openapi-responses.test.ts), so neither drifts alone.
 */
const instant = z.iso.datetime();

export const showResponse = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  startsAt: instant,
  status: z.enum(['on_sale', 'cancelled']),
  onSale: z.boolean().describe('Not cancelled and not started'),
  capacity: z.number().int(),
  seatsAvailable: z.number().int().describe('Seats neither sold nor held right now; 0 when not on sale'),
  price: z.object({
    amount: z.number().int().describe('In the currency’s smallest unit, as Stripe counts it'),
    currency: z.string().describe('ISO 4217, lower case'),
  }),
  videoId: z.string().nullable(),
  createdAt: instant,
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
