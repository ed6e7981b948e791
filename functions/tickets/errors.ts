import { CodedProblemError } from '#shared/errors.ts';

/**
 * A ticket operation refused for a reason the caller can act on. `code` is a stable
 * machine-readable member of the problem document; the problem type is the code in URL form.
 */
export class TicketRefusedError extends CodedProblemError {}

export const malformedTicketCode = () =>
  new TicketRefusedError(400, 'malformed_ticket_code', 'Not a ticket code', 'The code is not a ticket code.');

export const invalidTicketCode = () =>
  new TicketRefusedError(
    403,
    'invalid_ticket_code',
    'Ticket code not genuine',
    'The code’s signature does not verify: it was not issued by us or was altered.',
  );

export const unknownTicket = () =>
  new TicketRefusedError(404, 'ticket_not_found', 'No such ticket', 'The code names no ticket.');

export const notYourShow = () =>
  new TicketRefusedError(
    403,
    'not_your_show',
    'Not your show',
    'The ticket is for a show of another organisation.',
  );

export const wrongShow = (ticketShowId: string) =>
  new TicketRefusedError(409, 'wrong_show', 'Ticket for another show', 'The ticket is for another show.', {
    ticketShowId,
  });

export const ticketRevoked = (revokedAt: Date | null) =>
  new TicketRefusedError(409, 'ticket_revoked', 'Ticket revoked', 'The ticket has been revoked.', {
    revokedAt: revokedAt?.toISOString() ?? null,
  });

export const alreadyCheckedIn = (checkedInAt: Date) =>
  new TicketRefusedError(
    409,
    'already_checked_in',
    'Already checked in',
    'The ticket was already used to enter.',
    { checkedInAt: checkedInAt.toISOString() },
  );

export const showCancelled = () =>
  new TicketRefusedError(409, 'show_cancelled', 'Show cancelled', 'The show has been cancelled.');
