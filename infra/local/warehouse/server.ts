/**
 * The local cloud's warehouse: DuckDB in a file under the data folder, standing in for BigQuery.
 * DuckDB lets one process write a file, and every function runs in processes of its own, so the
 * cloud holds the database and functions reach it through this loopback API (the adapter and the
 * wire format: shared/warehouse/local-warehouse.ts; the schema: docs/warehouse.md). Only
 * parameterised, read-only single statements are run; bodies are bounded before they are read.
 */
import { timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { decodePublishedEvent, MalformedPublishedEventError } from '#events/domain/stream-message.ts';
import { type DuckDbWarehouse, openDuckDbWarehouse } from '#shared/warehouse/duckdb-warehouse.ts';
import { decodeParams, LOCAL_WAREHOUSE_PATHS } from '#shared/warehouse/local-warehouse.ts';
import { WAREHOUSE_LIMITS, WarehouseQueryError } from '#shared/warehouse/warehouse.ts';
import { readBoundedText } from '../bounded-body.ts';
import { listen } from '../listen.ts';

export interface LocalWarehouseServerOptions {
  /** The DuckDB file (created with its folder), or `:memory:`. */
  readonly databaseFile: string;
  /** Bearer secret functions send (WAREHOUSE_TOKEN). */
  readonly token: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface RunningLocalWarehouse {
  /** `http://127.0.0.1:<port>` (WAREHOUSE_URL). */
  readonly url: string;
  /** The database itself, for tests and the bench (the cloud's process owns it). */
  readonly warehouse: DuckDbWarehouse;
  close(): Promise<void>;
}

/** 500 events of up to 16 KiB of payload each fit; the stream's 1 MB messages are exceptional. */
const MAX_INSERT_BODY_BYTES = 16 * 1024 * 1024;
/** The SQL's own bound plus room for parameters. */
const MAX_QUERY_BODY_BYTES = WAREHOUSE_LIMITS.maxSqlBytes + 64 * 1024;

export async function startLocalWarehouseServer(
  options: LocalWarehouseServerOptions,
): Promise<RunningLocalWarehouse> {
  const log = options.log ?? (() => {});
  if (options.databaseFile !== ':memory:') await mkdir(dirname(options.databaseFile), { recursive: true });
  const warehouse = await openDuckDbWarehouse({ path: options.databaseFile, dedupe: 'primary-key' });
  const secret = Buffer.from(options.token);

  const allowed = (req: IncomingMessage): boolean => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return false;
    const given = Buffer.from(match[1] as string);
    return given.length === secret.length && timingSafeEqual(given, secret);
  };

  const readJson = async (req: IncomingMessage, maxBytes: number): Promise<unknown | TooLarge> => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) return TOO_LARGE;
    const text = await readBoundedText(req, maxBytes);
    if (text === undefined) return TOO_LARGE;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') return json(res, 200, { status: 'ok' });
    if (path !== LOCAL_WAREHOUSE_PATHS.events && path !== LOCAL_WAREHOUSE_PATHS.query) {
      return problem(res, 404, 'not-found', 'No such path.');
    }
    if (req.method !== 'POST') return problem(res, 405, 'method-not-allowed', 'POST only.');
    if (!allowed(req)) return problem(res, 401, 'unauthorized', 'The warehouse needs its bearer token.');

    if (path === LOCAL_WAREHOUSE_PATHS.events) {
      const body = await readJson(req, MAX_INSERT_BODY_BYTES);
      if (body === TOO_LARGE) return problem(res, 413, 'too-large', 'The insert is too large.');
      const events = (body as { events?: unknown } | undefined)?.events;
      if (!Array.isArray(events) || events.length > WAREHOUSE_LIMITS.maxEventsPerInsert) {
        return problem(
          res,
          400,
          'validation',
          `events: up to ${WAREHOUSE_LIMITS.maxEventsPerInsert} published events.`,
        );
      }
      let decoded: ReturnType<typeof decodePublishedEvent>[];
      try {
        // The same check every stream consumer makes: the warehouse holds catalogue events only.
        decoded = events.map((event) => decodePublishedEvent(JSON.stringify(event)));
      } catch (error) {
        if (!(error instanceof MalformedPublishedEventError)) throw error;
        return problem(res, 400, 'validation', error.message);
      }
      return json(res, 200, await warehouse.insertEvents(decoded));
    }

    const body = await readJson(req, MAX_QUERY_BODY_BYTES);
    if (body === TOO_LARGE) return problem(res, 413, 'too-large', 'The query is too large.');
    const { sql, params } = (body ?? {}) as { sql?: unknown; params?: unknown };
    const decodedParams = decodeParams(params);
    if (typeof sql !== 'string' || sql.trim() === '' || decodedParams === undefined) {
      return problem(
        res,
        400,
        'validation',
        'sql: one statement; params: named string, number, boolean, null or {timestamp} values.',
      );
    }
    try {
      return json(res, 200, { rows: await warehouse.query(sql, decodedParams) });
    } catch (error) {
      if (error instanceof WarehouseQueryError) return problem(res, 400, 'query-refused', error.message);
      throw error;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log({ level: 'error', msg: 'warehouse request failed', error: String(error) });
      if (!res.headersSent) problem(res, 500, 'internal', 'The warehouse failed.');
      else res.destroy();
    });
  });
  let address: Awaited<ReturnType<typeof listen>>;
  try {
    address = await listen(server, options.port ?? 0, '127.0.0.1', 'the local warehouse');
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  const url = `http://127.0.0.1:${address.port}`;
  log({ level: 'info', msg: 'warehouse listening', url, file: options.databaseFile });

  return {
    url,
    warehouse,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await warehouse.close();
    },
  };
}

const TOO_LARGE = Symbol('too large');
type TooLarge = typeof TOO_LARGE;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, slug: string, detail: string): void {
  res
    .writeHead(status, { 'content-type': 'application/problem+json' })
    .end(JSON.stringify({ type: `https://forgecast.dev/problems/${slug}`, title: detail, status, detail }));
}
