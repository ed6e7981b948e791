/**
 * Sends transactions from the one relayer key while many function instances do so at once.
 *
 * Nonces come from MySQL, not from the node: each one is taken, used to sign and stored together
 * with the signed bytes in one short database transaction, so none is ever reused or skipped. A
 * dry run comes first and a call that would revert never gets a nonce. Broadcasting happens after
 * the commit; whatever does not reach the node (network failure, dropped from the mempool) is
 * sent again, byte for byte, by `keep()`, which a scheduled function runs.
 */

import { log } from '../base/log.ts';
import type { DbPool } from '../db/pool.ts';
import { DependencyUnavailableError } from '../errors.ts';
import { readChainIdentity } from './chain-instance.ts';
import { nodeMessageOf } from './node-errors.ts';
import type { ChainClient } from './provider.ts';
import { RelayRequestError, UnknownTransactionError } from './relay-errors.ts';
import { type BroadcastOutcome, type Fees, type Receipt, RelayNode } from './relay-node.ts';
import {
  allocateAndStore,
  catchUpNonce,
  findRow,
  findRowsByRef,
  type LedgerKey,
  type LedgerRow,
  listUnsettled,
  markSent,
  markSettled,
  NonceRowMissingError,
  type RelayStatus,
  recordBroadcastError,
  type SignedTransaction,
  seedNonceRow,
} from './tx-ledger.ts';

export { RelayRequestError, TransactionRevertedError, UnknownTransactionError } from './relay-errors.ts';
export type { RelayStatus } from './tx-ledger.ts';

export interface RelayRequest {
  readonly to: string;
  readonly data: string;
  /** What the transaction does (`license.issue`); with `ref`, finds it again. At most 64 characters. */
  readonly purpose: string;
  /** The thing it is about (a license id). At most 128 characters. */
  readonly ref: string;
  /** Overrides the estimate plus headroom. */
  readonly gasLimit?: bigint;
}

export interface RelayedTransaction {
  readonly id: number;
  readonly nonce: number;
  readonly hash: string;
  readonly status: RelayStatus;
  readonly blockNumber?: number;
  readonly gasUsed?: bigint;
  readonly purpose: string;
  readonly ref: string;
  /** The chain (genesis hash) it was signed for; another instance's node will never mine it. */
  readonly chainInstance: string;
}

export interface KeepOptions {
  /** A sent transaction without a receipt for this long is checked for having been dropped. */
  readonly staleAfterMs?: number;
  /** Unsettled transactions looked at per pass, lowest nonce first. */
  readonly limit?: number;
}

export interface KeepReport {
  readonly rebroadcast: number;
  readonly mined: number;
  readonly reverted: number;
  readonly replaced: number;
  /** Reverted or replaced in this pass: their operations must be run again (a fresh submit). */
  readonly failed: readonly RelayedTransaction[];
}

type Ethers = typeof import('ethers');

/** Headroom over the estimate, in percent: state can change between the dry run and mining. */
const GAS_HEADROOM_PERCENT = 20n;
/**
 * A node that will not queue a nonce ahead of the one it expects (EDR with automine) is asked
 * again while the earlier nonce, signed by another instance a moment before, is still on its way.
 */
const NONCE_AHEAD_RETRY_DELAYS_MS = [5, 10, 20, 40, 80, 160, 320, 640];
const FIRST_POLL_MS = 25;

export class TxRelayer {
  readonly chainInstance: string;
  readonly chainId: number;
  readonly address: string;
  readonly #pool: DbPool;
  readonly #client: ChainClient;
  readonly #node: RelayNode;
  readonly #ethers: Ethers;
  #nonceRowSeeded = false;

  private constructor(
    pool: DbPool,
    client: ChainClient,
    ethers: Ethers,
    identity: { chainId: number; chainInstance: string },
  ) {
    this.#pool = pool;
    this.#client = client;
    this.#node = new RelayNode(client.provider, client.address);
    this.#ethers = ethers;
    this.chainId = identity.chainId;
    this.chainInstance = identity.chainInstance;
    this.address = client.address;
  }

