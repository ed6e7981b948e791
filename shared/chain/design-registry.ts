import type { Contract, TransactionReceipt } from 'ethers';
import { DependencyUnavailableError } from '../errors.ts';
import type { ChainClient } from './provider.ts';

/**
 * DesignRegistry's interface, written out so functions need no artifact files at run time
 * (they are bundled); a unit test checks it against the compiled ABI.
 */
export const DESIGN_REGISTRY_ABI = [
  'function register(bytes32 fingerprint, bytes16 designId, address creator)',
  'function designOf(bytes32 fingerprint) view returns (tuple(address creator, uint64 registeredAt, bytes16 designId) design)',
  'event DesignRegistered(bytes32 indexed fingerprint, bytes16 indexed designId, address indexed creator, uint64 timestamp)',
  'error DesignAlreadyRegistered(bytes32 fingerprint, bytes16 designId, address creator, uint64 registeredAt)',
  'error InvalidRegistration()',
] as const;

/** keccak256("DesignRegistered(bytes32,bytes16,address,uint64)"): topic 0 of the registration event. */
export const DESIGN_REGISTERED_TOPIC = '0x75eda0e41aa160fa0700cc6e8db819454d9ad25d56847426115ad2bca7d63486';

export interface OnChainDesign {
  readonly creator: string;
  readonly registeredAt: number;
  readonly designId: string;
}

export class DesignRegistry {
  private readonly contract: Contract;
  readonly address: string;

  private constructor(contract: Contract, address: string) {
    this.contract = contract;
    this.address = address;
  }

  static async connect(client: ChainClient, address: string): Promise<DesignRegistry> {
    const { Contract } = await import('ethers');
    return new DesignRegistry(new Contract(address, DESIGN_REGISTRY_ABI, client.wallet), address);
  }

  async designOf(fingerprint: string): Promise<OnChainDesign | undefined> {
    const design = (await this.call(() => this.contract.getFunction('designOf')(fingerprint))) as {
      creator: string;
      registeredAt: bigint;
      designId: string;
    };
    if (/^0x0{40}$/.test(design.creator)) return undefined;
    return { creator: design.creator, registeredAt: Number(design.registeredAt), designId: design.designId };
  }

  /** Sends the registration with an explicit nonce; returns the hash without waiting to be mined. */
  async sendRegister(fingerprint: string, designId: string, creator: string, nonce: number): Promise<string> {
    const tx = await this.call(() =>
      this.contract.getFunction('register').send(fingerprint, designId, creator, { nonce }),
    );
    return (tx as { hash: string }).hash;
  }

  async receipt(client: ChainClient, txHash: string, timeoutMs: number): Promise<TransactionReceipt | null> {
    return this.call(() => client.provider.waitForTransaction(txHash, 1, timeoutMs)).catch((err: unknown) => {
      if (err instanceof DependencyUnavailableError && /timeout/i.test(String(err.cause))) return null;
      throw err;
    });
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isNetworkFailure(err))
        throw new DependencyUnavailableError('The chain node did not answer', { cause: err });
      throw err;
    }
  }
}

function isNetworkFailure(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NETWORK_ERROR' || code === 'TIMEOUT' || code === 'SERVER_ERROR' || code === 'ECONNREFUSED';
}
