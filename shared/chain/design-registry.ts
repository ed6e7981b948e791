import type { Contract, Interface } from 'ethers';
import { DependencyUnavailableError } from '../errors.ts';
import { isNodeUnreachable } from './node-errors.ts';
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

export interface RegistrationEvent {
  readonly txHash: string;
  readonly blockNumber: number;
}

/** The registry's custom errors as they come out of revert data; ids and addresses in lowercase hex. */
export type DesignRegistryRevert =
  | {
      readonly name: 'DesignAlreadyRegistered';
      readonly args: {
        readonly fingerprint: string;
        readonly designId: string;
        readonly creator: string;
        readonly registeredAt: number;
      };
    }
  | { readonly name: 'InvalidRegistration'; readonly args: Record<string, never> };

const BYTES16 = /^0x[0-9a-fA-F]{32}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function hexArg(name: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value))
    throw new RangeError(`${name} is not ${pattern === BYTES16 ? 16 : 32} bytes of hex`);
  return value.toLowerCase();
}

type EthersModule = typeof import('ethers');

/** Reads the registry and encodes calls to it; sending is the relayer's job (tx-relayer.ts). */
export class DesignRegistry {
  readonly address: string;
  private readonly contract: Contract;
  private readonly abi: Interface;
  private readonly client: ChainClient;
  private readonly ethers: EthersModule;

  private constructor(ethers: EthersModule, client: ChainClient, contract: Contract, address: string) {
    this.ethers = ethers;
    this.client = client;
    this.contract = contract;
    this.abi = contract.interface;
    this.address = address;
  }

  static async connect(client: ChainClient, address: string): Promise<DesignRegistry> {
    const ethers = await import('ethers');
    const contract = new ethers.Contract(address, DESIGN_REGISTRY_ABI, client.provider);
    return new DesignRegistry(ethers, client, contract, ethers.getAddress(address));
  }

  /** Calldata for register(fingerprint, designId, creator). */
  encodeRegister(fingerprint: string, designId: string, creator: string): string {
    return this.abi.encodeFunctionData('register', [
      hexArg('fingerprint', fingerprint, BYTES32),
      hexArg('designId', designId, BYTES16),
      this.ethers.getAddress(creator),
    ]);
  }

  /** One of the registry's custom errors in revert data; undefined for anything else. */
  decodeRevert(data: string): DesignRegistryRevert | undefined {
    let parsed: ReturnType<Interface['parseError']>;
    try {
      parsed = this.abi.parseError(data);
    } catch {
      return undefined;
    }
    if (parsed?.name === 'InvalidRegistration') return { name: 'InvalidRegistration', args: {} };
    if (parsed?.name !== 'DesignAlreadyRegistered') return undefined;
    const [fingerprint, designId, creator, registeredAt] = parsed.args.toArray() as [
      string,
      string,
      string,
      bigint,
    ];
    return {
      name: 'DesignAlreadyRegistered',
      args: {
        fingerprint: fingerprint.toLowerCase(),
        designId: designId.toLowerCase(),
        creator: creator.toLowerCase(),
        registeredAt: Number(registeredAt),
      },
    };
  }

  async designOf(fingerprint: string): Promise<OnChainDesign | undefined> {
    const key = hexArg('fingerprint', fingerprint, BYTES32);
    const design = (await this.call(() => this.contract.getFunction('designOf')(key))) as {
      creator: string;
      registeredAt: bigint;
      designId: string;
    };
    if (design.creator === this.ethers.ZeroAddress) return undefined;
    return { creator: design.creator, registeredAt: Number(design.registeredAt), designId: design.designId };
  }

  /** The transaction that registered `fingerprint`, from its event; undefined until the node has it indexed. */
  async registrationOf(fingerprint: string): Promise<RegistrationEvent | undefined> {
    const topic = hexArg('fingerprint', fingerprint, BYTES32);
    const logs = await this.call(() =>
      this.client.provider.getLogs({
        address: this.address,
        fromBlock: 0,
        topics: [DESIGN_REGISTERED_TOPIC, topic],
      }),
    );
    const log = logs[0];
    return log === undefined ? undefined : { txHash: log.transactionHash, blockNumber: log.blockNumber };
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isNodeUnreachable(err))
        throw new DependencyUnavailableError('The chain node did not answer', { cause: err });
      throw err;
    }
  }
}
