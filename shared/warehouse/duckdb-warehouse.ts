import {
  type DuckDBConnection,
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  DuckDBInstance,
  type DuckDBPreparedStatement,
  type DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBValue,
  StatementType,
  timestampValue,
} from '@duckdb/node-api';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import {
  distinctById,
  EVENTS_TABLE,
  EVENTS_VIEW,
  eventRowOf,
  type InsertOutcome,
  WAREHOUSE_LIMITS,
  type Warehouse,
  type WarehouseParams,
  WarehouseQueryError,
  type WarehouseValue,
} from './warehouse.ts';

/**
 * The warehouse on DuckDB, in this process: the local cloud's warehouse server holds one (a file
 * under its data folder; DuckDB lets one process write a file), and the BigQuery stand-in runs
 * queries on one in memory. Never imported by a function: functions reach the local one over HTTP
 * (local-warehouse.ts), so the native module stays out of their bundles.
 */
export interface DuckDbWarehouse extends Warehouse {
  /** Runs a read-only statement and gives each column's DuckDB type with the raw values (the BigQuery stand-in). */
  queryTyped(sql: string, params?: WarehouseParams): Promise<TypedResult>;
  /** Waits for the statements under way, then closes the database. */
  close(): Promise<void>;
}

export interface TypedResult {
  readonly columns: readonly {
    readonly name: string;
    readonly typeId: DuckDBTypeId;
    readonly alias?: string;
  }[];
  /** Values normalised as the port documents (warehouse.ts WarehouseValue). */
  readonly rows: readonly (readonly WarehouseValue[])[];
}

export interface DuckDbWarehouseOptions {
  /** A file path, or `:memory:`. */
  readonly path: string;
  /**
   * `primary-key` (the local warehouse): the table's key drops repeats and the view is the table.
   * `view` (the BigQuery stand-in): the table keeps repeats as BigQuery's may, and the view keeps
   * the first row of each event, with the SQL BigQuery's view uses.
   */
  readonly dedupe?: 'primary-key' | 'view';
  readonly maxRows?: number;
}

/** The SQL both dialects accept for the de-duplicating view's body (BigQuery's view uses it too). */
export const UNIQUE_EVENTS_SELECT = (table: string) =>
  `SELECT * FROM ${table} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY loaded_at, sequence) = 1`;

const COLUMNS = [
  'event_id',
  'type',
  'version',
  'aggregate_type',
  'aggregate_id',
  'occurred_at',
  'event_date',
  'sequence',
  'payload',
  'loaded_at',
] as const;

