import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import { runReadOnlyQuery, type TypedResult } from '#shared/warehouse/duckdb-warehouse.ts';
import type { WarehouseParam } from '#shared/warehouse/warehouse.ts';

/**
 * A stand-in for Google's OAuth token endpoint and BigQuery's REST API v2, on loopback, that
 * checks the documented request shapes and answers in BigQuery's formats:
 *
 * - `POST /token`: the JWT-bearer grant (RFC 7523), `grant_type` + `assertion` form-encoded; the
 *   assertion an RS256 JWT whose signature verifies with a known service account's public key,
 *   `aud` = https://oauth2.googleapis.com/token, a `scope` with BigQuery's, at most an hour long.
 * - Every `/bigquery/v2/…` call: `Authorization: Bearer <a token it issued>`.
 * - `tables.get` / `tables.insert` (a table with a schema and day partitioning, or a GoogleSQL view).
 * - `tabledata.insertAll`: rows `{insertId, json}` checked against the table's schema;
 *   `skipInvalidRows: false` fails the whole request (`insertErrors`: `invalid` for the bad rows,
 *   `stopped` for the rest); a repeated insertId is dropped (until `forgetInsertIds`, as
 *   BigQuery's best-effort window passes).
 * - `jobs.query` / `jobs.getQueryResults`: `useLegacySql: false`, `parameterMode` NAMED (the
 *   client library writes it in lower case; BigQuery takes either), typed `queryParameters`,
 *   `defaultDataset`; answers `schema` + `rows: [{f: [{v}]}]` with every value a string, as
 *   BigQuery does (TIMESTAMP in microseconds when `formatOptions.useInt64Timestamp`).
 *
 * Queries run on an in-memory DuckDB after `@name` → `$name` and dataset-qualified table names
 * → the table's own name, so dashboard SQL written for both dialects gives real answers.
 */
