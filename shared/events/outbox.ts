import { randomUUID } from 'node:crypto';
import type { DbConnection } from '../db/pool.ts';

export interface DomainEvent {
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** Past tense, dotted: `design.registered`. */
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

/**
 * Appends a domain event inside the caller's transaction, so the event exists exactly when the
 * state change does. A relay publishes it afterwards (at least once; consumers dedupe on id).
 */
export async function appendToOutbox(connection: DbConnection, event: DomainEvent): Promise<string> {
  const id = randomUUID();
  await connection.query(
    'INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload) VALUES (?, ?, ?, ?, ?)',
    [id, event.aggregateType, event.aggregateId, event.type, JSON.stringify(event.payload)],
  );
  return id;
}