  /** Learns the chain id and chain instance once; throws DependencyUnavailableError when the node is down. */
  static async create(pool: DbPool, client: ChainClient): Promise<TxRelayer> {
    const [ethers, identity] = await Promise.all([import('ethers'), readChainIdentity(client.provider)]);
    return new TxRelayer(pool, client, ethers, identity);
  }

  get #key(): LedgerKey {
    return { chainInstance: this.chainInstance, address: this.address };
  }

  /**
   * Dry-runs, allocates a nonce, signs, stores and broadcasts. Throws TransactionRevertedError
   * when the dry run reverts and DependencyUnavailableError when the node cannot be asked; in both
   * cases nothing is allocated. Once stored, the transaction is returned even if broadcasting
   * failed (status `signed`): `keep()` sends it later.
   */
  async submit(request: RelayRequest): Promise<RelayedTransaction> {
    const call = this.#normalise(request);
    const seedNeeded = !this.#nonceRowSeeded;
    const [estimate, fees, pendingCount] = await Promise.all([
      this.#node.estimateGas(call),
      this.#node.fees(),
      seedNeeded ? this.#node.transactionCount('pending') : Promise.resolve(0),
    ]);
    if (seedNeeded) await this.#seed(pendingCount);
    const gasLimit = call.gasLimit ?? estimate + (estimate * GAS_HEADROOM_PERCENT) / 100n;

    const stored = await this.#store(call, gasLimit, fees);
    const transaction: RelayedTransaction = {
      id: stored.id,
      nonce: stored.nonce,
      hash: stored.hash,
      status: 'signed',
      purpose: call.purpose,
      ref: call.ref,
      chainInstance: this.chainInstance,
    };
    return this.#broadcastNew(transaction, stored.rawTx);
  }

  /** One receipt lookup, no waiting; records what it finds. */
  async refresh(tx: RelayedTransaction | number): Promise<RelayedTransaction> {
    return (await this.#lookUp(typeof tx === 'number' ? tx : tx.id)).tx;
  }

  /** Polls until mined or reverted; when `timeoutMs` runs out the status is still `signed` or `sent`. */
  async waitForReceipt(tx: RelayedTransaction | number, timeoutMs: number): Promise<RelayedTransaction> {
    const id = typeof tx === 'number' ? tx : tx.id;
    const deadline = Date.now() + timeoutMs;
    let current = await this.#lookUp(id);
    let delayMs = FIRST_POLL_MS;
    while (!current.final && Date.now() < deadline) {
      await sleep(Math.min(delayMs, Math.max(0, deadline - Date.now())));
      delayMs = Math.min(delayMs * 2, Math.max(FIRST_POLL_MS, this.#client.provider.pollingInterval));
      current = await this.#lookUp(id);
    }
    return current.tx;
  }

  /** This relayer's transactions for one operation on this chain instance, in nonce order. */
  async findByRef(purpose: string, ref: string): Promise<RelayedTransaction[]> {
    return (await findRowsByRef(this.#pool, this.#key, purpose, ref)).map(toRelayed);
  }

  /**
   * The maintenance pass: settles what has a receipt, marks `replaced` what lost its nonce to
   * another transaction, and sends again, byte for byte, what never reached the node or was
   * dropped by it. Only this chain instance's transactions are looked at. Nonces the key used
   * outside the relayer are skipped from then on, so the next submit does not collide with them.
   */
  async keep(options: KeepOptions = {}): Promise<KeepReport> {
    const staleAfterMs = options.staleAfterMs ?? 30_000;
    const counts = { rebroadcast: 0, mined: 0, reverted: 0, replaced: 0 };
    const failed: RelayedTransaction[] = [];
    // The mined nonce is read before the receipts: a transaction mined in between then shows its
    // receipt, and is never mistaken for one whose nonce was used by someone else.
    const minedNonce = await this.#node.transactionCount('latest');
    if (await catchUpNonce(this.#pool, this.#key, minedNonce)) {
      log.warn('relayer key used outside the relayer: nonce series moved past its nonces', {
        chainInstance: this.chainInstance,
        minedNonce,
      });
    }
    const rows = await listUnsettled(this.#pool, this.#key, options.limit ?? 100);
    const receipts = await Promise.all(rows.map((row) => this.#node.receipt(row.hash)));

    for (const [index, row] of rows.entries()) {
      const receipt = receipts[index] ?? null;
      if (receipt !== null) {
        const { tx, changed } = await this.#settleWithReceipt(row, receipt);
        if (changed && tx.status === 'mined') counts.mined += 1;
        if (changed && tx.status === 'reverted') {
          counts.reverted += 1;
          failed.push(tx);
        }
      } else if (row.nonce < minedNonce) {
        const error = `nonce ${row.nonce} was used by another transaction`;
        if (await markSettled(this.#pool, row.id, { status: 'replaced', error })) {
          log.warn('relayer key used outside the relayer: transaction replaced', {
            txId: row.id,
            nonce: row.nonce,
            purpose: row.purpose,
            ref: row.ref,
          });
          counts.replaced += 1;
          failed.push({ ...toRelayed(row), status: 'replaced' });
        }
      } else if (
        row.status === 'signed' ||
        (row.idleMs >= staleAfterMs && !(await this.#node.knows(row.hash)))
      ) {
        if (await this.#rebroadcast(row)) counts.rebroadcast += 1;
      }
    }
    return { ...counts, failed };
  }

  #normalise(request: RelayRequest): RelayRequest {
    const { getAddress, isHexString } = this.#ethers;
    let to: string;
    try {
      to = getAddress(request.to);
    } catch (err) {
      throw new RelayRequestError(`Not an address: ${JSON.stringify(request.to)}`, { cause: err });
    }
    if (!isHexString(request.data) || request.data.length % 2 !== 0) {
      throw new RelayRequestError('Calldata must be 0x-prefixed hex bytes');
    }
    if (request.purpose.length === 0 || request.purpose.length > 64) {
      throw new RelayRequestError('A purpose has 1 to 64 characters');
    }
    if (request.ref.length === 0 || request.ref.length > 128) {
      throw new RelayRequestError('A ref has 1 to 128 characters');
    }
    if (request.gasLimit !== undefined && request.gasLimit <= 0n) {
      throw new RelayRequestError('A gas limit must be positive');
    }
    return { ...request, to };
  }

  async #seed(nodePendingCount: number): Promise<void> {
    await seedNonceRow(this.#pool, this.#key, nodePendingCount);
    this.#nonceRowSeeded = true;
  }

  async #store(call: RelayRequest, gasLimit: bigint, fees: Fees) {
    const meta = { to: call.to, purpose: call.purpose, ref: call.ref };
    const sign = (nonce: number) => this.#sign(call, nonce, gasLimit, fees);
    try {
      return await allocateAndStore(this.#pool, this.#key, meta, sign);
    } catch (err) {
      if (!(err instanceof NonceRowMissingError)) throw err;
      // Someone removed the row since this instance seeded it: seed again from the node.
      await this.#seed(await this.#node.transactionCount('pending'));
      return allocateAndStore(this.#pool, this.#key, meta, sign);
    }
  }

  async #sign(call: RelayRequest, nonce: number, gasLimit: bigint, fees: Fees): Promise<SignedTransaction> {
    const rawTx = await this.#client.wallet.signTransaction({
      ...fees,
      chainId: this.chainId,
      nonce,
      gasLimit,
      to: call.to,
      data: call.data,
      value: 0n,
    });
    return { rawTx, hash: this.#ethers.keccak256(rawTx) };
  }

  async #broadcastNew(transaction: RelayedTransaction, rawTx: string): Promise<RelayedTransaction> {
    let outcome = await this.#node.broadcast(rawTx);
    for (const delayMs of NONCE_AHEAD_RETRY_DELAYS_MS) {
      if (outcome.kind !== 'refused' || outcome.refusal !== 'nonce-ahead') break;
      await sleep(delayMs);
      outcome = await this.#node.broadcast(rawTx);
    }
    if (outcome.kind === 'accepted' || (outcome.kind === 'refused' && outcome.refusal === 'known')) {
      await markSent(this.#pool, transaction.id);
      return { ...transaction, status: 'sent' };
    }
    if (outcome.kind === 'refused' && outcome.refusal === 'nonce-used') {
      // Already mined (a keeper was faster) or taken by another transaction: the receipt tells;
      // without one, the keeper marks it replaced once it sees the nonce mined.
      const refreshed = await this.refresh(transaction.id).catch(() => transaction);
      if (isSettled(refreshed.status)) return refreshed;
    }
    await this.#noteUnsent(transaction, outcome);
    return transaction;
  }

  async #rebroadcast(row: LedgerRow): Promise<boolean> {
    const outcome = await this.#node.broadcast(row.rawTx);
    if (outcome.kind === 'unreachable') {
      throw new DependencyUnavailableError('The chain node did not answer', { cause: outcome.error });
    }
    if (outcome.kind === 'accepted' || outcome.refusal === 'known') {
      await markSent(this.#pool, row.id);
      return outcome.kind === 'accepted';
    }
    // A used nonce is settled by the next pass (receipt or replaced); the rest waits for an operator.
    await this.#noteUnsent(toRelayed(row), outcome);
    return false;
  }

  async #noteUnsent(transaction: RelayedTransaction, outcome: BroadcastOutcome): Promise<void> {
    if (outcome.kind === 'accepted') return;
    const message = nodeMessageOf(outcome.error);
    log.warn('relayed transaction not broadcast; the keeper will send it again', {
      txId: transaction.id,
      nonce: transaction.nonce,
      purpose: transaction.purpose,
      reason: outcome.kind === 'refused' ? outcome.refusal : 'unreachable',
      detail: message,
    });
    await recordBroadcastError(this.#pool, transaction.id, message);
  }

  /**
   * The row as it stands after one receipt lookup. `final` when nothing more can change it from
   * here: settled, or stored for another chain instance (whose node this relayer cannot ask).
   */
  async #lookUp(id: number): Promise<{ tx: RelayedTransaction; final: boolean }> {
    const row = await this.#row(id);
    if (isSettled(row.status) || row.chainInstance !== this.chainInstance) {
      return { tx: toRelayed(row), final: true };
    }
    const receipt = await this.#node.receipt(row.hash);
    if (receipt === null) return { tx: toRelayed(row), final: false };
    return { tx: (await this.#settleWithReceipt(row, receipt)).tx, final: true };
  }

  /** `changed` is false when another instance recorded the outcome first. */
  async #settleWithReceipt(
    row: LedgerRow,
    receipt: Receipt,
  ): Promise<{ tx: RelayedTransaction; changed: boolean }> {
    if (await markSettled(this.#pool, row.id, receipt)) {
      return { tx: { ...toRelayed(row), ...receipt }, changed: true };
    }
    return { tx: toRelayed(await this.#row(row.id)), changed: false };
  }

  async #row(id: number): Promise<LedgerRow> {
    const row = await findRow(this.#pool, id);
    if (row === undefined) throw new UnknownTransactionError(id);
    return row;
  }
}

function isSettled(status: RelayStatus): boolean {
  return status === 'mined' || status === 'reverted' || status === 'replaced';
}

function toRelayed(row: LedgerRow): RelayedTransaction {
  return {
    id: row.id,
    nonce: row.nonce,
    hash: row.hash,
    status: row.status,
    ...(row.blockNumber === undefined ? {} : { blockNumber: row.blockNumber }),
    ...(row.gasUsed === undefined ? {} : { gasUsed: row.gasUsed }),
    purpose: row.purpose,
    ref: row.ref,
    chainInstance: row.chainInstance,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
