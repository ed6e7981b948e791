import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { isDomainEventType } from '#events/domain/catalogue.ts';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import { databaseLockName } from '#shared/db/named-lock.ts';
import type { DbConnection, DbPool } from '#shared/db/pool.ts';

type Queryable = DbPool | DbConnection;

/**
 * The outbox as the relay (functions/outbox-relay) sees it: the oldest pending rows, and the marks
 * it leaves on them. With outbox.ts (the writer) the only SQL on the `outbox` table.
 *
 * A row is pending while `published_at` and `dead_lettered_at` are both NULL. Order per aggregate
 * is the order of `seq` among committed rows: appendToOutbox / appendAllToOutbox lock the
 * aggregate's row in `outbox_aggregate_locks` in the writer's transaction before inserting, so a
 * later seq of one aggregate never commits before an earlier one.
 */
export interface PendingOutboxRow {
  /** outbox.seq as a decimal string (BIGINT UNSIGNED). */
  readonly seq: string;
  readonly id: string;
  readonly eventType: string;
  readonly eventVersion: number;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly createdAt: Date;
  /** The payload's JSON text, as stored. */
  readonly payloadJson: string;
  readonly publishAttempts: number;
  /** Seconds since the stream first refused the row as retryable; undefined if it never did. */
  readonly refusingSeconds: number | undefined;
}

/** Longest error text kept on a row: a reason for a person, not a dump. */
const MAX_ERROR_CHARS = 1000;

interface PendingRow extends RowDataPacket {
  seq: string;
  id: string;
  event_type: string;
  event_version: number;
  aggregate_type: string;
  aggregate_id: string;
  created_at: Date;
  payload: string;
  publish_attempts: number;
  refusing_seconds: string | number | null;
}

/**
 * The `limit` oldest pending rows after seq `afterSeq` (from the first when undefined), in seq
 * order. FORCE INDEX: with a small LIMIT and ORDER BY seq the optimizer may walk outbox_seq from
 * the start of history through every published row (EXPLAIN showed it for the LIMIT 1 lag
 * query); outbox_pending (migration 0015) starts at the first pending row, already in seq order.
 * ORDER BY names the column: the bare name would sort by the CAST alias, as text.
 */
export async function readPendingOutbox(
  db: Queryable,
  limit: number,
  afterSeq?: string,
): Promise<PendingOutboxRow[]> {
  const [rows] = await db.query<PendingRow[]>(
    `SELECT CAST(seq AS CHAR) AS seq, id, event_type, event_version, aggregate_type, aggregate_id,
            created_at, payload, publish_attempts,
            TIMESTAMPDIFF(MICROSECOND, first_refused_at, CURRENT_TIMESTAMP(3)) / 1000000 AS refusing_seconds
       FROM outbox FORCE INDEX (outbox_pending)
      WHERE published_at IS NULL AND dead_lettered_at IS NULL AND outbox.seq > ?
      ORDER BY outbox.seq
      LIMIT ?`,
    [BigInt(afterSeq ?? 0), limit],
  );
  return rows.map((row) => ({
    seq: row.seq,
    id: row.id,
    eventType: row.event_type,
    eventVersion: Number(row.event_version),
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    createdAt: row.created_at,
    payloadJson: typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload),
    publishAttempts: Number(row.publish_attempts),
    refusingSeconds: row.refusing_seconds === null ? undefined : Math.max(0, Number(row.refusing_seconds)),
  }));
}

/**
 * Runs `read` in one read-only REPEATABLE READ transaction, so every window it reads sees the
 * same snapshot. Across separate statements a writer could commit between two reads: an
 * aggregate's event seen in a later window while its earlier event (committed just before it, but
 * after the first window was read) was missed, and published out of order.
 */
export async function withPendingSnapshot<T>(
  pool: DbPool,
  read: (connection: DbConnection) => Promise<T>,
): Promise<T> {
  const connection = await pool.getConnection();
  try {
    await connection.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    try {
      return await read(connection);
    } finally {
      await connection.query('COMMIT');
    }
  } finally {
    connection.release();
  }
}

/**
 * The named lock one relay holds while it runs, per database (databaseLockName: GET_LOCK names are
 * server-wide, and relays of two databases on one server must not shut each other out).
 */
export function outboxRelayLockName(db: Queryable): Promise<string> {
  return databaseLockName(db, 'forgecast:outbox-relay');
}

/** Why a row can never be published as it is, or undefined when it can. */
export function unpublishableReason(row: PendingOutboxRow): string | undefined {
  // Rows written before the catalogue (or by a newer writer) would make every consumer's
  // decodePublishedEvent throw: they are dead-lettered instead of poisoning the stream.
  if (!isDomainEventType(row.eventType)) return `event type ${row.eventType} is not in the catalogue`;
  return undefined;
}