export const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
const PARAMETER_TYPES = new Set(['STRING', 'INT64', 'FLOAT64', 'BOOL', 'TIMESTAMP', 'DATE', 'NUMERIC']);
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface FakeBigQueryOptions {
  readonly projectId: string;
  /** Datasets that exist. */
  readonly datasets: readonly string[];
  /** Service accounts allowed to sign assertions: email → private or public key. */
  readonly accounts: Readonly<Record<string, KeyObject>>;
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

export interface FakeBigQuery {
  /** `apiEndpoint` for the client (BigQuery's REST API lives under /bigquery/v2). */
  readonly endpoint: string;
  /** The token endpoint stand-in. */
  readonly tokenUrl: string;
  /** Every request after its checks passed, in order. */
  readonly requests: readonly SeenRequest[];
  /** Requests refused for their shape or their credentials, with the reason. */
  readonly refusals: readonly string[];
  /** The best-effort insertId window passes: a repeated insertId is stored again. */
  forgetInsertIds(): void;
  /** The next `count` queries answer `jobComplete: false` first (the client then polls getQueryResults). */
  delayQueries(count: number): void;
  /** The next API call answers this HTTP status (BigQuery's error body). */
  failNext(status: number): void;
  /** Rows stored in a table, repeats included (what the view has to de-duplicate). */
  storedRows(table: string): Promise<number>;
  close(): Promise<void>;
}

interface Field {
  readonly name: string;
  readonly type: string;
  readonly mode?: string;
}

interface TableState {
  readonly kind: 'table' | 'view';
  readonly resource: Record<string, unknown>;
  readonly fields: readonly Field[];
}

interface PendingQuery {
  readonly result: TypedResult;
  readonly useInt64Timestamp: boolean;
}

class BigQueryHttpError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export async function startFakeBigQuery(options: FakeBigQueryOptions): Promise<FakeBigQuery> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run('CREATE TYPE FLOAT64 AS DOUBLE');
  const publicKeys = new Map(
    Object.entries(options.accounts).map(([email, key]) => [
      email,
      key.type === 'private' ? createPublicKey(key) : key,
    ]),
  );
  const tokens = new Map<string, number>();
  const tables = new Map<string, TableState>();
  const insertIds = new Set<string>();
  const pending = new Map<string, PendingQuery>();
  const requests: SeenRequest[] = [];
  const refusals: string[] = [];
  let delayed = 0;
  let failStatus: number | undefined;
  // One statement at a time on the connection.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };

  const refuse = (status: number, reason: string, message: string): never => {
    refusals.push(`${reason}: ${message}`);
    throw new BigQueryHttpError(status, reason, message);
  };

  function exchangeToken(form: URLSearchParams, res: ServerResponse) {
    const oauthError = (description: string) => {
      refusals.push(`token: ${description}`);
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_grant', error_description: description }));
    };
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return oauthError('grant_type must be the JWT-bearer grant');
    }
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return oauthError('the assertion is not a JWT');
    const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
    let header: { alg?: unknown; typ?: unknown };
    let claims: { iss?: unknown; aud?: unknown; scope?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return oauthError('the assertion’s parts are not JSON');
    }
    if (header.alg !== 'RS256') return oauthError('alg must be RS256');
    const key = typeof claims.iss === 'string' ? publicKeys.get(claims.iss) : undefined;
    if (!key) return oauthError('unknown service account');
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${headerPart}.${claimsPart}`),
      key,
      Buffer.from(signaturePart, 'base64url'),
    );
    if (!signed) return oauthError('invalid JWT signature');
    if (claims.aud !== GOOGLE_TOKEN_AUDIENCE) return oauthError('aud must be the token endpoint');
    if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(BIGQUERY_SCOPE)) {
      return oauthError('scope must include BigQuery’s');
    }
    const now = Math.floor(Date.now() / 1000);
    if (
      typeof claims.iat !== 'number' ||
      typeof claims.exp !== 'number' ||
      Math.abs(claims.iat - now) > 300 ||
      claims.exp <= now ||
      claims.exp - claims.iat > 3600
    ) {
      return oauthError('iat/exp out of range');
    }
    const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
    tokens.set(token, Date.now() + 3600_000);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: token, expires_in: 3600, token_type: 'Bearer' }));
  }

  const tableKey = (project: string, dataset: string, table: string) => `${project}.${dataset}.${table}`;

  const checkDataset = (project: string, dataset: string) => {
    if (project !== options.projectId || !options.datasets.includes(dataset)) {
      refuse(404, 'notFound', `Not found: Dataset ${project}:${dataset}`);
    }
  };

  /** `proj.ds.t`, `ds.t` (back-quoted or not) of this project's datasets → `t`. */
  const unqualified = (sql: string): string =>
    sql.replace(
      /`?(?:([a-z][a-z0-9-]*)\.)?([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)`?/g,
      (whole, project, dataset, table) => {
        if ((project === undefined || project === options.projectId) && options.datasets.includes(dataset)) {
          return table as string;
        }
        return whole as string;
      },
    );

  async function createTable(project: string, dataset: string, body: Record<string, unknown>) {
    checkDataset(project, dataset);
    const reference = body.tableReference as { projectId?: unknown; datasetId?: unknown; tableId?: unknown };
    const tableId = reference?.tableId;
    if (typeof tableId !== 'string' || !/^[A-Za-z0-9_]+$/.test(tableId)) {
      refuse(400, 'invalid', 'tableReference.tableId is required');
    }
    const key = tableKey(project, dataset, tableId as string);
    if (tables.has(key)) refuse(409, 'duplicate', `Already Exists: Table ${key}`);
    const view = body.view as { query?: unknown; useLegacySql?: unknown } | undefined;
    if (view) {
      if (view.useLegacySql !== false)
        refuse(400, 'invalid', 'A GoogleSQL view needs view.useLegacySql false');
      if (typeof view.query !== 'string') refuse(400, 'invalid', 'view.query is required');
      await serial(() =>
        connection.run(`CREATE VIEW ${tableId} AS ${unqualified(view.query as string)}`),
      ).catch((error: unknown) => refuse(400, 'invalidQuery', String(error)));
      tables.set(key, { kind: 'view', resource: body, fields: [] });
    } else {
      const fields = (body.schema as { fields?: unknown } | undefined)?.fields;
      if (!Array.isArray(fields) || fields.length === 0) refuse(400, 'invalid', 'schema.fields is required');
      const partitioning = body.timePartitioning as { type?: unknown; field?: unknown } | undefined;
      if (partitioning) {
        const partitionField = (fields as Field[]).find((field) => field.name === partitioning.field);
        if (
          partitioning.type !== 'DAY' ||
          !partitionField ||
          !['DATE', 'TIMESTAMP'].includes(partitionField.type)
        ) {
          refuse(400, 'invalid', 'timePartitioning: type DAY on a DATE or TIMESTAMP column');
        }
      }
      const columns = (fields as Field[]).map(
        (field) => `${field.name} ${duckDbTypeOf(field.type)}${field.mode === 'REQUIRED' ? ' NOT NULL' : ''}`,
      );
      await serial(() => connection.run(`CREATE TABLE ${tableId} (${columns.join(', ')})`));
      tables.set(key, { kind: 'table', resource: body, fields: fields as Field[] });
    }
    return { kind: 'bigquery#table', id: `${project}:${dataset}.${tableId}`, ...body };
  }

  async function insertAll(project: string, dataset: string, table: string, body: Record<string, unknown>) {
    checkDataset(project, dataset);
    const state = tables.get(tableKey(project, dataset, table));
    if (state?.kind !== 'table')
      return refuse(404, 'notFound', `Not found: Table ${project}:${dataset}.${table}`);
    const rows = body.rows;
    if (!Array.isArray(rows) || rows.length === 0) return refuse(400, 'invalid', 'rows is required');
    if (rows.length > 50_000) return refuse(400, 'invalid', 'too many rows');
    const skipInvalid = body.skipInvalidRows === true;
    const ignoreUnknown = body.ignoreUnknownValues === true;
    const errors: { index: number; errors: { reason: string; message: string }[] }[] = [];
    const valid: { index: number; insertId: string | undefined; values: unknown[] }[] = [];
    rows.forEach((row: unknown, index) => {
      const { insertId, json } = (row ?? {}) as { insertId?: unknown; json?: unknown };
      if (insertId !== undefined && typeof insertId !== 'string') {
        errors.push({ index, errors: [{ reason: 'invalid', message: 'insertId must be a string' }] });
        return;
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        errors.push({ index, errors: [{ reason: 'invalid', message: 'json must be an object' }] });
        return;
      }
      const problems = checkRow(state.fields, json as Record<string, unknown>, ignoreUnknown);
      if (problems.length > 0) {
        errors.push({ index, errors: problems.map((message) => ({ reason: 'invalid', message })) });
        return;
      }
      valid.push({
        index,
        insertId,
        values: state.fields.map((field) => (json as Record<string, unknown>)[field.name] ?? null),
      });
    });
    if (errors.length > 0 && !skipInvalid) {
      const failed = new Set(errors.map((error) => error.index));
      const stopped = valid
        .filter((row) => !failed.has(row.index))
        .map((row) => ({ index: row.index, errors: [{ reason: 'stopped', message: '' }] }));
      return { kind: 'bigquery#tableDataInsertAllResponse', insertErrors: [...errors, ...stopped] };
    }
    const placeholders = state.fields
      .map((field, i) => `CAST($${i + 1} AS ${duckDbTypeOf(field.type)})`)
      .join(', ');
    for (const row of valid) {
      if (row.insertId !== undefined && insertIds.has(row.insertId)) continue;
      const values = row.values.map((value, i) => duckDbInput(value, state.fields[i] as Field));
      await serial(() => connection.run(`INSERT INTO ${table} VALUES (${placeholders})`, values));
      if (row.insertId !== undefined) insertIds.add(row.insertId);
    }
    return errors.length > 0
      ? { kind: 'bigquery#tableDataInsertAllResponse', insertErrors: errors }
      : { kind: 'bigquery#tableDataInsertAllResponse' };
  }

  function queryParameters(body: Record<string, unknown>): Record<string, WarehouseParam> {
    const parameters = body.queryParameters;
    if (parameters === undefined) return {};
    if (!Array.isArray(parameters)) return refuse(400, 'invalid', 'queryParameters must be a list');
    if (String(body.parameterMode ?? '').toUpperCase() !== 'NAMED') {
      return refuse(400, 'invalid', 'parameterMode must be NAMED for @name parameters');
    }
    const values: Record<string, WarehouseParam> = {};
    for (const parameter of parameters as Record<string, unknown>[]) {
      const name = parameter.name;
      const type = (parameter.parameterType as { type?: unknown } | undefined)?.type;
      const value = (parameter.parameterValue as { value?: unknown } | undefined)?.value;
      if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        return refuse(400, 'invalid', 'a NAMED parameter needs a name');
      }
      if (typeof type !== 'string' || !PARAMETER_TYPES.has(type)) {
        return refuse(400, 'invalid', `parameter ${name}: parameterType.type must be a scalar type`);
      }
      if (value === undefined || value === null) {
        values[name] = null;
        continue;
      }
      // Documented as a string; the client library sends numbers and booleans as JSON values, which BigQuery takes.
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        return refuse(400, 'invalid', `parameter ${name}: parameterValue.value is a scalar`);
      }
      const text = String(value);
      if (type === 'INT64') {
        if (!/^-?\d+$/.test(text)) return refuse(400, 'invalid', `parameter ${name}: not an INT64`);
        values[name] = Number(text);
      } else if (type === 'FLOAT64' || type === 'NUMERIC') values[name] = Number(text);
      else if (type === 'BOOL') values[name] = text.toLowerCase() === 'true';
      else if (type === 'TIMESTAMP') {
        const date = new Date(text.replace(' ', 'T'));
        if (Number.isNaN(date.getTime())) return refuse(400, 'invalid', `parameter ${name}: not a TIMESTAMP`);
        values[name] = date;
      } else values[name] = text;
    }
    return values;
  }

  async function runQuery(project: string, body: Record<string, unknown>) {
    if (project !== options.projectId) return refuse(404, 'notFound', `Not found: Project ${project}`);
    if (body.useLegacySql !== false) return refuse(400, 'invalid', 'useLegacySql must be false (GoogleSQL)');
    if (typeof body.query !== 'string' || body.query === '')
      return refuse(400, 'invalid', 'query is required');
    const defaultDataset = body.defaultDataset as { projectId?: unknown; datasetId?: unknown } | undefined;
    if (defaultDataset)
      checkDataset(String(defaultDataset.projectId ?? project), String(defaultDataset.datasetId));
    const params = queryParameters(body);
    const useInt64Timestamp =
      (body.formatOptions as { useInt64Timestamp?: unknown } | undefined)?.useInt64Timestamp === true;
    let result: TypedResult;
    try {
      result = await serial(() =>
        runReadOnlyQuery(connection, unqualified(body.query as string), params, 1_000_000),
      );
    } catch (error) {
      return refuse(400, 'invalidQuery', (error as Error).message);
    }
    const jobReference = {
      projectId: project,
      jobId: `job_${randomBytes(8).toString('hex')}`,
      ...(typeof body.location === 'string' ? { location: body.location } : {}),
    };
    if (delayed > 0) {
      delayed -= 1;
      pending.set(jobReference.jobId, { result, useInt64Timestamp });
      return { kind: 'bigquery#queryResponse', jobReference, jobComplete: false };
    }
    const maxResults = typeof body.maxResults === 'number' ? body.maxResults : undefined;
    return queryResponse(result, useInt64Timestamp, jobReference, maxResults);
  }

  const queryResponse = (
    result: TypedResult,
    useInt64Timestamp: boolean,
    jobReference: Record<string, unknown>,
    maxResults: number | undefined,
  ) => {
    const fields = result.columns.map((column) => ({
      name: column.name,
      type: bigQueryTypeOf(column.typeId, column.alias),
      mode: 'NULLABLE',
    }));
    const rows = maxResults === undefined ? result.rows : result.rows.slice(0, maxResults);
    return {
      kind: 'bigquery#queryResponse',
      schema: { fields },
      jobReference,
      totalRows: String(result.rows.length),
      rows: rows.map((row) => ({
        f: row.map((value, i) => ({ v: wireValue(value, fields[i]?.type, useInt64Timestamp) })),
      })),
      ...(rows.length < result.rows.length ? { pageToken: 'more' } : {}),
      jobComplete: true,
      cacheHit: false,
    };
  };

  async function route(req: IncomingMessage, path: string, body: unknown): Promise<unknown> {
    if (failStatus !== undefined) {
      const status = failStatus;
      failStatus = undefined;
      throw new BigQueryHttpError(
        status,
        status >= 500 ? 'backendError' : 'invalid',
        `Injected HTTP ${status}`,
      );
    }
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    // ['bigquery', 'v2', 'projects', p, ...]
    if (segments[0] !== 'bigquery' || segments[1] !== 'v2' || segments[2] !== 'projects' || !segments[3]) {
      return refuse(404, 'notFound', `No such path ${path}`);
    }
    const [project, ...rest] = segments.slice(3) as [string, ...string[]];
    const object = (body ?? {}) as Record<string, unknown>;
    if (req.method === 'POST' && rest.length === 1 && rest[0] === 'queries') return runQuery(project, object);
    if (req.method === 'GET' && rest.length === 2 && rest[0] === 'queries') {
      const job = pending.get(rest[1] as string);
      if (!job) return refuse(404, 'notFound', `Not found: Job ${project}:${rest[1]}`);
      const url = new URL(req.url ?? '/', 'http://fake');
      const maxResults = url.searchParams.get('maxResults');
      const int64 = url.searchParams.get('formatOptions.useInt64Timestamp');
      return queryResponse(
        job.result,
        int64 === null ? job.useInt64Timestamp : int64 === 'true',
        { projectId: project, jobId: rest[1] },
        maxResults === null ? undefined : Number(maxResults),
      );
    }
    if (rest[0] === 'datasets' && rest[1] && rest[2] === 'tables') {
      const dataset = rest[1];
      if (req.method === 'POST' && rest.length === 3) return createTable(project, dataset, object);
      if (req.method === 'GET' && rest.length === 4) {
        checkDataset(project, dataset);
        const state = tables.get(tableKey(project, dataset, rest[3] as string));
        if (!state)
          throw new BigQueryHttpError(404, 'notFound', `Not found: Table ${project}:${dataset}.${rest[3]}`);
        return { kind: 'bigquery#table', id: `${project}:${dataset}.${rest[3]}`, ...state.resource };
      }
      if (req.method === 'POST' && rest.length === 5 && rest[4] === 'insertAll') {
        return insertAll(project, dataset, rest[3] as string, object);
      }
    }
    return refuse(404, 'notFound', `No such method ${req.method} ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new BigQueryHttpError(413, 'invalid', 'Request too large');
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0] as string;
    if (path === '/token' && req.method === 'POST') {
      if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        refusals.push('token: not form-encoded');
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}');
        return;
      }
      exchangeToken(new URLSearchParams(text), res);
      return;
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expires = token === undefined ? undefined : tokens.get(token);
    if (expires === undefined || expires < Date.now()) {
      refuse(401, 'authError', 'Request had invalid authentication credentials.');
    }
    let body: unknown;
    if (text !== '') {
      if (!String(req.headers['content-type']).includes('application/json')) {
        refuse(400, 'invalid', 'Bodies are JSON');
      }
      try {
        body = JSON.parse(text);
      } catch {
        refuse(400, 'parseError', 'The body is not JSON');
      }
    }
    requests.push({ method: req.method ?? 'GET', path, body });
    const answer = await route(req, path, body);
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(answer));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof BigQueryHttpError ? error.status : 500;
      const reason = error instanceof BigQueryHttpError ? error.reason : 'internalError';
      const message = error instanceof Error ? error.message : 'Internal error';
      if (res.headersSent) return void res.destroy();
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(
        JSON.stringify({
          error: {
            code: status,
            message,
            errors: [{ message, domain: 'global', reason }],
            status: STATUS_NAMES[status] ?? 'UNKNOWN',
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    tokenUrl: `${endpoint}/token`,
    requests,
    refusals,
    forgetInsertIds: () => insertIds.clear(),
    delayQueries: (count) => {
      delayed = count;
    },
    failNext: (status) => {
      failStatus = status;
    },
    async storedRows(table) {
      const result = await serial(() =>
        runReadOnlyQuery(connection, `SELECT COUNT(*) AS n FROM ${table}`, {}, 1),
      );
      return Number(result.rows[0]?.[0] ?? 0);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue;
      connection.closeSync();
      instance.closeSync();
    },
  };
}

function duckDbTypeOf(type: string): string {
  switch (type) {
    case 'STRING':
      return 'VARCHAR';
    case 'INT64':
    case 'INTEGER':
      return 'BIGINT';
    case 'FLOAT64':
    case 'FLOAT':
      return 'DOUBLE';
    case 'BOOL':
    case 'BOOLEAN':
      return 'BOOLEAN';
    case 'TIMESTAMP':
      return 'TIMESTAMP';
    case 'DATE':
      return 'DATE';
    case 'JSON':
      return 'JSON';
    default:
      throw new BigQueryHttpError(400, 'invalid', `The stand-in does not know the type ${type}`);
  }
}

/** BigQuery's REST names for result columns (legacy names, as BigQuery answers them). */
function bigQueryTypeOf(typeId: DuckDBTypeId, alias: string | undefined): string {
  if (alias === 'JSON') return 'JSON';
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return 'INTEGER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'FLOAT';
    case DuckDBTypeId.DECIMAL:
      return 'NUMERIC';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP';
    case DuckDBTypeId.DATE:
      return 'DATE';
    default:
      return 'STRING';
  }
}

/** A normalised value as BigQuery's REST API writes it: every value a string. */
function wireValue(value: unknown, type: string | undefined, useInt64Timestamp: boolean): string | null {
  if (value === null || value === undefined) return null;
  if (type === 'TIMESTAMP') {
    const ms = Date.parse(String(value));
    return useInt64Timestamp ? String(BigInt(ms) * 1000n) : (ms / 1000).toExponential();
  }
  return String(value);
}

/** Problems with one insertAll row against the table's schema (BigQuery's `invalid` reasons). */
function checkRow(fields: readonly Field[], json: Record<string, unknown>, ignoreUnknown: boolean): string[] {
  const problems: string[] = [];
  const known = new Set(fields.map((field) => field.name));
  if (!ignoreUnknown) {
    for (const name of Object.keys(json)) if (!known.has(name)) problems.push(`no such field: ${name}.`);
  }
  for (const field of fields) {
    const value = json[field.name];
    if (value === undefined || value === null) {
      if (field.mode === 'REQUIRED') problems.push(`Missing required field: ${field.name}.`);
      continue;
    }
    const ok = (() => {
      switch (field.type) {
        case 'STRING':
          return typeof value === 'string';
        case 'INT64':
        case 'INTEGER':
          return (
            (typeof value === 'number' && Number.isInteger(value)) ||
            (typeof value === 'string' && /^-?\d+$/.test(value))
          );
        case 'FLOAT64':
        case 'FLOAT':
          return typeof value === 'number' || (typeof value === 'string' && !Number.isNaN(Number(value)));
        case 'BOOL':
        case 'BOOLEAN':
          return typeof value === 'boolean';
        case 'TIMESTAMP':
          return (typeof value === 'string' && !Number.isNaN(Date.parse(value))) || typeof value === 'number';
        case 'DATE':
          return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
        case 'JSON':
          if (typeof value !== 'string') return typeof value === 'object';
          try {
            JSON.parse(value);
            return true;
          } catch {
            return false;
          }
        default:
          return false;
      }
    })();
    if (!ok) problems.push(`Cannot convert value to ${field.type}: ${field.name}.`);
  }
  return problems;
}

function duckDbInput(value: unknown, field: Field): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (field.type === 'TIMESTAMP') {
    const date = typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
    return date.toISOString().replace('T', ' ').replace('Z', '');
  }
  if (field.type === 'JSON') return typeof value === 'string' ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}
