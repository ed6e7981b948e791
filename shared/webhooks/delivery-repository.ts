import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type DbConnection, type DbPool, withTransaction } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';

type Queryable = DbPool | DbConnection;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';
export type AttemptTrigger = 'scheduled' | 'manual' | 'test';

export interface NewDelivery {
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The aggregate (`aggregateType:aggregateId`): deliveries of one key go out in `sequence` order. */
  readonly streamKey: string;
  readonly sequence: string;
  readonly body: Buffer;
}

/** A delivery a sender has claimed. */
export interface ClaimedDelivery {
  readonly id: string;
  /** The claim: an outcome is recorded only while the delivery still carries it. */
  readonly leaseToken: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly body: Buffer;
  readonly attempts: number;
  readonly createdAt: Date;
}

/** A delivery as the delivery log shows it. */
export interface DeliveryRecord {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastLatencyMs: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: Date | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

/** What one attempt found, and what becomes of the delivery. */
export interface AttemptResult {
  readonly trigger: AttemptTrigger;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  /** `pending` with the time of the next try, or finished. */
  readonly next: /** `at` null: the delivery waits behind an earlier one of its aggregate (no time of its own). */
  /** `retryInMs`: the next try that long from now by the database's clock; null keeps the current time. */
    | { readonly status: 'pending'; readonly retryInMs: number | null }
    | { readonly status: 'delivered' | 'failed' };
  /** The sender's claim, for a scheduled attempt: a lapsed claim records the attempt but moves nothing. */
  readonly leaseToken?: string;
}

/** A new delivery's own columns, and its values in the same order: every insert writes both. */
const NEW_DELIVERY_COLUMNS = 'endpoint_id, event_id, event_type, stream_key, sequence, body';
const newDeliveryValues = (delivery: NewDelivery) => [
  delivery.endpointId,
  delivery.eventId,
  delivery.eventType,
  delivery.streamKey,
  delivery.sequence,
  delivery.body,
];

/**
 * Adds the deliveries; a (endpoint, event) pair that already has one is skipped, so a stream
 * message read again after a crash adds nothing. Returns how many were added.
 *
 * Order per aggregate: only the first pending delivery of an (endpoint, aggregate) has a time
 * (`next_attempt_at`); the ones behind it wait with none and get one when it finishes
 * (`promoteHeads`). The sender's claim then scans heads only, however many wait behind a
 * retrying one.
 */
export async function insertDeliveries(db: DbPool, deliveries: readonly NewDelivery[]): Promise<number> {
  if (deliveries.length === 0) return 0;
  const ids = deliveries.map(() => newId());
  return withTransaction(db, async (connection) => {
    const [result] = await connection.query<ResultSetHeader>(
      `INSERT IGNORE INTO webhook_deliveries (id, ${NEW_DELIVERY_COLUMNS}, status, next_attempt_at) VALUES ?`,
      [deliveries.map((delivery, index) => [ids[index], ...newDeliveryValues(delivery), 'pending', null])],
    );
    await promoteHeads(connection, ids);
    return result.affectedRows;
  });
}

/** The first pending delivery of each (endpoint, aggregate) in `scope`, when none of them has a time. */
const HEADS = (scope: string) => `SELECT p.endpoint_id, p.stream_key, MIN(p.sequence) AS sequence
       FROM ${scope}
       JOIN webhook_deliveries p FORCE INDEX (webhook_deliveries_order)
         ON p.endpoint_id = k.endpoint_id AND p.stream_key = k.stream_key AND p.status = 'pending'
       JOIN webhook_endpoints e ON e.id = p.endpoint_id AND e.enabled = 1
      GROUP BY p.endpoint_id, p.stream_key
     HAVING SUM(p.next_attempt_at IS NOT NULL) = 0`;

/** Sets the heads' time to now (the database's clock). */
const PROMOTE = (heads: string) => `UPDATE webhook_deliveries d FORCE INDEX (webhook_deliveries_order)
       JOIN (${heads}) head
         ON d.endpoint_id = head.endpoint_id AND d.stream_key = head.stream_key AND d.status = 'pending'
            AND d.sequence = head.sequence
        SET d.next_attempt_at = NOW(3)
      WHERE d.next_attempt_at IS NULL`;

/**
 * Gives the first pending delivery of each (endpoint, aggregate) that `deliveryIds` belong to a
 * time (now, by the database's clock), unless one of them already has one or the endpoint is
 * disabled (a disabled endpoint's deliveries have no time: `parkEndpointDeliveries`).
 */
async function promoteHeads(connection: DbConnection, deliveryIds: readonly string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  // The indexes named: the optimizer otherwise takes the log's (endpoint, id) and reads every
  // delivery of the endpoint (measured: 5 s, then 23 s, then 39 s per 5,000 rows as the table grew).
  await connection.query(
    PROMOTE(
      HEADS(
        '(SELECT DISTINCT endpoint_id, stream_key FROM webhook_deliveries FORCE INDEX (PRIMARY) WHERE id IN (?)) k',
      ),
    ),
    [deliveryIds],
  );
}

/**
 * A disabled endpoint's pending deliveries lose their time, so the sender's claim does not scan
 * them on every pass while the endpoint is off (they are still there for `resumeEndpointDeliveries`).
 */
export async function parkEndpointDeliveries(db: Queryable, endpointId: string): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET next_attempt_at = NULL
      WHERE endpoint_id = ? AND status = 'pending' AND next_attempt_at IS NOT NULL`,
    [endpointId],
  );
}

/** An endpoint enabled again: the first pending delivery of each of its aggregates is due now. */
export async function resumeEndpointDeliveries(db: Queryable, endpointId: string): Promise<void> {
  const keys = `(SELECT DISTINCT endpoint_id, stream_key FROM webhook_deliveries FORCE INDEX (webhook_deliveries_order)
                  WHERE endpoint_id = ? AND status = 'pending') k`;
  await db.query(PROMOTE(HEADS(keys)), [endpointId]);
}

/**
 * Claims up to `limit` due deliveries for `leaseMs`: pending, their time come, their endpoint
 * enabled, not claimed by a live lease, and the first pending one of their endpoint and aggregate
 * (so an aggregate's events reach an endpoint in order, and a retrying one holds back those after
 * it). The lease makes a second sender leave them alone. Ordered by the due index alone, so the
 * scan stops after `limit` matches instead of sorting every pending delivery; deliveries waiting
 * behind a head have no time and are not scanned (the NOT EXISTS is the order's safety net).
 */
export async function claimDueDeliveries(
  db: DbPool,
  options: { limit: number; leaseMs: number },
): Promise<{ claimed: ClaimedDelivery[]; dueFound: number }> {
  const token = newId();
  const [candidates] = await db.query<RowDataPacket[]>(
    `SELECT d.id FROM webhook_deliveries d
       JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled = 1
      WHERE d.status = 'pending' AND d.next_attempt_at <= NOW(3)
        AND (d.lease_until IS NULL OR d.lease_until < NOW(3))
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries earlier FORCE INDEX (webhook_deliveries_order)
                         WHERE earlier.endpoint_id = d.endpoint_id AND earlier.stream_key = d.stream_key
                           AND earlier.status = 'pending' AND earlier.sequence < d.sequence)
      ORDER BY d.next_attempt_at
      LIMIT ?`,
    [options.limit],
  );
  if (candidates.length === 0) return { claimed: [], dueFound: 0 };
  // A transaction for its deadlock retries: concurrent senders' records and promotions lock the same rows.
  const rows = await withTransaction(db, async (connection) => {
    await connection.query(
      `UPDATE webhook_deliveries SET lease_token = ?, lease_until = NOW(3) + INTERVAL ? MICROSECOND
        WHERE id IN (?) AND status = 'pending' AND (lease_until IS NULL OR lease_until < NOW(3))`,
      [token, options.leaseMs * 1000, candidates.map((row) => row.id as string)],
    );
    const [claimedRows] = await connection.query<RowDataPacket[]>(
      `SELECT id, endpoint_id, event_id, event_type, body, attempts, created_at
         FROM webhook_deliveries WHERE lease_token = ? AND status = 'pending'`,
      [token],
    );
    return claimedRows;
  });
  // `dueFound` may exceed the claim: another sender took some between the SELECT and the UPDATE.
  const claimed = rows.map((row) => ({
    id: String(row.id),
    leaseToken: token,
    endpointId: String(row.endpoint_id),
    eventId: String(row.event_id),
    eventType: String(row.event_type),
    body: row.body as Buffer,
    attempts: Number(row.attempts),
    createdAt: row.created_at as Date,
  }));
  return { claimed, dueFound: candidates.length };
}

/**
 * Logs the attempt and moves the delivery on (next try, delivered or failed). A scheduled attempt
 * releases its sender's lease; a manual one leaves any lease alone.
 */
export async function recordAttempt(db: DbPool, deliveryId: string, result: AttemptResult): Promise<void> {
  await recordAttempts(db, [{ deliveryId, result }]);
}

/**
 * `recordAttempt` for a sending pass's whole batch in one transaction (a multi-row INSERT of the
 * attempts, one UPDATE joined to the outcomes, the promotion of the next deliveries of the
 * aggregates that finished), instead of a transaction per delivery: the database round trips,
 * not the HTTP, bound a pass's throughput otherwise.
 *
 * A scheduled outcome moves its delivery only while the delivery still carries the sender's
 * lease: a sender whose lease lapsed (and whose delivery another sender took) cannot overwrite a
 * newer outcome. Its attempt is still logged: the POST happened.
 */
export async function recordAttempts(
  db: DbPool,
  attempts: readonly { deliveryId: string; result: AttemptResult }[],
): Promise<void> {
  if (attempts.length === 0) return;
  const outcomes = attempts.map(({ deliveryId, result }) => [
    deliveryId,
    result.trigger,
    result.statusCode,
    result.latencyMs,
    truncate(result.error),
    result.next.status,
    result.next.status === 'pending' && result.next.retryInMs !== null
      ? Math.max(0, Math.round(result.next.retryInMs)) * 1000
      : null,
    result.leaseToken ?? null,
  ]);
  const columns = [
    'id',
    'trigger_kind',
    'status_code',
    'latency_ms',
    'error',
    'status',
    'retry_in_us',
    'lease',
  ];
  // A derived table of the outcomes (UNION ALL of SELECTs: both MariaDB and MySQL take it).
  const rows = outcomes
    .map((_, index) =>
      index === 0
        ? `SELECT ${columns.map((column) => `? AS ${column}`).join(', ')}`
        : `SELECT ${columns.map(() => '?').join(', ')}`,
    )
    .join(' UNION ALL ');
  await withTransaction(db, async (connection) => {
    await connection.query(
      'INSERT INTO webhook_attempts (delivery_id, trigger_kind, status_code, latency_ms, error) VALUES ?',
      [outcomes.map((outcome) => outcome.slice(0, 5))],
    );
    await connection.query(
      `UPDATE webhook_deliveries d JOIN (${rows}) o ON o.id = d.id
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
          SET d.attempts = d.attempts + 1, d.last_status_code = o.status_code, d.last_latency_ms = o.latency_ms,
              d.last_error = o.error, d.status = o.status,
              d.next_attempt_at = CASE WHEN o.status <> 'pending' THEN NULL
                                       WHEN o.retry_in_us IS NULL THEN d.next_attempt_at
                                       -- Disabled meanwhile (this very failure may have done it): parked.
                                       WHEN e.enabled = 0 THEN NULL
                                       ELSE NOW(3) + INTERVAL o.retry_in_us MICROSECOND END,
              d.finished_at = IF(o.status = 'pending', NULL, NOW(3)),
              d.lease_token = IF(o.trigger_kind = 'scheduled', NULL, d.lease_token),
              d.lease_until = IF(o.trigger_kind = 'scheduled', NULL, d.lease_until)
        WHERE o.trigger_kind <> 'scheduled' OR d.lease_token <=> o.lease`,
      outcomes.flat(),
    );
    await promoteHeads(
      connection,
      attempts.filter(({ result }) => result.next.status !== 'pending').map(({ deliveryId }) => deliveryId),
    );
  });
}

/** A delivery that is sent once and at once (the test event): written with its only attempt. */
export async function insertAttemptedDelivery(
  db: DbPool,
  delivery: NewDelivery,
  result: Omit<AttemptResult, 'next'>,
  ok: boolean,
  id: string = newId(),
): Promise<string> {
  await withTransaction(db, async (connection) => {
    await connection.query(
      `INSERT INTO webhook_deliveries
         (id, ${NEW_DELIVERY_COLUMNS}, status, attempts, last_status_code, last_latency_ms, last_error, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, NOW(3))`,
      [
        id,
        ...newDeliveryValues(delivery),
        ok ? 'delivered' : 'failed',
        result.statusCode,
        result.latencyMs,
        truncate(result.error),
      ],
    );
    await connection.query(
      `INSERT INTO webhook_attempts (delivery_id, trigger_kind, status_code, latency_ms, error)
       VALUES (?, ?, ?, ?, ?)`,
      [id, result.trigger, result.statusCode, result.latencyMs, truncate(result.error)],
    );
  });
  return id;
}

const RECORD_COLUMNS = `d.id, d.endpoint_id, d.event_id, d.event_type, d.status, d.attempts, d.last_status_code,
  d.last_latency_ms, d.last_error, d.next_attempt_at, d.created_at, d.finished_at`;

/** One page of an endpoint's deliveries, newest first; `before` is the last id of the previous page. */
export async function listEndpointDeliveries(
  db: Queryable,
  endpointId: string,
  page: { limit: number; before?: string },
): Promise<{ items: DeliveryRecord[]; next: string | null }> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${RECORD_COLUMNS} FROM webhook_deliveries d
      WHERE d.endpoint_id = ? ${page.before ? 'AND d.id < ?' : ''}
      ORDER BY d.id DESC LIMIT ?`,
    page.before ? [endpointId, page.before, page.limit + 1] : [endpointId, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toRecord);
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