/** The envelope consumers read (events/domain/stream-message.ts); call after unpublishableReason. */
export function publishedEventOf(row: PendingOutboxRow): PublishedEvent {
  if (!isDomainEventType(row.eventType)) throw new TypeError(`${row.eventType} is not in the catalogue`);
  return {
    id: row.id,
    type: row.eventType,
    version: row.eventVersion,
    aggregateType: row.aggregateType,
    aggregateId: row.aggregateId,
    occurredAt: row.createdAt.toISOString(),
    sequence: row.seq,
    payload: JSON.parse(row.payloadJson) as unknown,
  };
}

/**
 * Marks rows the stream acknowledged. Only ever after the acknowledgement: a relay that dies
 * before this leaves them pending, and they are put again (consumers dedupe by event id).
 */
export async function markOutboxPublished(db: Queryable, seqs: readonly string[]): Promise<number> {
  if (seqs.length === 0) return 0;
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE outbox SET published_at = CURRENT_TIMESTAMP(3), last_error = NULL
      WHERE seq IN (?) AND published_at IS NULL`,
    [seqs],
  );
  return result.affectedRows;
}

/**
 * Counts a refusal the stream said may pass (throttled partition) on each row, with its reason,
 * and notes when the row was first refused (the relay gives up on it after RELAY_GIVE_UP_HOURS).
 * One UPDATE for the whole put's refusals.
 */
export async function recordOutboxRefusals(
  db: Queryable,
  refusals: readonly { readonly seq: string; readonly error: string }[],
): Promise<void> {
  if (refusals.length === 0) return;
  await db.query(
    `UPDATE outbox
        SET publish_attempts = publish_attempts + 1,
            first_refused_at = COALESCE(first_refused_at, CURRENT_TIMESTAMP(3)),
            last_error = CASE outbox.seq ${refusals.map(() => 'WHEN ? THEN ?').join(' ')} END
      WHERE outbox.seq IN (?)`,
    [
      ...refusals.flatMap((refusal) => [refusal.seq, refusal.error.slice(0, MAX_ERROR_CHARS)]),
      refusals.map((refusal) => refusal.seq),
    ],
  );
}

/**
 * Sets a row aside for good: kept with its reason for the operator (listDeadLetteredOutbox),
 * skipped by the relay, so its aggregate's later events go on.
 */
export async function deadLetterOutboxRow(db: Queryable, seq: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE outbox
        SET dead_lettered_at = CURRENT_TIMESTAMP(3), publish_attempts = publish_attempts + 1, last_error = ?
      WHERE seq = ? AND published_at IS NULL AND dead_lettered_at IS NULL`,
    [reason.slice(0, MAX_ERROR_CHARS), seq],
  );
}

/**
 * Seconds since the oldest pending row (by seq) was created, from the database's clock; 0 when
 * nothing is pending. created_at is the event's occurredAt when its writer gave one.
 */
export async function oldestPendingOutboxAgeSeconds(db: Queryable): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT TIMESTAMPDIFF(MICROSECOND, created_at, CURRENT_TIMESTAMP(3)) / 1000000 AS age
       FROM outbox FORCE INDEX (outbox_pending)
      WHERE published_at IS NULL AND dead_lettered_at IS NULL
      ORDER BY outbox.seq
      LIMIT 1`,
  );
  const age = rows[0] === undefined ? 0 : Number(rows[0].age);
  return Math.max(0, age);
}

export interface DeadLetteredOutboxEvent {
  readonly seq: string;
  readonly id: string;
  readonly eventType: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly createdAt: Date;
  readonly deadLetteredAt: Date;
  readonly publishAttempts: number;
  readonly reason: string;
}

/** Dead-lettered events, newest first: what the operator looks at when outbox_dead_lettered rises. */
export async function listDeadLetteredOutbox(db: Queryable, limit = 100): Promise<DeadLetteredOutboxEvent[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT CAST(seq AS CHAR) AS seq, id, event_type, aggregate_type, aggregate_id, created_at,
            dead_lettered_at, publish_attempts, last_error
       FROM outbox
      WHERE dead_lettered_at IS NOT NULL
      ORDER BY dead_lettered_at DESC, outbox.seq DESC
      LIMIT ?`,
    [limit],
  );
  return rows.map((row) => ({
    seq: String(row.seq),
    id: String(row.id),
    eventType: String(row.event_type),
    aggregateType: String(row.aggregate_type),
    aggregateId: String(row.aggregate_id),
    createdAt: row.created_at as Date,
    deadLetteredAt: row.dead_lettered_at as Date,
    publishAttempts: Number(row.publish_attempts),
    reason: String(row.last_error ?? ''),
  }));
}
