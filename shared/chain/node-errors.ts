/**
 * Reading what went wrong in a JSON-RPC call made through ethers: the node could not be reached,
 * a contract call reverted, or the node refused a raw transaction (and why). Nodes word their
 * refusals differently (geth, Besu, EDR), so refusals are matched on the node's own message.
 */

/** Transport failures: Node's socket errors and ethers' wrappers for HTTP and time-outs. */
const UNREACHABLE_CODES = new Set([
  'NETWORK_ERROR',
  'TIMEOUT',
  'SERVER_ERROR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface ErrorShape {
  readonly code?: unknown;
  readonly data?: unknown;
  readonly cause?: unknown;
  readonly shortMessage?: unknown;
  readonly message?: unknown;
  readonly error?: { readonly message?: unknown };
  readonly info?: { readonly error?: { readonly message?: unknown } };
}

function shapeOf(err: unknown): ErrorShape {
  return typeof err === 'object' && err !== null ? (err as ErrorShape) : {};
}

export function isNodeUnreachable(err: unknown): boolean {
  let current: unknown = err;
  // ethers sometimes wraps the socket error; a short walk down `cause` finds it.
  for (let depth = 0; depth < 4 && current !== undefined; depth++) {
    const { code, cause } = shapeOf(current);
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    current = cause;
  }
  return false;
}

/** The node's JSON-RPC error message when there is one, else the best description ethers gives. */
export function nodeMessageOf(err: unknown): string {
  const shape = shapeOf(err);
  const message = shape.info?.error?.message ?? shape.error?.message ?? shape.shortMessage ?? shape.message;
  return typeof message === 'string' ? message : String(err);
}

/**
 * The raw revert data of a failed eth_call / eth_estimateGas (`0x` when the contract reverted
 * without any), or undefined when the failure was not a revert.
 */
export function revertDataOf(err: unknown): string | undefined {
  const { code, data } = shapeOf(err);
  if (code !== 'CALL_EXCEPTION') return undefined;
  return typeof data === 'string' && /^0x[0-9a-fA-F]*$/.test(data) ? data : '0x';
}

/**
 * Why a node refused eth_sendRawTransaction:
 * - `known`: it already holds this very transaction (sent earlier, maybe by another instance);
 * - `nonce-used`: the nonce is already taken on chain (by this transaction or another one);
 * - `nonce-ahead`: an earlier nonce has not reached the node yet (EDR with automine refuses to
 *   queue; other nodes refuse nonces too far ahead);
 * - `other`: anything else (underpriced, out of funds, malformed), kept for the operator.
 */
export type BroadcastRefusal = 'known' | 'nonce-used' | 'nonce-ahead' | 'other';

export function broadcastRefusalOf(err: unknown): BroadcastRefusal {
  const message = nodeMessageOf(err);
  if (/already known|known transaction|already imported|already in (the )?(tx ?|mem)?pool/i.test(message)) {
    return 'known';
  }
  if (shapeOf(err).code === 'NONCE_EXPIRED' || /nonce[ _]too[ _]low|old[ _]nonce/i.test(message)) {
    return 'nonce-used';
  }
  if (/nonce[ _]too[ _]high|too[ _]far[ _]in[ _](the[ _])?future|nonce is too distant/i.test(message)) {
    return 'nonce-ahead';
  }
  return 'other';
}
