import { createHash, randomUUID } from 'node:crypto';
import type { DomainEvent } from '#events/domain/catalogue.ts';
import { validateDomainEvent } from '#events/domain/envelope.ts';
import { deferWrite } from '#shared/db/coalesced-writes.ts';
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
 * payload was checked against (shared/outbox/relay-store.ts reads the rows back).
 *
 * Before the INSERT the aggregate's lock row in `outbox_aggregate_locks` is upserted
 * (lockBucketOf), which holds its lock until the caller commits: a second writer of the same
 * aggregate waits there, so its event gets a later seq and commits later. The relay's
 * per-aggregate order (seq order) is then commit order, whether or not the caller locked a domain
 * row of its own.
 */
export async function appendToOutbox(connection: DbConnection, event: DomainEvent): Promise<string> {
  const { id, statements } = outboxAppendStatements(event);
  // Nothing is read back: in a coalesced transaction both travel with its next statement.
  for (const statement of statements) await deferWrite(connection, statement.sql, statement.values);
  return id;
}

/** One SQL statement and its placeholder values. */
export interface OutboxStatement {
  readonly sql: string;
  readonly values: readonly unknown[];
}

/**
 * What appendToOutbox runs, in its order (the aggregate's lock row, then the event), after the
 * same check of the event: for a hot path that sends its whole transaction to the database in one
 * round trip and puts these in it, so the outbox SQL stays here. `onlyIf` is a SQL condition
 * (fixed text, no placeholders; a user variable an earlier statement set, say) evaluated as they
 * run: when it is not true they write nothing.
 */
export function outboxAppendStatements(
  event: DomainEvent,
  options: { onlyIf?: string } = {},
): { id: string; statements: OutboxStatement[] } {
  const checked = validateDomainEvent(event);
  const id = randomUUID();
  // INSERT … SELECT … WHERE writes the same row as INSERT … VALUES, or none.
  const rows = (values: string) =>
    options.onlyIf === undefined
      ? `VALUES (${values})`
      : `SELECT ${values} FROM DUAL WHERE ${options.onlyIf}`;
  return {
    id,
    statements: [
      {
        sql: `INSERT INTO outbox_aggregate_locks (bucket, appends) ${rows('?, 1')} ON DUPLICATE KEY UPDATE appends = appends + 1`,
        values: [lockBucketOf(checked.aggregateType, checked.aggregateId)],
      },
      {
        sql: `INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, event_version, payload, created_at) ${rows('?, ?, ?, ?, ?, ?, COALESCE(?, CURRENT_TIMESTAMP(3))')}`,
        values: [
          id,
          checked.aggregateType,
          checked.aggregateId,
          checked.type,
          checked.version,
          JSON.stringify(checked.payload),
          checked.occurredAt,
        ],
      },
    ],
  };
}

/** Rows per INSERT of appendAllToOutbox: one statement stays far below max_allowed_packet for catalogue payloads. */
const INSERT_ROWS = 500;

/**
 * Aggregates share LOCK_BUCKETS lock rows (a hash of the aggregate picks one), so the lock table
 * stays 65,536 rows however many aggregates there are (an anonymous analytics event is an
 * aggregate of its own; playback tallies one per video, day and viewer). Two aggregates in one
 * bucket only wait for each other's writers now and then; one aggregate always has one bucket.
 */
const LOCK_BUCKETS = 65_536;

/** The lock row of an aggregate: the first 16 bits of SHA-256 of its type and id. */
export function lockBucketOf(aggregateType: string, aggregateId: string): number {
  return (
    createHash('sha256').update(`${aggregateType}:${aggregateId}`, 'utf8').digest().readUInt16BE(0) %
    LOCK_BUCKETS
  );
}

/**
 * Locks (upserts) the lock rows of the aggregates the events belong to, in bucket order for every
 * writer, so two batch writers of overlapping buckets take their locks in the same order rather
 * than deadlocking each other.
 */
async function lockAggregates(
  connection: DbConnection,
  events: readonly { readonly aggregateType: string; readonly aggregateId: string }[],
): Promise<void> {
  const appends = new Map<number, number>();
  for (const { aggregateType, aggregateId } of events) {
    const bucket = lockBucketOf(aggregateType, aggregateId);
    appends.set(bucket, (appends.get(bucket) ?? 0) + 1);
  }
  const ordered = [...appends].sort(([a], [b]) => a - b);
  for (let start = 0; start < ordered.length; start += INSERT_ROWS) {
    const slice = ordered.slice(start, start + INSERT_ROWS);
    // VALUES(appends): the row's own count (MySQL 8.0.20+ deprecates it for an alias MariaDB lacks).
    await connection.query(
      `INSERT INTO outbox_aggregate_locks (bucket, appends) VALUES ${slice.map(() => '(?, ?)').join(', ')}
         ON DUPLICATE KEY UPDATE appends = appends + VALUES(appends)`,
      slice.flat(),
    );
  }
}

/**
 * Appends several events inside the caller's transaction with multi-row INSERTs, in the order
 * given (their seq grows in that order). Every event is checked first: one that does not match its
 * schema throws before anything is written. Their aggregates are locked first, as appendToOutbox
 * does (seq order is commit order per aggregate). Returns the ids in order.
 */
export async function appendAllToOutbox(
  connection: DbConnection,
  events: readonly DomainEvent[],
): Promise<string[]> {
  const checked = events.map(validateDomainEvent);
  const ids = checked.map(() => randomUUID());
  await lockAggregates(connection, checked);
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
