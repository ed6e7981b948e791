import { z } from 'zod';

/**
 * The JSON the ticket routes answer with, for the API reference. A type test holds each to what
 * `presentTicket` returns (test/unit/functions/openapi-responses.test.ts), so neither drifts alone.
 */
const instant = z.iso.datetime();

export const ticketResponse = z.object({
  id: z.string(),
  status: z
    .enum(['valid', 'checked_in', 'revoked'])
    .describe(
      '`checked_in`: valid and used at the door (it still plays); `revoked`: refunded, disputed or revoked',
    ),
  seat: z.number().int(),
  holderOrgId: z
    .string()
    .nullable()
    .describe('The holding organisation (bought with an API key); null for a person’s ticket'),
  showId: z.string(),
  showTitle: z.string(),
  showStartsAt: instant,
  show: z.object({
    id: z.string(),
    title: z.string(),
    startsAt: instant,
    status: z.enum(['on_sale', 'cancelled']),
  }),
  issuedAt: instant,
  checkedInAt: instant.nullable(),
  revokedAt: instant.nullable(),
  revokedReason: z.string().nullable(),
});

export const ticketWithCodeResponse = ticketResponse.extend({
  code: z
    .string()
    .nullable()
    .describe('The signed check-in code for the QR (FCT1.<ticket id>.<signature>); null unless valid'),
});

export const ticketPageResponse = z.object({
  items: z.array(ticketResponse).describe('Without check-in codes: GET /v1/tickets/{id} has the code'),
  nextCursor: z.string().nullable(),
});
