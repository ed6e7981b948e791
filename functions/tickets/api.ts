import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  alreadyCheckedIn,
  invalidTicketCode,
  malformedTicketCode,
  notYourShow,
  showCancelled,
  ticketRevoked,
  unknownTicket,
  wrongShow,
} from './errors.ts';
import { ticketPageResponse, ticketResponse, ticketWithCodeResponse } from './responses.ts';
import { checkInSchema, listQuerySchema, revokeSchema, ticketIdSchema } from './schema.ts';

/** The tickets routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  listTickets: {
    summary: 'List your tickets (without check-in codes)',
    description:
      'With a portal session: the person’s own tickets, whatever organisation is active; with an API key: the organisation’s. The signed check-in `code` is only in `GET /v1/tickets/{id}`.',
    query: listQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: ticketPageResponse } },
  },
  getTicket: {
    summary: 'A ticket with its signed check-in `code` (`FCT1.<id>.<signature>`; null unless valid)',
    params: z.object({ id: ticketIdSchema }),
    responses: { 200: { description: 'The ticket and its `code`', schema: ticketWithCodeResponse } },
    problems: () => [new NotFoundError('')],
  },
  checkInTicket: {
    summary: 'Admit a ticket at the door by its code (the show’s creator)',
    description:
      'Send the `code` from the ticket’s QR code and, to refuse tickets for other shows, the `showId` of the door.',
    body: checkInSchema,
    responses: { 200: { description: 'The ticket, now checked in', schema: ticketResponse } },
    problems: () => [
      malformedTicketCode(),
      invalidTicketCode(),
      notYourShow(),
      unknownTicket(),
      wrongShow(''),
      ticketRevoked(null),
      alreadyCheckedIn(new Date(0)),
      showCancelled(),
    ],
  },
  revokeTicket: {
    summary: 'Revoke a ticket (the show’s creator); the body is optional',
    params: z.object({ id: ticketIdSchema }),
    body: revokeSchema,
    bodyOptional: true,
    responses: { 200: { description: 'The revoked ticket', schema: ticketResponse } },
    problems: () => [new NotFoundError('')],
  },
} satisfies RouteContracts;
