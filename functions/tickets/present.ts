import type { Ticket } from '#shared/shows/ticket-repository.ts';

/** What a ticket looks like to its holder and to the show's creator. */
export function presentTicket(ticket: Ticket) {
  return {
    id: ticket.id,
    status: ticketState(ticket),
    seat: ticket.seat,
    holderOrgId: ticket.holderOrgId,
    showId: ticket.show.id,
    showTitle: ticket.show.title,
    showStartsAt: ticket.show.startsAt.toISOString(),
    show: {
      id: ticket.show.id,
      title: ticket.show.title,
      startsAt: ticket.show.startsAt.toISOString(),
      status: ticket.show.status,
    },
    issuedAt: ticket.issuedAt.toISOString(),
    checkedInAt: ticket.checkedInAt?.toISOString() ?? null,
    revokedAt: ticket.revokedAt?.toISOString() ?? null,
    revokedReason: ticket.revokedReason,
  };
}

/** `checked_in` is a valid ticket used at the door: it still plays and admits to the chat. */
function ticketState(ticket: Ticket): 'valid' | 'checked_in' | 'revoked' {
  if (ticket.status === 'revoked') return 'revoked';
  return ticket.checkedInAt ? 'checked_in' : 'valid';
}
