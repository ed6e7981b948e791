/**
 * What the relayer asks the chain node, one JSON-RPC method each, with the node's failures sorted:
 * unreachable (DependencyUnavailableError), a reverting dry run (TransactionRevertedError), or a
 * refused broadcast (returned, not thrown: the caller decides what each refusal means).
 */
import type { JsonRpcProvider } from 'ethers';
import { DependencyUnavailableError } from '../errors.ts';
import {
  type BroadcastRefusal,
  broadcastRefusalOf,
  isNodeUnreachable,
  nodeMessageOf,
  revertDataOf,
} from './node-errors.ts';
import { TransactionRevertedError } from './relay-errors.ts';

export interface Fees {
  readonly type: 0 | 2;
  readonly gasPrice?: bigint;
  readonly maxFeePerGas?: bigint;
  readonly maxPriorityFeePerGas?: bigint;
}

export interface Receipt {
  readonly status: 'mined' | 'reverted';
  readonly blockNumber: number;
  readonly gasUsed: bigint;
}

export type BroadcastOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'unreachable'; readonly error: unknown }
  | { readonly kind: 'refused'; readonly refusal: BroadcastRefusal; readonly error: unknown };

export interface DryRunCall {
  readonly to: string;
  readonly data: string;
  readonly purpose: string;
  readonly ref: string;
}

interface RawReceipt {
  readonly status?: string;
  readonly blockNumber: string;
  readonly gasUsed: string;
}

export class RelayNode {
  readonly #provider: JsonRpcProvider;
  readonly #sender: string;

  constructor(provider: JsonRpcProvider, sender: string) {
    this.#provider = provider;
    this.#sender = sender;
  }

  /**
   * eth_estimateGas from the sender. Against `latest`, stated explicitly so every node answers the
   * same question: would this succeed on the chain as mined so far.
   */
  async estimateGas(call: DryRunCall): Promise<bigint> {
    try {
      const estimate: unknown = await this.#provider.send('eth_estimateGas', [
        { from: this.#sender, to: call.to, data: call.data },
        'latest',
      ]);
      return BigInt(String(estimate));
    } catch (err) {
      const data = isNodeUnreachable(err) ? undefined : revertDataOf(err);
      if (data !== undefined) {
        throw new TransactionRevertedError(
          `The dry run of ${call.purpose} ${call.ref} reverted: ${nodeMessageOf(err)}`,
          { data, purpose: call.purpose, ref: call.ref },
          { cause: err },
        );
      }
      throw new DependencyUnavailableError('The chain node could not dry-run the transaction', {
        cause: err,
      });
    }
  }

  /** EIP-1559 fees when the node's blocks carry a base fee, a legacy gas price otherwise. */
  async fees(): Promise<Fees> {
    try {
      const fees = await this.#provider.getFeeData();
      if (fees.maxFeePerGas !== null && fees.maxPriorityFeePerGas !== null) {
        return { type: 2, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
      }
      if (fees.gasPrice !== null) return { type: 0, gasPrice: fees.gasPrice };
    } catch (err) {
      throw new DependencyUnavailableError('The chain node did not give its fees', { cause: err });
    }
    throw new DependencyUnavailableError('The chain node gave neither a base fee nor a gas price');
  }

  /** The sender's transaction count: `latest` counts mined nonces, `pending` adds the mempool's. */
  async transactionCount(blockTag: 'latest' | 'pending'): Promise<number> {
    try {
      const count: unknown = await this.#provider.send('eth_getTransactionCount', [this.#sender, blockTag]);
      return Number(BigInt(String(count)));
    } catch (err) {
      throw new DependencyUnavailableError('The chain node did not give the relayer nonce', { cause: err });
    }
  }

  async broadcast(rawTx: string): Promise<BroadcastOutcome> {
    try {
      await this.#provider.send('eth_sendRawTransaction', [rawTx]);
      return { kind: 'accepted' };
    } catch (err) {
      if (isNodeUnreachable(err)) return { kind: 'unreachable', error: err };
      return { kind: 'refused', refusal: broadcastRefusalOf(err), error: err };
    }
  }

  async receipt(hash: string): Promise<Receipt | null> {
    let raw: RawReceipt | null;
    try {
      raw = (await this.#provider.send('eth_getTransactionReceipt', [hash])) as RawReceipt | null;
    } catch (err) {
      throw new DependencyUnavailableError('The chain node did not give a receipt', { cause: err });
    }
    if (raw === null) return null;
    return {
      status: raw.status === '0x0' ? 'reverted' : 'mined',
      blockNumber: Number(BigInt(raw.blockNumber)),
      gasUsed: BigInt(raw.gasUsed),
    };
  }

  /** Whether the node holds the transaction at all (mempool or chain). */
  async knows(hash: string): Promise<boolean> {
    try {
      return (await this.#provider.send('eth_getTransactionByHash', [hash])) !== null;
    } catch (err) {
      throw new DependencyUnavailableError('The chain node did not answer', { cause: err });
    }
  }
}