function schemaStatements(dedupe: 'primary-key' | 'view'): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} (
      event_id VARCHAR ${dedupe === 'primary-key' ? 'PRIMARY KEY' : 'NOT NULL'},
      type VARCHAR NOT NULL,
      version INTEGER NOT NULL,
      aggregate_type VARCHAR NOT NULL,
      aggregate_id VARCHAR NOT NULL,
      occurred_at TIMESTAMP NOT NULL,
      event_date DATE NOT NULL,
      sequence BIGINT NOT NULL,
      payload JSON,
      loaded_at TIMESTAMP NOT NULL
    )`,
    `CREATE OR REPLACE VIEW ${EVENTS_VIEW} AS ${
      dedupe === 'primary-key' ? `SELECT * FROM ${EVENTS_TABLE}` : UNIQUE_EVENTS_SELECT(EVENTS_TABLE)
    }`,
  ];
}

/**
 * Settings after the schema exists: BigQuery's FLOAT64 as a type name (so CAST(x AS FLOAT64) runs
 * in both dialects), no reading or writing of other files (a SELECT could otherwise call
 * read_csv('/any/file')), and the configuration locked so no statement can undo that.
 */
const HARDENING = [
  'CREATE TYPE IF NOT EXISTS FLOAT64 AS DOUBLE',
  'SET enable_external_access = false',
  'SET lock_configuration = true',
];

export async function openDuckDbWarehouse(options: DuckDbWarehouseOptions): Promise<DuckDbWarehouse> {
  const dedupe = options.dedupe ?? 'primary-key';
  const maxRows = options.maxRows ?? WAREHOUSE_LIMITS.maxRows;
  const instance = await DuckDBInstance.create(options.path);
  const writer = await instance.connect();
  const reader = await instance.connect();
  try {
    for (const statement of [...schemaStatements(dedupe), ...HARDENING]) await writer.run(statement);
  } catch (error) {
    reader.closeSync();
    writer.closeSync();
    instance.closeSync();
    throw error;
  }
  // One statement at a time per connection: inserts on one, queries on the other, so a long
  // dashboard query does not hold up loading (DuckDB runs the two concurrently).
  const writes = serialised();
  const reads = serialised();

  const queryTyped = (sql: string, params: WarehouseParams = {}): Promise<TypedResult> =>
    reads(() => runReadOnlyQuery(reader, sql, params, maxRows));

  return {
    dialect: 'duckdb',
    insertEvents: (events) => writes(() => insertEvents(writer, events, dedupe)),
    async query<Row>(sql: string, params: WarehouseParams = {}) {
      const result = await queryTyped(sql, params);
      return result.rows.map(
        (values) =>
          Object.fromEntries(result.columns.map((column, i) => [column.name, values[i] ?? null])) as Row,
      );
    },
    queryTyped,
    async close() {
      await Promise.all([writes.idle(), reads.idle()]);
      reader.closeSync();
      writer.closeSync();
      instance.closeSync();
    },
  };
}

interface Serialised {
  <T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once everything queued so far has finished. */
  idle(): Promise<void>;
}

function serialised(): Serialised {
  let tail: Promise<unknown> = Promise.resolve();
  const run = <T>(work: () => Promise<T>) => {
    const next = tail.then(work, work);
    tail = next.catch(() => {});
    return next;
  };
  return Object.assign(run, { idle: () => tail.then(() => {}) });
}

async function insertEvents(
  connection: DuckDBConnection,
  events: readonly PublishedEvent[],
  dedupe: 'primary-key' | 'view',
): Promise<InsertOutcome> {
  if (events.length > WAREHOUSE_LIMITS.maxEventsPerInsert) {
    throw new WarehouseQueryError(`At most ${WAREHOUSE_LIMITS.maxEventsPerInsert} events per insert`);
  }
  const { events: distinct, repeats } = distinctById(events);
  if (distinct.length === 0) return { inserted: 0, duplicates: repeats };
  const loadedAt = new Date();
  const rows = distinct.map((event) => eventRowOf(event, loadedAt));
  const placeholders = rows
    .map(
      (_, i) =>
        `(${COLUMNS.map((column, c) => {
          const index = i * COLUMNS.length + c + 1;
          if (column === 'occurred_at' || column === 'loaded_at') return `CAST($${index} AS TIMESTAMP)`;
          if (column === 'event_date') return `CAST($${index} AS DATE)`;
          if (column === 'sequence') return `CAST($${index} AS BIGINT)`;
          if (column === 'payload') return `CAST($${index} AS JSON)`;
          return `$${index}`;
        }).join(', ')})`,
    )
    .join(', ');
  const conflict = dedupe === 'primary-key' ? ' ON CONFLICT DO NOTHING' : '';
  const sql = `INSERT INTO ${EVENTS_TABLE} (${COLUMNS.join(', ')}) VALUES ${placeholders}${conflict} RETURNING event_id`;
  const values: DuckDBValue[] = rows.flatMap((row) =>
    COLUMNS.map((column) => {
      const value = row[column];
      // Timestamps as DuckDB reads them: no zone suffix, UTC by our convention.
      return typeof value === 'string' && (column === 'occurred_at' || column === 'loaded_at')
        ? value.replace('T', ' ').replace('Z', '')
        : value;
    }),
  );
  let inserted: number;
  try {
    const result = await connection.run(sql, values);
    inserted = (await result.getRows()).length;
  } catch (cause) {
    throw new WarehouseQueryError('DuckDB refused the insert', { cause });
  }
  return { inserted, duplicates: repeats + distinct.length - inserted };
}

/**
 * BigQuery functions DuckDB has under another name or with another result: BigQuery's
 * JSON_VALUE gives the scalar as a plain string, DuckDB's a JSON text (`"a"` with its quotes);
 * json_extract_string is BigQuery's meaning. SAFE_CAST is DuckDB's TRY_CAST.
 */
const FUNCTION_NAMES: Readonly<Record<string, string>> = {
  json_value: 'json_extract_string',
  json_query: 'json_extract',
  safe_cast: 'TRY_CAST',
};

/**
 * GoogleSQL as DuckDB takes it, outside string literals, quoted identifiers and comments: named
 * parameters `@name` → `$name` (`@@`, BigQuery's system variables, is left alone), and the
 * functions of FUNCTION_NAMES renamed where they are called.
 */
export function toDuckDbSql(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const char = sql[i] as string;
    const next = sql[i + 1];
    if (char === "'" || char === '"' || char === '`') {
      const end = closingQuote(sql, i, char);
      out += sql.slice(i, end);
      i = end;
    } else if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (char === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (char === '@' && next === '@') {
      out += '@@';
      i += 2;
    } else if (char === '@' && next !== undefined && /[A-Za-z_]/.test(next)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))?.[0] as string;
      out += `$${name}`;
      i += 1 + name.length;
    } else if (/[A-Za-z_]/.test(char) && !/[A-Za-z0-9_$.]/.test(sql[i - 1] ?? ' ')) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))?.[0] as string;
      const renamed = FUNCTION_NAMES[word.toLowerCase()];
      out += renamed !== undefined && /^\s*\(/.test(sql.slice(i + word.length)) ? renamed : word;
      i += word.length;
    } else {
      out += char;
      i += 1;
    }
  }
  return out;
}