/** A delivery of one of the organisation's endpoints, with what a resend needs. */
export async function findOrgDelivery(
  db: Queryable,
  orgId: string,
  deliveryId: string,
): Promise<(DeliveryRecord & { body: Buffer }) | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${RECORD_COLUMNS}, d.body FROM webhook_deliveries d
       JOIN webhook_endpoints e ON e.id = d.endpoint_id
      WHERE d.id = ? AND e.org_id = ?`,
    [deliveryId, orgId],
  );
  const row = rows[0];
  return row ? { ...toRecord(row), body: row.body as Buffer } : undefined;
}

export async function findDelivery(db: Queryable, deliveryId: string): Promise<DeliveryRecord | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${RECORD_COLUMNS} FROM webhook_deliveries d WHERE d.id = ?`,
    [deliveryId],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/**
 * Fails the pending deliveries of disabled endpoints once they are older than the retry window:
 * nobody will send them (the endpoint is off) and they could not be sent any more once it is on
 * again, so they finish and age out of the log like the rest. Returns how many.
 */
export async function failAbandonedDeliveries(
  db: DbPool,
  retryForMs: number,
  limit: number,
): Promise<number> {
  return withTransaction(db, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
        WHERE e.enabled = 0 AND d.status = 'pending' AND d.created_at < NOW(3) - INTERVAL ? MICROSECOND
        LIMIT ? FOR UPDATE`,
      [retryForMs * 1000, limit],
    );
    const ids = rows.map((row) => String(row.id));
    if (ids.length === 0) return 0;
    await connection.query(
      `UPDATE webhook_deliveries
          SET status = 'failed', finished_at = NOW(3), next_attempt_at = NULL,
              last_error = COALESCE(last_error, 'The endpoint was disabled')
        WHERE id IN (?)`,
      [ids],
    );
    // Younger deliveries waiting behind them get their turn (for when the endpoint is on again).
    await promoteHeads(connection, ids);
    return ids.length;
  });
}

/** Forgets finished deliveries (and their attempts) older than `retentionMs`; returns how many. */
export async function pruneFinishedDeliveries(
  db: Queryable,
  retentionMs: number,
  limit: number,
): Promise<number> {
  const [result] = await db.query<ResultSetHeader>(
    `DELETE FROM webhook_deliveries
      WHERE status <> 'pending' AND finished_at < NOW(3) - INTERVAL ? MICROSECOND LIMIT ?`,
    [retentionMs * 1000, limit],
  );
  return result.affectedRows;
}

const truncate = (text: string | null): string | null => (text === null ? null : text.slice(0, 500));

function toRecord(row: RowDataPacket): DeliveryRecord {
  return {
    id: String(row.id),
    endpointId: String(row.endpoint_id),
    eventId: String(row.event_id),
    eventType: String(row.event_type),
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastLatencyMs: row.last_latency_ms === null ? null : Number(row.last_latency_ms),
    lastError: (row.last_error as string | null) ?? null,
    nextAttemptAt: (row.next_attempt_at as Date | null) ?? null,
    createdAt: row.created_at as Date,
    finishedAt: (row.finished_at as Date | null) ?? null,
  };
}
