import type { Query, TableField } from '@google-cloud/bigquery';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import { lazyOnce } from '#shared/base/lazy.ts';
import { createGoogleAccessTokenSource } from '#shared/chat/google-access-token.ts';
import type { FirebaseServiceAccount } from '#shared/shows/firebase-token.ts';
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
  WarehouseUnavailableError,
  type WarehouseValue,
} from './warehouse.ts';

/**
 * The warehouse on BigQuery, through `@google-cloud/bigquery` (loaded at first use: only the
 * functions that reach BigQuery pay for it). Inserts are streaming inserts
 * (`tabledata.insertAll`, each row `{insertId: event id, json}`); queries run as GoogleSQL
 * (`jobs.query`, `useLegacySql: false`, NAMED parameters, `defaultDataset` so SQL names the view
 * alone) and page through `jobs.getQueryResults` when they take longer.
 *
 * Authentication: the service account's key (BIGQUERY_SERVICE_ACCOUNT_JSON, from Vault) signs a
 * JWT-bearer assertion exchanged at Google's token endpoint (shared/chat/google-access-token.ts,
 * the same exchange the chat's Firestore adapter makes), which tests point at a stand-in.
 */
export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';

export interface BigQueryWarehouseOptions {
  readonly projectId: string;
  readonly dataset: string;
  readonly account: FirebaseServiceAccount;
  /** Where the dataset lives (`EU`, `US`, a region); jobs run there. */
  readonly location?: string;
  /** A stand-in for https://bigquery.googleapis.com (tests). */
  readonly apiEndpoint?: string;
  /** A stand-in for Google's token endpoint (tests). */
  readonly tokenUrl?: string;
  readonly timeoutMs?: number;
}

/** The table's columns (docs/warehouse.md); `ensureSchema` creates it partitioned by event_date. */
export const EVENTS_TABLE_FIELDS: readonly TableField[] = [
  { name: 'event_id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'type', type: 'STRING', mode: 'REQUIRED' },
  { name: 'version', type: 'INT64', mode: 'REQUIRED' },
  { name: 'aggregate_type', type: 'STRING', mode: 'REQUIRED' },
  { name: 'aggregate_id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'occurred_at', type: 'TIMESTAMP', mode: 'REQUIRED' },
  { name: 'event_date', type: 'DATE', mode: 'REQUIRED' },
  { name: 'sequence', type: 'INT64', mode: 'REQUIRED' },
  { name: 'payload', type: 'JSON', mode: 'NULLABLE' },
  { name: 'loaded_at', type: 'TIMESTAMP', mode: 'REQUIRED' },
];

/**
 * The view dashboards read: the first row of each event id. Streaming inserts drop a repeated
 * insertId only within a short window (best effort), so the view makes "each event once" hold.
 * `WHERE TRUE` because BigQuery takes QUALIFY only beside a WHERE, GROUP BY or HAVING.
 */
export function uniqueEventsViewSql(projectId: string, dataset: string): string {
  return `SELECT * FROM \`${projectId}.${dataset}.${EVENTS_TABLE}\` WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY loaded_at, sequence) = 1`;
}

export interface BigQueryWarehouse extends Warehouse {
  /** Creates the table (partitioned by day on event_date) and the view when missing; the dataset must exist. */
  ensureSchema(): Promise<void>;
}

type BigQueryModule = typeof import('@google-cloud/bigquery');

export function createBigQueryWarehouse(options: BigQueryWarehouseOptions): BigQueryWarehouse {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const tokens = createGoogleAccessTokenSource({
    account: options.account,
    scope: BIGQUERY_SCOPE,
    ...(options.tokenUrl ? { tokenUrl: options.tokenUrl } : {}),
    timeoutMs,
  });
  const connect = lazyOnce(() =>
    import('@google-cloud/bigquery').then((loaded) => {
      // A CommonJS package: Node gives its exports as named ones, the function bundle (esbuild)
      // only as `default`.
      const module: BigQueryModule =
        typeof loaded.BigQuery === 'function'
          ? loaded
          : (loaded as unknown as { default: BigQueryModule }).default;
      return {
        module,
        bigquery: new module.BigQuery({
          projectId: options.projectId,
          ...(options.location ? { location: options.location } : {}),
          ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
          // Our token source instead of google-auth-library's JWT client, whose token endpoint is
          // fixed: GoogleAuth uses a given client as is and asks it only for request headers.
          authClient: bearerAuthClient(() => tokens.token()) as never,
        }),
      };
    }),
  );

  const ensureSchema = async () => {
    const { bigquery } = await connect();
    const dataset = bigquery.dataset(options.dataset);
    await failuresMapped('create the events table', async () => {
      const [tableExists] = await dataset.table(EVENTS_TABLE).exists();
      if (!tableExists) {
        await dataset.createTable(EVENTS_TABLE, {
          schema: { fields: [...EVENTS_TABLE_FIELDS] },
          timePartitioning: { type: 'DAY', field: 'event_date' },
          clustering: { fields: ['type', 'aggregate_id'] },
        });
      }
      const [viewExists] = await dataset.table(EVENTS_VIEW).exists();
      if (!viewExists) {
        await dataset.createTable(EVENTS_VIEW, {
          view: { query: uniqueEventsViewSql(options.projectId, options.dataset), useLegacySql: false },
        });
      }
    });
  };

  // Once per instance before the first insert; a failed attempt is retried on the next insert.
  const schemaReady = lazyOnce(ensureSchema);

  return {
    dialect: 'bigquery',
    ensureSchema,
    async insertEvents(events: readonly PublishedEvent[]): Promise<InsertOutcome> {
      if (events.length > WAREHOUSE_LIMITS.maxEventsPerInsert) {
        throw new WarehouseQueryError(`At most ${WAREHOUSE_LIMITS.maxEventsPerInsert} events per insert`);
      }
      const { events: distinct, repeats } = distinctById(events);
      if (distinct.length === 0) return { inserted: 0, duplicates: repeats };
      await schemaReady();
      const { bigquery } = await connect();
      const loadedAt = new Date();
      const rows = distinct.map((event) => ({ insertId: event.id, json: eventRowOf(event, loadedAt) }));
      await failuresMapped('insert events', () =>
        bigquery
          .dataset(options.dataset)
          .table(EVENTS_TABLE)
          .insert(rows, { raw: true, skipInvalidRows: false, ignoreUnknownValues: false, partialRetries: 0 }),
      );
      // insertId de-duplication is silent: repeats within the batch are all this call can count.
      return { inserted: distinct.length, duplicates: repeats };
    },
    async query<Row>(sql: string, params: WarehouseParams = {}): Promise<Row[]> {
      if (Buffer.byteLength(sql) > WAREHOUSE_LIMITS.maxSqlBytes) {
        throw new WarehouseQueryError(`At most ${WAREHOUSE_LIMITS.maxSqlBytes} bytes of SQL`);
      }
      if (Object.keys(params).length > WAREHOUSE_LIMITS.maxParams) {
        throw new WarehouseQueryError(`At most ${WAREHOUSE_LIMITS.maxParams} parameters`);
      }
      const { module, bigquery } = await connect();
      const request: Query = {
        query: sql,
        useLegacySql: false,
        defaultDataset: { projectId: options.projectId, datasetId: options.dataset },
        params: { ...params },
        types: Object.fromEntries(Object.entries(params).map(([name, value]) => [name, typeOf(value)])),
        ...(options.location ? { location: options.location } : {}),
        // Integers as numbers when they fit, as strings when they do not (the port's contract).
        wrapIntegers: { integerTypeCastFunction: integerValue },
      };
      const [rows, nextQuery] = await failuresMapped('run a query', () =>
        // No timeoutMs here: with one, the client gives up when jobs.query answers before the job
        // is done instead of polling jobs.getQueryResults.
        bigquery.query(request, { autoPaginate: false, maxResults: WAREHOUSE_LIMITS.maxRows + 1 }),
      );
      if (rows.length > WAREHOUSE_LIMITS.maxRows || nextQuery) {
        throw new WarehouseQueryError(
          `The query returns more than ${WAREHOUSE_LIMITS.maxRows} rows; aggregate or LIMIT it`,
        );
      }
      return rows.map((row) => normaliseRow(module, row as Record<string, unknown>) as Row);
    },
  };
}

/** The port's parameter typing (warehouse.ts WarehouseParam) as BigQuery type names. */
function typeOf(value: WarehouseParams[string]): string {
  if (value === null || typeof value === 'string') return 'STRING';
  if (typeof value === 'boolean') return 'BOOL';
  if (value instanceof Date) return 'TIMESTAMP';
  return Number.isSafeInteger(value) ? 'INT64' : 'FLOAT64';
}

function integerValue(value: string): number | string {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

function normaliseRow(module: BigQueryModule, row: Record<string, unknown>): Record<string, WarehouseValue> {
  return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, normalise(module, value)]));
}

