import type { ResultSetHeader } from 'mysql2/promise';
import { type DbConnection, type DbPool, withTransaction } from '../db/pool.ts';

/**
 * Runs `effect` at most once per (consumer, key), in the same transaction that records the
 * key. Concurrent duplicates serialise on the primary key: the loser waits, then sees the row
 * and skips. A failed effect rolls the claim back, so a later delivery can try again.
 */
export async function processOnce<T>(
  pool: DbPool,
  consumer: string,
  key: string,
  effect: (connection: DbConnection) => Promise<T>,
): Promise<{ status: 'processed'; result: T } | { status: 'duplicate' }> {
  return withTransaction(pool, async (connection) => {
    const [claim] = await connection.query<ResultSetHeader>(
      'INSERT IGNORE INTO processed_events (consumer, event_id) VALUES (?, ?)',
      [consumer, key],
    );
    if (claim.affectedRows === 0) return { status: 'duplicate' as const };
    return { status: 'processed' as const, result: await effect(connection) };
  });
}