/** Index just past the quote closing the one at `start` (a doubled quote or a backslash escapes). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const char = sql[i];
    if (char === '\\') i += 2;
    else if (char === quote && sql[i + 1] === quote) i += 2;
    else if (char === quote) return i + 1;
    else i += 1;
  }
  return sql.length;
}

/** One read-only statement with `@name` parameters on `connection`, values normalised (the BigQuery stand-in runs its queries here too). */
export async function runReadOnlyQuery(
  connection: DuckDBConnection,
  sql: string,
  params: WarehouseParams,
  maxRows: number,
): Promise<TypedResult> {
  checkQueryBounds(sql, params);
  const translated = toDuckDbSql(sql);
  let prepared: DuckDBPreparedStatement;
  try {
    const statements = await connection.extractStatements(translated);
    if (statements.count !== 1) throw new WarehouseQueryError('One statement per query');
    prepared = await statements.prepare(0);
  } catch (cause) {
    if (cause instanceof WarehouseQueryError) throw cause;
    throw new WarehouseQueryError(`DuckDB refused the query: ${messageOf(cause)}`, { cause });
  }
  try {
    if (prepared.statementType !== StatementType.SELECT) {
      throw new WarehouseQueryError('Only SELECT (or WITH … SELECT) statements may be queried');
    }
    bindParameters(prepared, params);
    const result = await prepared.stream();
    const columns = result.columnNames().map((name, i) => {
      const type = result.columnType(i);
      return { name, typeId: type.typeId, ...(type.alias ? { alias: type.alias } : {}) };
    });
    const rows: WarehouseValue[][] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const raw of chunk.getRows()) {
        if (rows.length >= maxRows) {
          throw new WarehouseQueryError(`The query returns more than ${maxRows} rows; aggregate or LIMIT it`);
        }
        rows.push(raw.map((value, i) => normalise(value, columns[i]?.typeId ?? DuckDBTypeId.VARCHAR)));
      }
    }
    return { columns, rows };
  } catch (cause) {
    if (cause instanceof WarehouseQueryError) throw cause;
    throw new WarehouseQueryError(`DuckDB could not run the query: ${messageOf(cause)}`, { cause });
  } finally {
    prepared.destroySync();
  }
}

export function checkQueryBounds(sql: string, params: WarehouseParams): void {
  if (Buffer.byteLength(sql) > WAREHOUSE_LIMITS.maxSqlBytes) {
    throw new WarehouseQueryError(`At most ${WAREHOUSE_LIMITS.maxSqlBytes} bytes of SQL`);
  }
  if (Object.keys(params).length > WAREHOUSE_LIMITS.maxParams) {
    throw new WarehouseQueryError(`At most ${WAREHOUSE_LIMITS.maxParams} parameters`);
  }
}

/** Binds by name with the port's typing (integer → BIGINT, Date → TIMESTAMP, null → VARCHAR null). */
function bindParameters(prepared: DuckDBPreparedStatement, params: WarehouseParams): void {
  for (let index = 1; index <= prepared.parameterCount; index += 1) {
    const name = prepared.parameterName(index);
    if (!Object.hasOwn(params, name)) throw new WarehouseQueryError(`No value for parameter @${name}`);
    const value = params[name];
    if (value === null || value === undefined) prepared.bindNull(index);
    else if (typeof value === 'string') prepared.bindVarchar(index, value);
    else if (typeof value === 'boolean') prepared.bindBoolean(index, value);
    else if (typeof value === 'number' && Number.isSafeInteger(value))
      prepared.bindBigInt(index, BigInt(value));
    else if (typeof value === 'number') prepared.bindDouble(index, value);
    else if (value instanceof Date)
      prepared.bindTimestamp(index, timestampValue(BigInt(value.getTime()) * 1000n));
    else throw new WarehouseQueryError(`Parameter @${name} has a type the warehouse does not take`);
  }
}

const MICROS_PER_MS = 1000n;
const MS_PER_DAY = 86_400_000;

/** A DuckDB value as the port hands values out (warehouse.ts WarehouseValue). */
function normalise(value: DuckDBValue, typeId: DuckDBTypeId): WarehouseValue {
  if (value === null) return null;
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return value as boolean;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM: {
      const big = value as bigint;
      return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER)
        ? Number(big)
        : big.toString();
    }
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return value as number;
    case DuckDBTypeId.DECIMAL:
      return (value as DuckDBDecimalValue).toDouble();
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new Date(Number((value as DuckDBTimestampValue).micros / MICROS_PER_MS)).toISOString();
    case DuckDBTypeId.DATE:
      return new Date((value as DuckDBDateValue).days * MS_PER_DAY).toISOString().slice(0, 10);
    case DuckDBTypeId.VARCHAR:
      return value as string;
    default:
      return String(value);
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
