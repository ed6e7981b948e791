import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { ticketsConfigKeys } from './config.ts';
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
import { checkInSchema, listQuerySchema, revokeSchema, ticketIdSchema } from './schema.ts';

const holder = { type: 'scoped', anyOf: ['tickets:read', 'tickets:buy', 'admin'] } as const;
const creator = { type: 'scoped', anyOf: ['shows:write', 'admin'] } as const;

export const ticketsManifest = defineManifest({
  name: 'tickets',
  summary:
    'A viewer’s tickets with their signed QR codes; check-in at the door and revocation by the show’s creator.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    {
      method: 'GET',
      path: '/tickets',
      auth: holder,
      api: {
        operationId: 'listTickets',
        summary: 'List the organisation’s tickets (without check-in codes)',
        description: 'The signed check-in `code` is only in `GET /v1/tickets/{id}`.',
        query: listQuerySchema,
        responses: { 200: { description: '`items` and `nextCursor`', contentType: 'application/json' } },
      },
    },
    {
      method: 'GET',
      path: '/tickets/{id}',
      auth: holder,
      api: {
        operationId: 'getTicket',
        summary: 'A ticket with its signed check-in `code` (`FCT1.<id>.<signature>`; null unless valid)',
        params: z.object({ id: ticketIdSchema }),
        responses: { 200: { description: 'The ticket and its `code`', contentType: 'application/json' } },
        problems: () => [new NotFoundError('')],
      },
    },
    {
      method: 'POST',
      path: '/tickets/check-in',
      auth: creator,
      api: {
        operationId: 'checkInTicket',
        summary: 'Admit a ticket at the door by its code (the show’s creator)',
        description:
          'Send the `code` from the ticket’s QR code and, to refuse tickets for other shows, the `showId` of the door.',
        body: checkInSchema,
        responses: { 200: { description: 'The ticket, now checked in', contentType: 'application/json' } },
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
    },
    {
      method: 'POST',
      path: '/tickets/{id}/revoke',
      auth: creator,
      api: {
        operationId: 'revokeTicket',
        summary: 'Revoke a ticket (the show’s creator); the body is optional',
        params: z.object({ id: ticketIdSchema }),
        body: revokeSchema,
        bodyOptional: true,
        responses: { 200: { description: 'The revoked ticket', contentType: 'application/json' } },
        problems: () => [new NotFoundError('')],
      },
    },
  ],
  events: [],
  config: ticketsConfigKeys,
});