function normalise(module: BigQueryModule, value: unknown): WarehouseValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof module.BigQueryTimestamp) return new Date(value.value).toISOString();
  if (
    value instanceof module.BigQueryDate ||
    value instanceof module.BigQueryDatetime ||
    value instanceof module.BigQueryTime
  ) {
    return String(value.value);
  }
  if (value instanceof module.BigQueryInt) return integerValue(value.value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  // NUMERIC and BIGNUMERIC arrive as Big numbers; arrays and structs as JSON text.
  if (typeof value === 'object' && value.constructor?.name === 'Big') return Number(String(value));
  return JSON.stringify(value);
}

/**
 * The part of google-auth-library's AuthClient that GoogleAuth calls for a client it is given:
 * request headers (authorizeRequest) and, for completeness, the token and a plain request.
 */
function bearerAuthClient(token: () => Promise<string>) {
  return {
    async getRequestHeaders() {
      return new Headers({ authorization: `Bearer ${await token()}` });
    },
    async getAccessToken() {
      return { token: await token() };
    },
    request() {
      throw new Error('Not used: BigQuery sends its requests itself');
    },
  };
}

/** Runs a client call; its failures become the port's errors (4xx: the request; else: try again). */
async function failuresMapped<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = statusOf(error);
    const message = `BigQuery could not ${what}: ${firstLine(error)}`;
    if (
      status !== undefined &&
      status >= 400 &&
      status < 500 &&
      status !== 401 &&
      status !== 403 &&
      status !== 408 &&
      status !== 429
    ) {
      throw new WarehouseQueryError(message, { cause: error });
    }
    if ((error as { name?: unknown } | null)?.name === 'PartialFailureError') {
      throw new WarehouseQueryError(message, { cause: error });
    }
    throw new WarehouseUnavailableError(message, { cause: error });
  }
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 300);
}
