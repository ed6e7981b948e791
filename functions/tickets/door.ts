import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import type { Principal } from '#shared/runtime/auth-context.ts';
import { verifyTicketCode } from '#shared/shows/ticket-code.ts';
import { findTicket, markCheckedIn, revokeTicket, type Ticket } from '#shared/shows/ticket-repository.ts';
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
import type { CheckInInput } from './schema.ts';

/** The show's creator acts on its tickets; an operator (`admin`) on any. */
function actsForShow(principal: Principal, ticket: Ticket): boolean {
  return (
    (principal.orgId !== '' && ticket.show.orgId === principal.orgId) || principal.scopes.includes('admin')
  );
}

/**
 * Admits the holder of a scanned code once. The signature is checked before the database is
 * touched; the state change is one conditional UPDATE, so two scanners reading the same code at
 * once admit it once and the other gets `already_checked_in`.
 */
export async function checkIn(
  pool: DbPool,
  keys: readonly Uint8Array[],
  principal: Principal,
  input: CheckInInput,
): Promise<Ticket> {
  const verdict = verifyTicketCode(input.code, keys);
  if (!verdict.ok) throw verdict.reason === 'malformed' ? malformedTicketCode() : invalidTicketCode();

  const ticket = await findTicket(pool, verdict.ticketId);
  if (!ticket) throw unknownTicket();
  if (!actsForShow(principal, ticket)) throw notYourShow();
  if (input.showId !== undefined && input.showId !== ticket.showId) throw wrongShow(ticket.showId);
  refuseUnusable(ticket);

  if (await markCheckedIn(pool, ticket.id)) {
    const admitted = await findTicket(pool, ticket.id);
    if (!admitted) throw new Error(`ticket ${ticket.id} vanished after check-in`);
    return admitted;
  }
  // Lost a race: another scanner admitted it, or it was revoked, between the read and the update.
  const now = await findTicket(pool, ticket.id);
  if (!now) throw unknownTicket();
  refuseUnusable(now);
  throw new Error(`ticket ${ticket.id} could not be checked in and is neither used nor revoked`);
}

function refuseUnusable(ticket: Ticket): void {
  if (ticket.status === 'revoked') throw ticketRevoked(ticket.revokedAt);
  if (ticket.checkedInAt !== null) throw alreadyCheckedIn(ticket.checkedInAt);
  if (ticket.show.status === 'cancelled') throw showCancelled();
}

export interface Revocation {
  readonly ticket: Ticket;
  /** False when the ticket was already revoked (a repeated call changes nothing). */
  readonly changed: boolean;
}

/**
 * Revokes a ticket for its show's creator, with a `tickets.revoked` event and an entry on the
 * edge's revocation list in the same transaction (playback URLs issued for it stop within the
 * push interval). Revoking twice is harmless: the second call reports the first revocation.
 */
export async function revoke(
  pool: DbPool,
  principal: Principal,
  ticketId: string,
  reason: string,
): Promise<Revocation> {
  return withTransaction(pool, async (connection) => {
    const ticket = await findTicket(connection, ticketId, true);
    if (!ticket || !actsForShow(principal, ticket)) throw new NotFoundError(`No ticket ${ticketId}`);
    if (ticket.status === 'revoked') return { ticket, changed: false };
    await revokeTicket(connection, ticket, { reason, revokedBy: principal.orgId });
    const revoked = await findTicket(connection, ticket.id);
    if (!revoked) throw new Error(`ticket ${ticket.id} vanished during revocation`);
    return { ticket: revoked, changed: true };
  });
}
