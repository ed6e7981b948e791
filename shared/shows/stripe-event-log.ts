import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { deferWrite } from '../db/coalesced-writes.ts';
import type { DbConnection, DbPool } from '../db/pool.ts';
import { correlationIdOf, type StripeEvent } from './stripe-event.ts';

/**
 * stripe_events: every delivery recorded once by event id before anything else happens, then
 * marked processed in the transaction that commits its effect. A row left unprocessed is what
 * the sweep retries.
 */
export async function recordEvent(pool: DbPool, event: StripeEvent, rawBody: Buffer): Promise<boolean> {
  const [result] = await pool.query<ResultSetHeader>(
    'INSERT IGNORE INTO stripe_events (id, type, object_id, created, payload) VALUES (?, ?, ?, ?, ?)',
    [event.id, event.type, correlationIdOf(event), event.created, rawBody.toString('utf8')],
  );
  if (result.affectedRows === 1) return true;
  // IGNORE also turns other refusals into warnings; only a row that is really there is a duplicate,
  // anything else must fail the delivery so Stripe sends it again.
  const [existing] = await pool.query<RowDataPacket[]>('SELECT 1 FROM stripe_events WHERE id = ?', [
    event.id,
  ]);
  if (existing.length === 0) throw new Error(`stripe event ${event.id} was neither recorded nor found`);
  return false;
}

/**
 * Marks events processed with their outcome, once: the one rule for every caller (the delivery
 * that committed its effect, or fulfilment settling refunds and disputes that waited for their
 * order). A processed event keeps no `last_error`: that column says why a pending one is pending.
 */
export async function markProcessed(
  connection: DbConnection | DbPool,
  eventIds: string | readonly string[],
  outcome: string,
): Promise<void> {
  const ids = typeof eventIds === 'string' ? [eventIds] : eventIds;
  if (ids.length === 0) return;
  // In a coalesced transaction this travels with the COMMIT (or the next statement).
  await deferWrite(
    connection,
    `UPDATE stripe_events SET processed_at = NOW(3), outcome = ?, attempts = attempts + 1, last_error = NULL
      WHERE id IN (?) AND processed_at IS NULL`,
    [outcome.slice(0, 200), [...ids]],
  );
}

/**
 * Unprocessed events of these types recorded for this payment intent (refunds and disputes that
 * came before their order was known). A plain read: the caller relies on where it falls in its
 * transaction (see fulfilment's pendingRevocations).
 */
export async function unprocessedEventsFor(
  connection: DbConnection,
  objectId: string,
  types: readonly string[],
): Promise<Array<{ id: string; type: string; payload: string }>> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT id, type, payload FROM stripe_events
      WHERE processed_at IS NULL AND object_id = ? AND type IN (?)`,
    [objectId, [...types]],
  );
  return rows.map((row) => ({ id: String(row.id), type: String(row.type), payload: String(row.payload) }));
}

/** One more attempt that did not finish; `error` says why, for whoever reads the table. */
export async function markAttemptFailed(pool: DbPool, eventId: string, error: string) {
  await pool.query(
    `UPDATE stripe_events SET attempts = attempts + 1, last_error = ?
      WHERE id = ? AND processed_at IS NULL`,
    [error.slice(0, 1000), eventId],
  );
}

export interface StoredEvent {
  readonly id: string;
  readonly attempts: number;
  readonly payload: string;
}

/**
 * Unprocessed events whose backoff has passed. Retry n is due once the waits min(cap, base * 2^k)
 * for k = 0..n have elapsed since the event was received (the table keeps no time of the last
 * try), so even a first try waits `base`: the delivery that recorded it may still be at work.
 * Reads the stripe_events_pending index only.
 */
export async function eventsDueForRetry(
  pool: DbPool,
  backoff: { baseSeconds: number; maxSeconds: number; limit: number },
): Promise<StoredEvent[]> {
  const { baseSeconds: base, maxSeconds: cap } = backoff;
  const uncappedSteps = Math.max(0, Math.ceil(Math.log2(cap / base)));
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id, attempts, payload FROM stripe_events
      WHERE processed_at IS NULL
        AND received_at <= NOW(3) - INTERVAL (CASE
              WHEN attempts + 1 <= ? THEN ? * (POW(2, attempts + 1) - 1)
              ELSE ? * (POW(2, ?) - 1) + (attempts + 1 - ?) * ? END) SECOND
      ORDER BY received_at LIMIT ?`,
    [uncappedSteps, base, base, uncappedSteps, uncappedSteps, cap, backoff.limit],
  );
  return rows.map((row) => ({
    id: String(row.id),
    attempts: Number(row.attempts),
    payload: String(row.payload),
  }));
}
