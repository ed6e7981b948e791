import type { Filter, JsonRpcProvider, Log } from 'ethers';
import { isNodeUnreachable } from '../chain/node-errors.ts';
import { DependencyUnavailableError } from '../errors.ts';

/** Besu refuses eth_getLogs over more than 5,000 blocks by default (--rpc-max-logs-range). */
export const MAX_LOG_RANGE_BLOCKS = 5_000;

/** The chain's head block number. */
export async function readHead(provider: JsonRpcProvider): Promise<number> {
  try {
    return await provider.getBlockNumber();
  } catch (err) {
    throw new DependencyUnavailableError('The chain node did not give its head block', { cause: err });
  }
}

/** eth_getLogs; an unreachable node becomes DependencyUnavailableError, anything else stays as is. */
export async function readLogs(provider: JsonRpcProvider, filter: Filter): Promise<Log[]> {
  try {
    return await provider.getLogs(filter);
  } catch (err) {
    if (isNodeUnreachable(err)) {
      throw new DependencyUnavailableError('The chain node did not give the contract events', { cause: err });
    }
    throw err;
  }
}
