import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '#events/domain/catalogue.ts';
import { validateDomainEvent } from '#events/domain/envelope.ts';
import type { DbConnection } from '#shared/db/pool.ts';

export type { DomainEvent, DomainEventPayload, DomainEventType } from '#events/domain/catalogue.ts';
export { InvalidDomainEventError } from '#events/domain/envelope.ts';

/**
 * Appends a domain event inside the caller's transaction, so the event exists exactly when the
 * state change does. A relay publishes it afterwards (at least once; consumers dedupe on id).
 *
 * The event is checked against its schema in `events/domain/catalogue.ts` first: one that does not
 * match throws InvalidDomainEventError and is never written (the caller's transaction rolls back).
 * `created_at` is the event's occurredAt when the caller gives one, else the database's clock as
 * before; `event_version` is its type's in the catalogue, so the relay publishes the version the
 * payload was checked against (shared/events/outbox-relay-store.ts reads the rows back).
 */
export async function appendToOutbox(connection: DbConnection, event: DomainEvent): Promise<string> {
  const checked = validateDomainEvent(event);
  const id = randomUUID();
  await connection.query(
    'INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, event_version, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, COALESCE(?, CURRENT_TIMESTAMP(3)))',
    [
      id,
      checked.aggregateType,
      checked.aggregateId,
      checked.type,
      checked.version,
      JSON.stringify(checked.payload),
      checked.occurredAt,
    ],
  );
  return id;
}

/** Rows per INSERT of appendAllToOutbox: one statement stays far below max_allowed_packet for catalogue payloads. */
const INSERT_ROWS = 500;

/**
 * Appends several events inside the caller's transaction with multi-row INSERTs, in the order
 * given (their seq grows in that order). Every event is checked first: one that does not match its
 * schema throws before anything is written. Returns the ids in order.
 */
export async function appendAllToOutbox(
  connection: DbConnection,
  events: readonly DomainEvent[],
): Promise<string[]> {
  const checked = events.map(validateDomainEvent);
  const ids = checked.map(() => randomUUID());
  for (let start = 0; start < checked.length; start += INSERT_ROWS) {
    const slice = checked.slice(start, start + INSERT_ROWS);
    // created_at as appendToOutbox sets it: the event's occurredAt, else the database's clock.
    const placeholders = slice.map(() => '(?, ?, ?, ?, ?, ?, COALESCE(?, CURRENT_TIMESTAMP(3)))').join(', ');
    const values = slice.flatMap((event, offset) => [
      ids[start + offset],
      event.aggregateType,
      event.aggregateId,
      event.type,
      event.version,
      JSON.stringify(event.payload),
      event.occurredAt,
    ]);
    await connection.query(
      `INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, event_version, payload, created_at) VALUES ${placeholders}`,
      values,
    );
  }
  return ids;
}
