import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { AppError, anyInCauseChain, DependencyUnavailableError } from '../errors.ts';
import { SOCKET_FAILURE_CODES } from '../socket-failures.ts';

/**
 * Socket and HTTP-client codes of a dependency that did not answer (fetch/undici, node:http,
 * ethers). Adapters usually wrap these already (object storage, chain); this catches what slips by.
 */
const NETWORK_CODES = new Set([
  ...SOCKET_FAILURE_CODES,
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'NETWORK_ERROR',
  'TIMEOUT',
]);

function isNetworkFailure(err: unknown): boolean {
  return anyInCauseChain(err, ({ code }) => typeof code === 'string' && NETWORK_CODES.has(code));
}

/**
 * What the edge answers for a failure no handler mapped: a database or network dependency that
 * is down or timing out becomes DependencyUnavailableError (503 + Retry-After, the original kept
 * as `cause` for the log); anything else is returned unchanged (an AppError keeps its status,
 * the rest stays a 500).
 */
export function classifyFailure(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) {
    return new DependencyUnavailableError('The database is unavailable; retry later.', { cause: err });
  }
  if (isNetworkFailure(err)) {
    return new DependencyUnavailableError('A service this call needs did not answer; retry later.', {
      cause: err,
    });
  }
  return err;
}
