import type { JsonRpcProvider } from 'ethers';
import { DependencyUnavailableError } from '../errors.ts';

export interface ChainIdentity {
  readonly chainId: number;
  /**
   * The genesis block hash. The chain id alone cannot tell a reset chain from the one before it
   * (the local EDR chain starts again from block 0 at every start while the database persists),
   * so anything stored per chain is keyed by this.
   */
  readonly chainInstance: string;
}

export class ChainIdentityError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChainIdentityError';
  }
}

interface GenesisBlock {
  readonly hash?: unknown;
}

/** Asks the node for its chain id and genesis block in one round trip (ethers batches both). */
export async function readChainIdentity(provider: JsonRpcProvider): Promise<ChainIdentity> {
  let chainIdHex: unknown;
  let genesis: GenesisBlock | null;
  try {
    [chainIdHex, genesis] = (await Promise.all([
      provider.send('eth_chainId', []),
      provider.send('eth_getBlockByNumber', ['0x0', false]),
    ])) as [unknown, GenesisBlock | null];
  } catch (err) {
    throw new DependencyUnavailableError('The chain node did not answer', { cause: err });
  }
  if (typeof chainIdHex !== 'string' || !/^0x[0-9a-fA-F]+$/.test(chainIdHex)) {
    throw new ChainIdentityError(`The chain node answered eth_chainId with ${JSON.stringify(chainIdHex)}`);
  }
  const hash = genesis?.hash;
  if (typeof hash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(hash)) {
    throw new ChainIdentityError('The chain node has no genesis block hash to identify it by');
  }
  return { chainId: Number(BigInt(chainIdHex)), chainInstance: hash.toLowerCase() };
}
