import type { FieldPacket, QueryResult } from 'mysql2/promise';
import {
  type DbConnection,
  type DbPool,
  type TransactionOptions,
  type TransactionSession,
  withTransaction,
} from './pool.ts';

/**
 * Fewer round trips for a transaction on a hot path. Each statement sent alone is a socket write
 * and a wake-up on both sides (on a busy host, more of a short transaction's cost than the
 * statements themselves), and every one after a row lock is time that lock is held.
 *
 * withCoalescedTransaction runs `fn` like withTransaction, but START TRANSACTION travels with the
 * first statement `fn` sends, and writes `fn` hands to deferWrite (ones it reads nothing back
 * from) wait and travel with its next statement, or with COMMIT. Order is kept: a deferred write
 * runs before anything sent after it, so a later read sees it; an error in one fails the
 * statement it travelled with, and the transaction rolls back and retries as withTransaction's
 * does. Needs a pool created with `multipleStatements`; on any other connection (or outside such a
 * transaction) it is withTransaction and deferWrite sends the write at once, so callers work the
 * same either way.
 */
export function withCoalescedTransaction<T>(
  pool: DbPool,
  fn: (connection: DbConnection) => Promise<T>,
  options: Omit<TransactionOptions, 'session'> = {},
): Promise<T> {
  return withTransaction(pool, fn, { ...options, session: coalescedSession });
}

/** Sends the write now, or (in a coalesced transaction) with the next statement or the COMMIT. */
export async function deferWrite(
  connection: DbConnection | DbPool,
  sql: string,
  values: readonly unknown[],
): Promise<void> {
  const pending = (connection as { [PENDING]?: string[] })[PENDING];
  if (pending) pending.push(formatted(connection as DbConnection, sql, values));
  else await connection.query(sql, values as unknown[]);
}

const PENDING = Symbol('coalesced writes');

function coalescedSession(connection: DbConnection): TransactionSession {
  const multiple = (connection as unknown as { config?: { multipleStatements?: boolean } }).config
    ?.multipleStatements;
  if (!multiple) {
    return { connection, begin: () => connection.beginTransaction(), commit: () => connection.commit() };
  }
  const pending: string[] = [];
  const proxy = new Proxy(connection, {
    get(target, property) {
      if (property === PENDING) return pending;
      if (property === 'query') {
        return (sql: string | { sql: string }, values?: readonly unknown[]) =>
          pending.length === 0
            ? target.query(sql as string, values as unknown[])
            : sendWithPending(
                target,
                pending,
                formatted(target, typeof sql === 'string' ? sql : sql.sql, values),
              );
      }
      if (property === 'execute') {
        // A prepared statement cannot travel with others: the waiting writes go first, alone.
        return async (sql: string, values?: readonly unknown[]) => {
          if (pending.length > 0) await sendWithPending(target, pending, pending.pop() as string);
          return target.execute(sql, values as never);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    connection: proxy,
    begin: async () => {
      pending.push('START TRANSACTION');
    },
    commit: async () => {
      await sendWithPending(connection, pending, 'COMMIT');
    },
  };
}

/** `sql` with its values in, as the connection's query() would send it (its time zone and all). */
function formatted(connection: DbConnection, sql: string, values: readonly unknown[] | undefined): string {
  const core = (connection as unknown as { connection: { format(sql: string, values: unknown): string } })
    .connection;
  return values === undefined ? sql : core.format(sql, values);
}

/** The waiting writes and `sql` as one query; answers as `sql` alone would have. */
async function sendWithPending(
  connection: DbConnection,
  pending: string[],
  sql: string,
): Promise<[QueryResult, FieldPacket[]]> {
  const statements = [...pending.splice(0), sql];
  if (statements.length === 1) return connection.query(sql) as Promise<[QueryResult, FieldPacket[]]>;
  const [results, fields] = (await connection.query(statements.join(';\n'))) as unknown as [
    QueryResult[],
    FieldPacket[][],
  ];
  return [results.at(-1) as QueryResult, fields.at(-1) as FieldPacket[]];
}
