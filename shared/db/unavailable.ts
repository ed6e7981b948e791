import { anyInCauseChain } from '../errors.ts';
import { SOCKET_FAILURE_CODES } from '../socket-failures.ts';

/**
 * Which database failures mean "the database is down or overloaded" rather than "this statement
 * is wrong". The former are not the caller's fault and usually pass: the edge answers them 503
 * with Retry-After instead of 500 (`shared/runtime/dependency-failure.ts`).
 */

/** mysql2 client-side codes for a connection that could not be made, was lost or timed out. */
const CONNECTION_CODES = new Set([
  ...SOCKET_FAILURE_CODES,
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'POOL_CLOSED',
]);

/**
 * Server error numbers that say the server cannot serve now: too many connections (1040), host
 * blocked or out of resources (1041, 1129), shutting down (1053, 1077, 1078, 1079, 1927, 4031: the
 * client was disconnected), a lock wait timeout or deadlock that outlived the transaction's own
 * retries (1205, 1213), a read-only server during a failover (1290, 1836), a query killed by the
 * server (1317, 3024 max_execution_time, 1969 MariaDB max_statement_time).
 */
const SERVER_ERRNOS = new Set([
  1040, 1041, 1053, 1077, 1078, 1079, 1129, 1205, 1213, 1290, 1317, 1836, 1927, 1969, 3024, 4031,
]);

interface MysqlLikeError {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly fatal?: unknown;
  readonly sqlState?: unknown;
}

/**
 * True for an error (or one in its `cause` chain) that a mysql2 client raises when the database is
 * unreachable, lost the connection, timed out or refuses work for now. A statement error (syntax,
 * constraint, bad value) is false: retrying it cannot help.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return anyInCauseChain(err, (error) => {
    const { code, errno, fatal, sqlState } = error as MysqlLikeError;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    if (typeof errno === 'number' && SERVER_ERRNOS.has(errno)) return true;
    // SQLSTATE class 08 is "connection exception" in every SQL dialect.
    if (typeof sqlState === 'string' && sqlState.startsWith('08')) return true;
    // mysql2 marks errors after which the connection is unusable; none comes from a bad statement.
    return fatal === true;
  });
}
