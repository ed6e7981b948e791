import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import type { Metrics } from '../metrics/metrics.ts';

type Queryable = DbPool | DbConnection;

/** An event that failed every delivery to a function: what it was, where it went, why it failed. */
export interface EventDeadLetter {
  /** The rule that matched the event. */
  readonly rule: string;
  readonly functionName: string;
  /** The event as delivered (an OCI CloudEvent). */
  readonly event: unknown;
  readonly attempts: number;
  readonly lastError: string;
}

export interface StoredDeadLetter extends EventDeadLetter {
  readonly id: number;
  readonly createdAt: Date;
}

/** Longest error text kept; a failure's description is for a person, not a log dump. */
const MAX_ERROR_CHARS = 2000;

/**
 * Records a dead letter where an operator sees it: the `dead_letters` table (this module is its
 * only writer) and the `event_dead_letters` metric, which the dead-letter alarm watches.
 */
export async function recordDeadLetter(
  db: Queryable,
  metrics: Metrics,
  letter: EventDeadLetter,
): Promise<number> {
  const [result] = await db.query<ResultSetHeader>(
    'INSERT INTO dead_letters (rule, function_name, event, attempts, last_error) VALUES (?, ?, ?, ?, ?)',
    [
      letter.rule,
      letter.functionName,
      JSON.stringify(letter.event),
      letter.attempts,
      letter.lastError.slice(0, MAX_ERROR_CHARS),
    ],
  );
  metrics.count('event_dead_letters', 1, { function: letter.functionName });
  return result.insertId;
}

/** Newest first. */
export async function listDeadLetters(db: Queryable, limit = 100): Promise<StoredDeadLetter[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, rule, function_name, event, attempts, last_error, created_at
       FROM dead_letters ORDER BY created_at DESC, id DESC LIMIT ?`,
    [limit],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    rule: row.rule,
    functionName: row.function_name,
    event: typeof row.event === 'string' ? JSON.parse(row.event) : row.event,
    attempts: Number(row.attempts),
    lastError: row.last_error ?? '',
    createdAt: row.created_at,
  }));
}
