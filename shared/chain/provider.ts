/**
 * Chain port: one JSON-RPC provider plus one signing wallet. The same code talks to the local
 * EDR chain and to the production node (Besu); only `rpcUrl` and the key differ.
 *
 * ethers is imported lazily: it is large, and a function that never touches the chain must not
 * pay for it inside the 5 s Fn start-up window.
 */
import type { JsonRpcProvider, Wallet } from 'ethers';
import { DependencyUnavailableError } from '../errors.ts';

export interface ChainHealth {
  readonly chainId: number;
  readonly blockNumber: number;
  readonly latencyMs: number;
}

export interface ChainClient {
  readonly provider: JsonRpcProvider;
  /**
   * Signs with the client's key. Nonces come from the node per transaction, so exactly one
   * writer may use a key at a time (a queue-fed relayer), never concurrent function instances.
   */
  readonly wallet: Wallet;
  readonly address: string;
  /** eth_chainId + eth_blockNumber in one round trip; throws DependencyUnavailableError. */
  ping(): Promise<ChainHealth>;
  /** Stops the provider's timers and drops its connections. */
  close(): void;
}

export interface ChainClientOptions {
  readonly rpcUrl: string;
  readonly privateKey: string;
  /** Known chain id: saves even the single eth_chainId call ethers would make to learn it. */
  readonly chainId?: number;
  /** How often to look for a receipt; ethers' default (4 s) is slower than a 1 s block time. */
  readonly pollingIntervalMs?: number;
}

export async function createChainClient(options: ChainClientOptions): Promise<ChainClient> {
  const { JsonRpcProvider, Network, Wallet } = await import('ethers');
  const provider = new JsonRpcProvider(
    options.rpcUrl,
    options.chainId === undefined ? undefined : Network.from(options.chainId),
    {
      // Without staticNetwork ethers re-checks eth_chainId before many operations (an extra round
      // trip each); our network never changes under a running function, so learn it once.
      staticNetwork: true,
      // ethers answers identical requests from a 250 ms cache by default; two sends in a row then
      // read the same stale `eth_getTransactionCount` and collide on a nonce.
      cacheTimeout: -1,
      pollingInterval: options.pollingIntervalMs ?? 1000,
    },
  );
  const wallet = new Wallet(options.privateKey, provider);

  async function ping(): Promise<ChainHealth> {
    const startedAt = performance.now();
    try {
      // Sent together, ethers batches both into one HTTP request.
      const [chainIdHex, blockNumberHex] = (await Promise.all([
        provider.send('eth_chainId', []),
        provider.send('eth_blockNumber', []),
      ])) as [string, string];
      return {
        chainId: Number(BigInt(chainIdHex)),
        blockNumber: Number(BigInt(blockNumberHex)),
        latencyMs: Math.round(performance.now() - startedAt),
      };
    } catch (err) {
      throw new DependencyUnavailableError('The chain node did not answer', { cause: err });
    }
  }

  return {
    provider,
    wallet,
    address: wallet.address,
    ping,
    close: () => provider.destroy(),
  };
}
