import { describe, expect, it } from 'vitest';
import {
  broadcastRefusalOf,
  isNodeUnreachable,
  nodeMessageOf,
  revertDataOf,
} from '#shared/chain/node-errors.ts';

/** The shape ethers gives a JSON-RPC error it could not map to one of its own codes. */
const unmapped = (message: string) => ({ code: 'UNKNOWN_ERROR', error: { code: -32000, message } });
/** The shape ethers gives a JSON-RPC error it did map (the node's message sits under `info`). */
const mapped = (code: string, message: string) => ({ code, info: { error: { code: -32000, message } } });

describe('reading node refusals of a raw transaction', () => {
  // The local chain (EDR) only produces its own wording; geth's and Besu's are what production sees.
  it.each([
    ['geth', unmapped('already known'), 'known'],
    ['Besu', unmapped('Known transaction'), 'known'],
    [
      'EDR',
      unmapped('Known transaction: 0x5cb1307301e0e6380ace4a873f9b9f3d752d38e0bba86f20066585d7aa2d9975'),
      'known',
    ],
    ['geth', mapped('NONCE_EXPIRED', 'nonce too low: address 0xabc, tx: 3 state: 5'), 'nonce-used'],
    ['Besu', unmapped('Nonce too low'), 'nonce-used'],
    ['EDR', unmapped('Nonce too high. Expected nonce to be 1 but got 2.'), 'nonce-ahead'],
    ['Besu', unmapped('Transaction nonce is too distant from current sender nonce'), 'nonce-ahead'],
    ['geth', mapped('REPLACEMENT_UNDERPRICED', 'replacement transaction underpriced'), 'other'],
    ['Besu', unmapped('Upfront cost exceeds account balance'), 'other'],
  ] as const)('%s: %o is %s', (_node, error, refusal) => {
    expect(broadcastRefusalOf(error)).toBe(refusal);
  });

  it('prefers the node message over the wrapper', () => {
    expect(nodeMessageOf(mapped('NONCE_EXPIRED', 'Nonce too low'))).toBe('Nonce too low');
    expect(nodeMessageOf(new Error('socket hang up'))).toBe('socket hang up');
  });
});

describe('telling an unreachable node from a refusing one', () => {
  it('finds socket and HTTP failures, also under a cause', () => {
    expect(
      isNodeUnreachable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isNodeUnreachable({ code: 'SERVER_ERROR' })).toBe(true);
    const wrapped = new Error('request failed', {
      cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    });
    expect(isNodeUnreachable(wrapped)).toBe(true);
  });

  it('does not count a node answer as unreachable', () => {
    expect(isNodeUnreachable(unmapped('Known transaction'))).toBe(false);
    expect(isNodeUnreachable({ code: 'CALL_EXCEPTION', data: '0x' })).toBe(false);
    expect(isNodeUnreachable(undefined)).toBe(false);
  });
});

describe('revert data of a failed dry run', () => {
  it('returns the raw data, or 0x for a revert without any, and nothing for other failures', () => {
    expect(revertDataOf({ code: 'CALL_EXCEPTION', data: '0x186b844e' })).toBe('0x186b844e');
    expect(revertDataOf({ code: 'CALL_EXCEPTION', data: null })).toBe('0x');
    expect(revertDataOf({ code: 'INSUFFICIENT_FUNDS' })).toBeUndefined();
  });
});
