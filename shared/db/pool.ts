import type { Pool, PoolConnection, PoolOptions } from 'mysql2/promise';

export type DbPool = Pool;
export type DbConnection = PoolConnection;

export class DatabaseUrlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUrlError';
  }
}

export interface CreatePoolOptions {
  /** A function instance serves one call at a time, so a handful of connections is plenty. */
  readonly connectionLimit?: number;
  /**
   * Allow several statements per query: migrations, and the print ledger's one-round-trip
   * reservation (authorizePrint). It widens SQL-injection impact: values only through placeholders.
   */
  readonly multipleStatements?: boolean;
}

/**
 * Connection settings from a `mysql://user:password@host:port/database?ssl=required` URL.
 * `ssl=required` verifies the server certificate (HeatWave), `ssl=skip-verify` only encrypts.
 */
export function connectionOptionsFromUrl(url: string): PoolOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new DatabaseUrlError('The database URL is not a valid URL', { cause: err });
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new DatabaseUrlError(`The database URL must start with mysql://, got ${parsed.protocol}//`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const ssl = parsed.searchParams.get('ssl');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    ...(database === '' ? {} : { database }),
    ...(ssl === 'required' || ssl === 'true'
      ? { ssl: { rejectUnauthorized: true, minVersion: 'TLSv1.2' } }
      : ssl === 'skip-verify'
        ? { ssl: { rejectUnauthorized: false } }
        : {}),
  };
}

/** Options shared by pools and one-off connections, so every session behaves alike. */
export const SESSION_OPTIONS = {
  charset: 'utf8mb4_unicode_ci',
  // DATETIME columns hold UTC; the session time zone is pinned to UTC below so NOW(3) agrees.
  timezone: 'Z',
  dateStrings: false,
  supportBigNumbers: true,
  bigNumberStrings: false,
  // MariaDB stores JSON as LONGTEXT (returned as a string) while MySQL returns parsed
  // objects; asking for strings everywhere keeps both servers identical: callers JSON.parse.
  jsonStrings: true,
  connectTimeout: 10_000,
} as const satisfies PoolOptions;

export const UTC_SESSION_SQL = "SET time_zone = '+00:00'";

/**
 * A pool whose driver loads on first use. Functions build their pool at module scope, and loading
 * mysql2 (with iconv-lite's encoding tables) is the largest part of what a cold start evaluates
 * after the FDK; a call that never touches the database (liveness, a refused credential) should
 * not pay for it. The URL is checked now, so a bad one still stops the cold start. Before the
 * first query the pool offers `query`, `execute`, `getConnection` and `end`; afterwards every
 * member of mysql2's pool.
 */
export function createPool(url: string, options: CreatePoolOptions = {}): DbPool {
  const settings: PoolOptions = {
    ...connectionOptionsFromUrl(url),
    ...SESSION_OPTIONS,
    connectionLimit: options.connectionLimit ?? 4,
    maxIdle: options.connectionLimit ?? 4,
    idleTimeout: 60_000,
    enableKeepAlive: true,
    waitForConnections: true,
    queueLimit: 0,
    multipleStatements: options.multipleStatements ?? false,
    // A reset would drop the UTC session time zone set once per connection below.
    resetOnRelease: false,
  };
  let pool: Pool | undefined;
  let loading: Promise<Pool> | undefined;
  const loaded = () => {
    loading ??= import('mysql2/promise').then(({ default: mysql }) => {
      pool = mysql.createPool(settings);
      // The event hands over the callback-style connection; the query is queued ahead of any
      // statement the pool user sends on this connection.
      pool.pool.on('connection', (connection) => {
        connection.query(UTC_SESSION_SQL);
      });
      return pool;
    });
    return loading;
  };
  const beforeFirstUse: Record<string, unknown> = {
    query: async (...args: unknown[]) => ((await loaded()).query as (...a: unknown[]) => unknown)(...args),
    execute: async (...args: unknown[]) =>
      ((await loaded()).execute as (...a: unknown[]) => unknown)(...args),
    getConnection: async () => (await loaded()).getConnection(),
    end: async () => {
      if (loading) await (await loading).end();
    },
  };
  // A member assigned on the pool (a test counting round trips wraps getConnection) wins over
  // both the stand-ins and the loaded pool's own, as it would on a plain object.
  const assigned = new Map<PropertyKey, unknown>();
  return new Proxy(beforeFirstUse, {
    set(_target, property, value) {
      assigned.set(property, value);
      return true;
    },
    get(target, property) {
      if (assigned.has(property)) return assigned.get(property);
      if (pool) {
        const value: unknown = Reflect.get(pool, property);
        return typeof value === 'function' ? value.bind(pool) : value;
      }
      return Reflect.get(target, property);
    },
  }) as unknown as DbPool;
}

const DEADLOCK = 1213;
const LOCK_WAIT_TIMEOUT = 1205;

export function isRetryableTransactionError(err: unknown): boolean {
  const errno = (err as { errno?: unknown } | null)?.errno;
  return errno === DEADLOCK || errno === LOCK_WAIT_TIMEOUT;
}

export interface TransactionOptions {
  /** Extra attempts after a deadlock or lock wait timeout (the whole `fn` is re-run). */
  readonly retries?: number;
  /** How each attempt begins, hands out its connection and commits (see coalesced-writes.ts). */
  readonly session?: (connection: DbConnection) => TransactionSession;
}

export interface TransactionSession {
  readonly connection: DbConnection;
  begin(): Promise<void>;
  commit(): Promise<void>;
}

/**
 * Runs `fn` in a transaction on one pooled connection: commit on success, roll back on error.
 * Deadlocks and lock wait timeouts re-run `fn` from the start, so it must not have side
 * effects outside the database.
 */
export async function withTransaction<T>(
  pool: DbPool,
  fn: (connection: DbConnection) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const connection = await pool.getConnection();
    let broken = false;
    try {
      const session = options.session?.(connection) ?? {
        connection,
        begin: () => connection.beginTransaction(),
        commit: () => connection.commit(),
      };
      await session.begin();
      const result = await fn(session.connection);
      await session.commit();
      return result;
    } catch (err) {
      try {
        await connection.rollback();
      } catch {
        // A connection that cannot roll back must not go back into the pool.
        broken = true;
      }
      if (!isRetryableTransactionError(err) || attempt >= retries) throw err;
      await sleep(backoffMs(attempt));
    } finally {
      if (broken) connection.destroy();
      else connection.release();
    }
  }
}

function backoffMs(attempt: number): number {
  const base = 10 * 2 ** attempt;
  return base + Math.random() * base;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
