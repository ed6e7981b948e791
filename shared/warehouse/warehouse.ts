import type { PublishedEvent } from '#events/domain/stream-message.ts';

/**
 * The warehouse port: the analytical store the dashboards read (docs/warehouse.md). One table,
 * `events`, holds every published domain event once; queries read the view `events_unique`, which
 * both adapters define, so a dashboard query has one FROM in both dialects.
 *
 * Production: BigQuery (`bigquery-warehouse.ts`; date-partitioned on `event_date`, `insertId` =
 * event id, the view removes the duplicates streaming inserts may still leave). Local cloud:
 * DuckDB in one process of the local cloud (infra/local/warehouse/server.ts) behind a loopback
 * HTTP API (`local-warehouse.ts`; primary key, ON CONFLICT DO NOTHING). `warehouseFromConfig` picks one.
 */
export type WarehouseDialect = 'duckdb' | 'bigquery';

/**
 * A query parameter, written `@name` in the SQL of both dialects. Typed from its value:
 * string → STRING, integer → INT64, other number → FLOAT64, boolean → BOOL, Date → TIMESTAMP,
 * null → a STRING null (cast it in SQL when it is compared with something else).
 */
export type WarehouseParam = string | number | boolean | null | Date;
export type WarehouseParams = Readonly<Record<string, WarehouseParam>>;

/**
 * A row value as both adapters hand it back, whatever the dialect: integers and decimals →
 * number (a string when beyond Number.MAX_SAFE_INTEGER), FLOAT → number, BOOL → boolean,
 * TIMESTAMP → ISO 8601 UTC string with milliseconds (`2026-12-07T10:00:00.000Z`), DATE →
 * `YYYY-MM-DD`, JSON → the JSON text (a string), STRING → string, NULL → null.
 */
export type WarehouseValue = string | number | boolean | null;

export interface InsertOutcome {
  /** Events stored by this call. */
  readonly inserted: number;
  /**
   * Events this call did not store because their id was stored before (or came twice in the
   * call). BigQuery cannot say (insertId deduplication is silent): it reports 0 and the view
   * `events_unique` removes what got through.
   */
  readonly duplicates: number;
}

export interface Warehouse {
  readonly dialect: WarehouseDialect;
  /** Stores each event once by its id; at-least-once callers may send an event again. */
  insertEvents(events: readonly PublishedEvent[]): Promise<InsertOutcome>;
  /**
   * Runs one read-only statement (SELECT or WITH) with named parameters (`@name`); never build
   * SQL from input, pass it as parameters. Rows come back as objects keyed by column name.
   */
  query<Row = Record<string, WarehouseValue>>(sql: string, params?: WarehouseParams): Promise<Row[]>;
}

/** The warehouse could not be reached or failed the request; the caller retries later. */
export class WarehouseUnavailableError extends Error {
  override readonly name = 'WarehouseUnavailableError';
}

/** The warehouse refused the statement or its parameters (a defect of the caller, not retried). */
export class WarehouseQueryError extends Error {
  override readonly name = 'WarehouseQueryError';
}

/** Limits both adapters keep, so a local run fails where production would. */
export const WAREHOUSE_LIMITS = {
  /** Events per insertEvents call (BigQuery recommends at most 500 rows per insertAll). */
  maxEventsPerInsert: 500,
  /** Bytes of SQL text. */
  maxSqlBytes: 64 * 1024,
  maxParams: 100,
  /** Rows a query may return; a dashboard query aggregates. */
  maxRows: 10_000,
} as const;

/** The name of the table and of the de-duplicating view dashboards read. */
export const EVENTS_TABLE = 'events';
export const EVENTS_VIEW = 'events_unique';

/** One event as the row the warehouse stores (both adapters write these columns). */
export interface EventRow {
  readonly event_id: string;
  readonly type: string;
  readonly version: number;
  readonly aggregate_type: string;
  readonly aggregate_id: string;
  /** ISO 8601 UTC. */
  readonly occurred_at: string;
  /** `YYYY-MM-DD`, the UTC date of occurred_at: BigQuery's partition column. */
  readonly event_date: string;
  /** The outbox sequence (decimal string; INT64 in the table). */
  readonly sequence: string;
  /** The payload as JSON text. */
  readonly payload: string;
  /** ISO 8601 UTC: when this row was written. */
  readonly loaded_at: string;
}

export function eventRowOf(event: PublishedEvent, loadedAt: Date): EventRow {
  const occurred = new Date(event.occurredAt);
  return {
    event_id: event.id,
    type: event.type,
    version: event.version,
    aggregate_type: event.aggregateType,
    aggregate_id: event.aggregateId,
    occurred_at: occurred.toISOString(),
    event_date: occurred.toISOString().slice(0, 10),
    sequence: event.sequence,
    payload: JSON.stringify(event.payload ?? null),
    loaded_at: loadedAt.toISOString(),
  };
}

/** The events of a batch with each id once (the first kept), and how many repeats were dropped. */
export function distinctById(events: readonly PublishedEvent[]): {
  readonly events: readonly PublishedEvent[];
  readonly repeats: number;
} {
  const seen = new Set<string>();
  const distinct = events.filter((event) => {
    if (seen.has(event.id)) return false;
    seen.add(event.id);
    return true;
  });
  return { events: distinct, repeats: events.length - distinct.length };
}
