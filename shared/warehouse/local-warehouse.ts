import type { PublishedEvent } from '#events/domain/stream-message.ts';
import {
  type InsertOutcome,
  WAREHOUSE_LIMITS,
  type Warehouse,
  type WarehouseParam,
  type WarehouseParams,
  WarehouseQueryError,
  WarehouseUnavailableError,
} from './warehouse.ts';

/**
 * The local cloud's warehouse (infra/local/warehouse/server.ts: DuckDB in the cloud's process),
 * over its loopback API with `Authorization: Bearer <WAREHOUSE_TOKEN>`:
 *   POST /v1/events  {"events": PublishedEvent[]}              → 200 {"inserted", "duplicates"}
 *   POST /v1/query   {"sql": "…@name…", "params": {name: v}}   → 200 {"rows": [{column: value}]}
 * A `Date` parameter travels as {"timestamp": "<ISO 8601>"}. Refusals are problem documents:
 * 400 (the statement or its parameters; not retried), 401, 413; 5xx means try again.
 */
export interface LocalWarehouseOptions {
  /** The server's base URL (WAREHOUSE_URL). */
  readonly url: string;
  readonly token: string;
  readonly timeoutMs?: number;
}

export const LOCAL_WAREHOUSE_PATHS = { events: '/v1/events', query: '/v1/query' } as const;

/** A parameter as JSON carries it. */
export type WireParam = string | number | boolean | null | { readonly timestamp: string };

export function encodeParams(params: WarehouseParams): Record<string, WireParam> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [
      name,
      value instanceof Date ? { timestamp: value.toISOString() } : value,
    ]),
  );
}

/** The inverse of encodeParams; undefined for anything else (the server answers 400). */
export function decodeParams(wire: unknown): Record<string, WarehouseParam> | undefined {
  if (wire === undefined) return {};
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) return undefined;
  const decoded: Record<string, WarehouseParam> = {};
  for (const [name, value] of Object.entries(wire)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
      decoded[name] = value as WarehouseParam;
    } else if (
      typeof value === 'object' &&
      Object.keys(value).length === 1 &&
      typeof (value as { timestamp?: unknown }).timestamp === 'string'
    ) {
      const date = new Date((value as { timestamp: string }).timestamp);
      if (Number.isNaN(date.getTime())) return undefined;
      decoded[name] = date;
    } else {
      return undefined;
    }
  }
  return decoded;
}

export function createLocalWarehouse(options: LocalWarehouseOptions): Warehouse {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;

  const call = async (what: string, path: string, body: unknown): Promise<unknown> => {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      throw new WarehouseUnavailableError(`The local warehouse got no answer to ${what}`, { cause });
    }
    if (response.status === 400 || response.status === 413) {
      throw new WarehouseQueryError(`The local warehouse refused ${what}: ${detailOf(text)}`);
    }
    if (!response.ok) {
      throw new WarehouseUnavailableError(`The local warehouse failed ${what} (HTTP ${response.status})`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new WarehouseUnavailableError(`The local warehouse answered ${what} without JSON`, { cause });
    }
  };

  return {
    dialect: 'duckdb',
    async insertEvents(events: readonly PublishedEvent[]): Promise<InsertOutcome> {
      if (events.length === 0) return { inserted: 0, duplicates: 0 };
      if (events.length > WAREHOUSE_LIMITS.maxEventsPerInsert) {
        throw new WarehouseQueryError(`At most ${WAREHOUSE_LIMITS.maxEventsPerInsert} events per insert`);
      }
      const answer = (await call('an insert', LOCAL_WAREHOUSE_PATHS.events, { events })) as InsertOutcome;
      return { inserted: answer.inserted, duplicates: answer.duplicates };
    },
    async query<Row>(sql: string, params: WarehouseParams = {}): Promise<Row[]> {
      const answer = (await call('a query', LOCAL_WAREHOUSE_PATHS.query, {
        sql,
        params: encodeParams(params),
      })) as { rows: Row[] };
      return answer.rows;
    },
  };
}

function detailOf(text: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: unknown };
    return typeof problem.detail === 'string' ? problem.detail : 'no detail';
  } catch {
    return 'no detail';
  }
}
