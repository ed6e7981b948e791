import { createPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import { parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { holderOf } from '#shared/shows/holder.ts';
import { signTicketCode } from '#shared/shows/ticket-code.ts';
import { findHolderTicket, listHolderTickets } from '#shared/shows/ticket-repository.ts';
import { loadTicketsConfig } from './config.ts';
import { checkIn, revoke } from './door.ts';
import { ticketsManifest } from './manifest.ts';
import { presentTicket } from './present.ts';
import {
  checkInSchema,
  listQuerySchema,
  MAX_TICKET_BODY_BYTES,
  revokeSchema,
  ticketIdSchema,
} from './schema.ts';

const config = loadTicketsConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const keys = config.TICKET_CODE_KEY;

export const handler = httpFunction(ticketsManifest, () => ({
  listTickets: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'tickets:read', 'tickets:buy');
    const query = validate(listQuerySchema, req.query, 'query');
    // A person's own tickets (portal session), or the organisation's (API key).
    const page = await listHolderTickets(pool, holderOf(principal), {
      limit: query.limit,
      ...(query.cursor ? { before: query.cursor } : {}),
      ...(query.showId ? { showId: query.showId } : {}),
    });
    res
      .set('Cache-Control', 'private, no-store')
      .json({ items: page.items.map(presentTicket), nextCursor: page.next });
  },

  checkInTicket: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'shows:write');
    const input = parseJsonBody(req, checkInSchema, MAX_TICKET_BODY_BYTES);
    const ticket = await checkIn(pool, keys, principal, input);
    res.set('Cache-Control', 'no-store').json(presentTicket(ticket));
  },

  getTicket: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'tickets:read', 'tickets:buy');
    const id = validate(ticketIdSchema, req.params.id, 'path');
    const ticket = await findHolderTicket(pool, holderOf(principal), id);
    if (!ticket) throw new NotFoundError(`No ticket ${id}`);
    // The code is what gets a holder in: never cached by anything between us and them.
    res
      .set('Cache-Control', 'private, no-store')
      .json({ ...presentTicket(ticket), code: ticket.status === 'valid' ? signTicketCode(id, keys) : null });
  },

  revokeTicket: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'shows:write');
    const id = validate(ticketIdSchema, req.params.id, 'path');
    const input = req.rawBody.length === 0 ? {} : parseJsonBody(req, revokeSchema, MAX_TICKET_BODY_BYTES);
    const { ticket } = await revoke(pool, principal, id, input.reason ?? 'revoked by the show’s creator');
    res.set('Cache-Control', 'no-store').json(presentTicket(ticket));
  },
}));
