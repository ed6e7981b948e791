import type { Ticket } from '#shared/shows/ticket-repository.ts';

/** What a ticket looks like to its holder and to the show's creator. */
export function presentTicket(ticket: Ticket) {
  return {
    id: ticket.id,
    status: ticket.status === 'revoked' ? 'revoked' : ticket.checkedInAt ? 'checked_in' : 'valid',
    seat: ticket.seat,
    holderOrgId: ticket.holderOrgId,
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
