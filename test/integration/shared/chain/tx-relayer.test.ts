import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Interface, Transaction } from 'ethers';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DESIGN_REGISTRY_ABI, DesignRegistry } from '#shared/chain/design-registry.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import {
  type RelayedTransaction,
  RelayRequestError,
  TransactionRevertedError,
  TxRelayer,
} from '#shared/chain/tx-relayer.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type LocalChain, startLocalChain } from '../../../../infra/local/chain.ts';
import { deployLocalContracts } from '../../../../infra/local/deploy-contracts.ts';

const registryInterface = new Interface(DESIGN_REGISTRY_ABI);
const CREATOR = '0x000000000000000000000000000000000000dEaD';
/** A bound on waiting, never an expectation about speed. */
const RECEIPT_WAIT_MS = 30_000;

interface Registration {
  readonly fingerprint: string;
  readonly designId: string;
  readonly data: string;
}

function registration(fingerprint = `0x${randomBytes(32).toString('hex')}`): Registration {
  const designId = `0x${randomBytes(16).toString('hex')}`;
  return {
    fingerprint,
    designId,
    data: registryInterface.encodeFunctionData('register', [fingerprint, designId, CREATOR]),
  };
}

/**
 * A JSON-RPC pass-through to a chain that can refuse broadcasts (the connection is dropped, as a
 * network failure would), hold them back until released, and be shut, leaving a port where
 * nothing answers.
 */
interface RpcProxy {
  readonly url: string;
  refuseBroadcasts(count: number): void;
  holdBroadcasts(): void;
  releaseBroadcasts(): void;
  readonly refusedBroadcasts: number;
  readonly heldBroadcasts: number;
  /** Broadcasts passed on to the chain and answered (accepted or refused by the node). */
  readonly answeredBroadcasts: number;
  /** Resolves once `condition` holds; checked whenever a broadcast is refused, held or answered. */
  until(condition: () => boolean): Promise<void>;
  close(): Promise<void>;
}

async function startRpcProxy(targetUrl: string): Promise<RpcProxy> {
  let refusalsLeft = 0;
  let holding = false;
  const held: Array<() => void> = [];
  const counts = { refused: 0, held: 0, answered: 0 };
  const waiters: Array<{ condition: () => boolean; resolve: () => void }> = [];
  const notify = () => {
    for (const waiter of [...waiters]) {
      if (!waiter.condition()) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };

  async function relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    const isBroadcast = body.includes('"eth_sendRawTransaction"');
    if (isBroadcast && refusalsLeft > 0) {
      refusalsLeft -= 1;
      counts.refused += 1;
      request.socket.destroy();
      notify();
      return;
    }
    if (isBroadcast && holding) {
      const released = new Promise<void>((resolve) => held.push(resolve));
      counts.held += 1;
      notify();
      await released;
    }
    const upstream = await fetch(targetUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    response.writeHead(upstream.status, { 'content-type': 'application/json' });
    response.end(await upstream.text());
    if (isBroadcast) {
      counts.answered += 1;
      notify();
    }
  }

  const server: Server = createServer((request, response) => {
    relay(request, response).catch(() => request.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    refuseBroadcasts(count) {
      refusalsLeft = count;
    },
    holdBroadcasts() {
      holding = true;
    },
    releaseBroadcasts() {
      holding = false;
      for (const release of held.splice(0)) release();
    },
    get refusedBroadcasts() {
      return counts.refused;
    },
    get heldBroadcasts() {
      return counts.held;
    },
    get answeredBroadcasts() {
      return counts.answered;
    },
    until(condition) {
      if (condition()) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ condition, resolve }));
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function genesisHashOf(rpcUrl: string): Promise<string> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x0', false] }),
  });
  return ((await response.json()) as { result: { hash: string } }).result.hash;
}

/**
 * EDR stamps its genesis block with the current second, so two chains started within the same
 * second are indistinguishable; start again until this one differs from those in `taken`.
 */
async function startDistinctChain(taken: ReadonlySet<string>): Promise<LocalChain> {
  for (let attempt = 0; attempt < 6; attempt++) {
    const chain = await startLocalChain();
    if (!taken.has(await genesisHashOf(chain.rpcUrl))) return chain;
    await chain.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error('Could not start a chain with a genesis block of its own');
}

describe('TxRelayer: database-allocated nonces on the local chain', () => {
  let db: TestDatabase;
  let chain: LocalChain;
  let registryAddress: string;
  /** The relayer key, used directly (not through TxRelayer) to inspect and disturb the chain. */
  let direct: ChainClient;
  let registry: DesignRegistry;
  let relayer: TxRelayer;
  const clients: ChainClient[] = [];
  const pools: DbPool[] = [];
  const proxies: RpcProxy[] = [];
  const extraChains: LocalChain[] = [];

  async function relayerFor(rpcUrl: string, pool: DbPool = db.pool, key = chain.privateKeys.relayer) {
    const client = await createChainClient({
      rpcUrl,
      privateKey: key,
      chainId: 31337,
      pollingIntervalMs: 50,
    });
    clients.push(client);
    return TxRelayer.create(pool, client);
  }

  const rpc = (method: string, params: unknown[] = []) => direct.provider.send(method, params);
  const minedNonce = async () =>
    Number(BigInt(await rpc('eth_getTransactionCount', [direct.address, 'latest'])));

  async function ledgerState(chainInstance: string) {
    const [nonces] = await db.pool.query<RowDataPacket[]>(
      'SELECT next_nonce FROM chain_nonces WHERE chain_instance = ?',
      [chainInstance],
    );
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM chain_transactions WHERE chain_instance = ?',
      [chainInstance],
    );
    return {
      nextNonce: nonces[0] === undefined ? null : Number(nonces[0].next_nonce),
      rows: Number(rows[0]?.n),
    };
  }

  async function storedRow(id: number): Promise<RowDataPacket> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT * FROM chain_transactions WHERE id = ?', [
      id,
    ]);
    const row = rows[0];
    if (row === undefined) throw new Error(`no row ${id}`);
    return row;
  }

  const submitRegistration = (target: TxRelayer, reg: Registration, ref = reg.designId) =>
    target.submit({ to: registryAddress, data: reg.data, purpose: 'design.register', ref });

  function registrationRequest(to = registryAddress) {
    const reg = registration();
    return { to, data: reg.data, purpose: 'design.register', ref: reg.designId };
  }

  async function withAutomineOff<T>(work: () => Promise<T>): Promise<T> {
    await rpc('evm_setAutomine', [false]);
    try {
      return await work();
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'tx_relayer');
    chain = await startLocalChain();
    ({ DesignRegistry: registryAddress } = await deployLocalContracts(
      chain.rpcUrl,
      chain.privateKeys.deployer,
      chain.accounts.relayer,
    ));
    direct = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.relayer,
      chainId: chain.chainId,
      pollingIntervalMs: 50,
    });
    clients.push(direct);
    registry = await DesignRegistry.connect(direct, registryAddress);
    relayer = await relayerFor(chain.rpcUrl);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await Promise.all(pools.map((pool) => pool.end()));
    await Promise.all([...extraChains, chain].filter(Boolean).map((c) => c.stop()));
    await db?.drop();
  });

  it('gives 50 concurrent instances contiguous nonces and mines every transaction once', async () => {
    const instances = 50;
    const firstNonce = Number(BigInt(await rpc('eth_getTransactionCount', [direct.address, 'pending'])));
    // A fresh chain: the relayer key has sent nothing yet, so the series is exactly 0..49.
    expect(firstNonce).toBe(0);
    // Separate pools and chain clients: what 50 function instances would have.
    const relayers = await Promise.all(
      Array.from({ length: instances }, () => {
        const pool = createPool(db.url, { connectionLimit: 2 });
        pools.push(pool);
        return relayerFor(chain.rpcUrl, pool);
      }),
    );
    const registrations = relayers.map(() => registration());

    const startedAt = performance.now();
    const submitted = await Promise.all(
      relayers.map((r, i) => submitRegistration(r, registrations[i] as Registration)),
    );
    const submittedMs = performance.now() - startedAt;
    const settled = await Promise.all(
      submitted.map((tx, i) => (relayers[i] as TxRelayer).waitForReceipt(tx, RECEIPT_WAIT_MS)),
    );
    const minedMs = performance.now() - startedAt;
    console.log(
      `${instances} concurrent submits: all stored and broadcast in ${submittedMs.toFixed(0)} ms ` +
        `(${((instances * 1000) / submittedMs).toFixed(0)} tx/s), all mined in ${minedMs.toFixed(0)} ms ` +
        `(${((instances * 1000) / minedMs).toFixed(0)} tx/s)`,
    );

    expect(settled.map((tx) => tx.status)).toEqual(Array(instances).fill('mined'));
    const nonces = settled.map((tx) => tx.nonce).sort((a, b) => a - b);
    expect(nonces).toEqual(Array.from({ length: instances }, (_, i) => firstNonce + i));
    expect(new Set(settled.map((tx) => tx.hash)).size).toBe(instances);
    expect(await minedNonce()).toBe(firstNonce + instances);
    expect((await ledgerState(relayer.chainInstance)).nextNonce).toBe(firstNonce + instances);

    const onChain = await Promise.all(registrations.map((reg) => registry.designOf(reg.fingerprint)));
    expect(onChain.map((design) => design?.designId)).toEqual(registrations.map((reg) => reg.designId));
    for (const tx of settled) {
      expect(tx.blockNumber).toBeGreaterThan(0);
      expect(tx.gasUsed).toBeGreaterThan(21_000n);
    }
  });

  it('refuses a call that reverts in the dry run without taking a nonce, then keeps going', async () => {
    const first = registration();
    expect(
      (await relayer.waitForReceipt(await submitRegistration(relayer, first), RECEIPT_WAIT_MS)).status,
    ).toBe('mined');
    const before = await ledgerState(relayer.chainInstance);

    const duplicate = registration(first.fingerprint);
    const failure = await submitRegistration(relayer, duplicate).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TransactionRevertedError);
    const reverted = failure as TransactionRevertedError;
    expect(reverted.purpose).toBe('design.register');
    expect(reverted.ref).toBe(duplicate.designId);
    const decoded = registryInterface.parseError(reverted.data);
    expect(decoded?.name).toBe('DesignAlreadyRegistered');
    expect(decoded?.args.fingerprint).toBe(first.fingerprint);
    expect(decoded?.args.designId).toBe(first.designId);
    expect(await ledgerState(relayer.chainInstance)).toEqual(before);
    expect(await relayer.findByRef('design.register', duplicate.designId)).toEqual([]);

    const after = await Promise.all(
      [registration(), registration()].map((reg) => submitRegistration(relayer, reg)),
    );
    const mined = await Promise.all(after.map((tx) => relayer.waitForReceipt(tx, RECEIPT_WAIT_MS)));
    expect(mined.map((tx) => tx.status)).toEqual(['mined', 'mined']);
    expect(mined.map((tx) => tx.nonce).sort((a, b) => a - b)).toEqual([
      before.nextNonce,
      (before.nextNonce ?? 0) + 1,
    ]);
  });

  it('consumes the nonce of a transaction that reverts on chain, leaving no gap', async () => {
    const fingerprint = `0x${randomBytes(32).toString('hex')}`;
    const [winner, loser] = await withAutomineOff(async () => {
      // Both pass the dry run (nothing is mined yet); the second reverts when mined after the first.
      const sent = [
        await submitRegistration(relayer, registration(fingerprint)),
        await submitRegistration(relayer, registration(fingerprint)),
      ];
      expect(sent.map((tx) => tx.status)).toEqual(['sent', 'sent']);
      await rpc('evm_mine');
      return Promise.all(sent.map((tx) => relayer.waitForReceipt(tx, RECEIPT_WAIT_MS)));
    });
    expect(winner?.status).toBe('mined');
    expect(loser?.status).toBe('reverted');
    expect(loser?.nonce).toBe((winner?.nonce ?? -1) + 1);
    expect(loser?.blockNumber).toBe(winner?.blockNumber);
    expect((await storedRow(loser?.id ?? 0)).status).toBe('reverted');
    expect(await minedNonce()).toBe((loser?.nonce ?? -1) + 1);

    const next = await relayer.waitForReceipt(
      await submitRegistration(relayer, registration()),
      RECEIPT_WAIT_MS,
    );
    expect(next.status).toBe('mined');
    expect(next.nonce).toBe((loser?.nonce ?? -1) + 1);
  });

  it('allocates nothing when the node cannot be reached', async () => {
    const proxy = await startRpcProxy(chain.rpcUrl);
    proxies.push(proxy);
    const throughProxy = await relayerFor(proxy.url);
    expect(throughProxy.chainInstance).toBe(relayer.chainInstance);
    expect(
      (
        await throughProxy.waitForReceipt(
          await submitRegistration(throughProxy, registration()),
          RECEIPT_WAIT_MS,
        )
      ).status,
    ).toBe('mined');
    const before = await ledgerState(relayer.chainInstance);

    await proxy.close();
    const failure = await submitRegistration(throughProxy, registration()).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect((failure as DependencyUnavailableError).status).toBe(503);
    expect(await ledgerState(relayer.chainInstance)).toEqual(before);

    // Nothing listens on the closed proxy's port any more: a relayer cannot even start there.
    const unborn = await relayerFor(proxy.url).catch((err: unknown) => err);
    expect(unborn).toBeInstanceOf(DependencyUnavailableError);
  });

  it('keeps a transaction whose broadcast failed after signing and rebroadcasts the same bytes once', async () => {
    const proxy = await startRpcProxy(chain.rpcUrl);
    proxies.push(proxy);
    const throughProxy = await relayerFor(proxy.url);
    const nonceBefore = await minedNonce();

    proxy.refuseBroadcasts(1);
    const reg = registration();
    const stored = await submitRegistration(throughProxy, reg);
    expect(proxy.refusedBroadcasts).toBe(1);
    expect(stored.status).toBe('signed');
    expect(stored.nonce).toBe(nonceBefore);
    const rawBefore = (await storedRow(stored.id)).raw_tx as string;
    expect(await rpc('eth_getTransactionByHash', [stored.hash])).toBeNull();
    expect(await registry.designOf(reg.fingerprint)).toBeUndefined();

    const report = await relayer.keep();
    expect(report).toMatchObject({ rebroadcast: 1, mined: 0, reverted: 0, replaced: 0, failed: [] });
    const mined = await relayer.waitForReceipt(stored.id, RECEIPT_WAIT_MS);
    expect(mined).toMatchObject({ status: 'mined', hash: stored.hash, nonce: stored.nonce });
    expect((await storedRow(stored.id)).raw_tx).toBe(rawBefore);
    expect(await minedNonce()).toBe(nonceBefore + 1);
    expect((await registry.designOf(reg.fingerprint))?.designId).toBe(reg.designId);
    expect(await relayer.keep()).toMatchObject({ rebroadcast: 0, mined: 0, replaced: 0 });
  });

  it('waits for an earlier nonce still on its way when the node will not queue a later one', async () => {
    // EDR with automine refuses a nonce ahead of the one it expects instead of queueing it.
    const slow = await startRpcProxy(chain.rpcUrl);
    const watched = await startRpcProxy(chain.rpcUrl);
    proxies.push(slow, watched);
    const [behind, ahead] = await Promise.all([relayerFor(slow.url), relayerFor(watched.url)]);

    slow.holdBroadcasts();
    const behindSubmit = submitRegistration(behind, registration());
    await slow.until(() => slow.heldBroadcasts === 1);
    const aheadSubmit = submitRegistration(ahead, registration());
    await watched.until(() => watched.answeredBroadcasts === 1);
    slow.releaseBroadcasts();

    const [first, second] = await Promise.all([behindSubmit, aheadSubmit]);
    expect(watched.answeredBroadcasts).toBeGreaterThan(1);
    expect(first.status).toBe('sent');
    expect(second).toMatchObject({ status: 'sent', nonce: first.nonce + 1 });
    const mined = await Promise.all([first, second].map((tx) => relayer.waitForReceipt(tx, RECEIPT_WAIT_MS)));
    expect(mined.map((tx) => tx.status)).toEqual(['mined', 'mined']);
  });

  it('rebroadcasts a transaction dropped from the mempool with the same hash', async () => {
    const reg = registration();
    const { sent, report, knownAgain } = await withAutomineOff(async () => {
      const tx = await submitRegistration(relayer, reg);
      expect(tx.status).toBe('sent');
      expect(await rpc('hardhat_dropTransaction', [tx.hash])).toBe(true);
      expect(await rpc('eth_getTransactionByHash', [tx.hash])).toBeNull();
      const keepReport = await relayer.keep({ staleAfterMs: 0 });
      const known = await rpc('eth_getTransactionByHash', [tx.hash]);
      await rpc('evm_mine');
      return { sent: tx, report: keepReport, knownAgain: known };
    });
    expect(report).toMatchObject({ rebroadcast: 1, replaced: 0 });
    expect(knownAgain).not.toBeNull();
    const mined = await relayer.waitForReceipt(sent, RECEIPT_WAIT_MS);
    expect(mined).toMatchObject({ status: 'mined', hash: sent.hash, nonce: sent.nonce });
    const block = await direct.provider.getBlock(mined.blockNumber ?? -1);
    expect(block?.transactions.filter((hash) => hash === sent.hash)).toHaveLength(1);
    expect(await minedNonce()).toBe(sent.nonce + 1);
  });

  it('leaves a sent transaction the node still holds alone until it goes stale', async () => {
    await withAutomineOff(async () => {
      const tx = await submitRegistration(relayer, registration());
      const fresh = await relayer.keep({ staleAfterMs: 60_000 });
      expect(fresh).toMatchObject({ rebroadcast: 0, mined: 0, replaced: 0 });
      const stale = await relayer.keep({ staleAfterMs: 0 });
      // Still in the mempool: nothing to send again.
      expect(stale).toMatchObject({ rebroadcast: 0, mined: 0, replaced: 0 });
      await rpc('evm_mine');
      expect(await relayer.keep()).toMatchObject({ mined: 1 });
      expect((await relayer.refresh(tx)).status).toBe('mined');
    });
  });

  it('marks a transaction replaced when its nonce is used outside the relayer, and reports it', async () => {
    const proxy = await startRpcProxy(chain.rpcUrl);
    proxies.push(proxy);
    const throughProxy = await relayerFor(proxy.url);
    proxy.refuseBroadcasts(1);
    const stored = await submitRegistration(throughProxy, registration(), 'replaced-ref');
    expect(stored.status).toBe('signed');

    // Someone signs with the relayer key behind the relayer's back, taking the same nonce.
    const intruder = await direct.wallet.sendTransaction({
      to: chain.accounts.deployer,
      value: 1n,
      nonce: stored.nonce,
    });
    expect((await intruder.wait())?.status).toBe(1);

    const report = await relayer.keep();
    expect(report).toMatchObject({ rebroadcast: 0, mined: 0, reverted: 0, replaced: 1 });
    expect(report.failed).toEqual([
      expect.objectContaining({
        id: stored.id,
        status: 'replaced',
        purpose: 'design.register',
        ref: 'replaced-ref',
      }),
    ]);
    expect((await relayer.refresh(stored.id)).status).toBe('replaced');
    expect((await relayer.findByRef('design.register', 'replaced-ref')).map((tx) => tx.status)).toEqual([
      'replaced',
    ]);

    const next = await relayer.waitForReceipt(
      await submitRegistration(relayer, registration()),
      RECEIPT_WAIT_MS,
    );
    expect(next).toMatchObject({ status: 'mined', nonce: stored.nonce + 1 });
  });

  it('skips nonces the key used outside the relayer once the keeper has seen them', async () => {
    const before = await ledgerState(relayer.chainInstance);
    // Two transactions from the relayer key that the ledger knows nothing about.
    for (let i = 0; i < 2; i++) {
      const outsider = await direct.wallet.sendTransaction({ to: chain.accounts.deployer, value: 1n });
      expect((await outsider.wait())?.status).toBe(1);
    }
    expect(await minedNonce()).toBe((before.nextNonce ?? -1) + 2);

    expect(await relayer.keep()).toMatchObject({ rebroadcast: 0, mined: 0, reverted: 0, replaced: 0 });
    expect(await ledgerState(relayer.chainInstance)).toEqual({
      nextNonce: (before.nextNonce ?? -1) + 2,
      rows: before.rows,
    });
    const next = await relayer.waitForReceipt(
      await submitRegistration(relayer, registration()),
      RECEIPT_WAIT_MS,
    );
    expect(next).toMatchObject({ status: 'mined', nonce: (before.nextNonce ?? -1) + 2 });
  });

  it('reports a transaction that reverted on chain to the keeper', async () => {
    const fingerprint = `0x${randomBytes(32).toString('hex')}`;
    const [, loser] = await withAutomineOff(async () => {
      const sent = [
        await submitRegistration(relayer, registration(fingerprint), 'keeper-winner'),
        await submitRegistration(relayer, registration(fingerprint), 'keeper-loser'),
      ];
      await rpc('evm_mine');
      return sent;
    });
    const report = await relayer.keep();
    expect(report).toMatchObject({ mined: 1, reverted: 1, replaced: 0 });
    expect(report.failed).toEqual([
      expect.objectContaining({ id: loser?.id, status: 'reverted', ref: 'keeper-loser' }),
    ]);
  });

  it('refuses malformed requests before asking the node anything', async () => {
    const valid = { to: registryAddress, data: registration().data, purpose: 'design.register', ref: 'r' };
    const attempts = [
      { ...valid, to: '0x1234' },
      { ...valid, data: '0xabc' },
      { ...valid, data: 'abcd' },
      { ...valid, purpose: '' },
      { ...valid, purpose: 'p'.repeat(65) },
      { ...valid, ref: 'r'.repeat(129) },
      { ...valid, gasLimit: 0n },
    ];
    const before = await ledgerState(relayer.chainInstance);
    for (const attempt of attempts) {
      await expect(relayer.submit(attempt)).rejects.toBeInstanceOf(RelayRequestError);
    }
    expect(await ledgerState(relayer.chainInstance)).toEqual(before);
  });

  it('uses a given gas limit instead of the estimate', async () => {
    const tx = await relayer.submit({ ...registrationRequest(), gasLimit: 180_000n });
    const signed = Transaction.from((await storedRow(tx.id)).raw_tx as string);
    expect(signed.gasLimit).toBe(180_000n);
    expect(signed.nonce).toBe(tx.nonce);
    expect(signed.chainId).toBe(31337n);
    expect((await relayer.waitForReceipt(tx, RECEIPT_WAIT_MS)).status).toBe('mined');
  });

  it('keeps an independent nonce series per chain instance in one database', async () => {
    const firstChainBefore = await ledgerState(relayer.chainInstance);
    const second = await startDistinctChain(new Set([relayer.chainInstance]));
    extraChains.push(second);
    const third = await startDistinctChain(
      new Set([relayer.chainInstance, await genesisHashOf(second.rpcUrl)]),
    );
    extraChains.push(third);
    // Deployed the same way on fresh chains, the registry has the same address on both.
    const deployed = await Promise.all(
      [second, third].map((c) => deployLocalContracts(c.rpcUrl, c.privateKeys.deployer, c.accounts.relayer)),
    );
    expect(deployed[0]?.DesignRegistry).toBe(deployed[1]?.DesignRegistry);
    const onSecond = await relayerFor(second.rpcUrl, db.pool, second.privateKeys.relayer);
    const onThird = await relayerFor(third.rpcUrl, db.pool, third.privateKeys.relayer);
    expect(new Set([relayer.chainInstance, onSecond.chainInstance, onThird.chainInstance]).size).toBe(3);

    // The same call from the same key at the same nonce and fees: byte-identical transactions.
    const reg = registration();
    const request = {
      to: deployed[0]?.DesignRegistry ?? '',
      data: reg.data,
      purpose: 'design.register',
      ref: reg.designId,
    };
    const onSecondTx = await onSecond.waitForReceipt(await onSecond.submit(request), RECEIPT_WAIT_MS);
    const onThirdTx = await onThird.waitForReceipt(await onThird.submit(request), RECEIPT_WAIT_MS);
    expect(onSecondTx).toMatchObject({ status: 'mined', nonce: 0 });
    expect(onThirdTx).toMatchObject({ status: 'mined', nonce: 0 });
    // Byte-identical on two chains: stored twice, once per chain instance.
    expect(onThirdTx.hash).toBe(onSecondTx.hash);
    expect(onThirdTx.id).not.toBe(onSecondTx.id);
    expect((await ledgerState(onSecond.chainInstance)).nextNonce).toBe(1);
    expect((await ledgerState(onThird.chainInstance)).nextNonce).toBe(1);
    expect(await ledgerState(relayer.chainInstance)).toEqual(firstChainBefore);
    // Each relayer only sees its own chain's transactions for a ref.
    expect((await onThird.findByRef('design.register', reg.designId)).map((tx) => tx.id)).toEqual([
      onThirdTx.id,
    ]);

    // A transaction stranded on one chain is never sent to another.
    const proxy = await startRpcProxy(second.rpcUrl);
    proxies.push(proxy);
    const secondThroughProxy = await relayerFor(proxy.url, db.pool, second.privateKeys.relayer);
    proxy.refuseBroadcasts(1);
    const stranded = await secondThroughProxy.submit(registrationRequest(deployed[0]?.DesignRegistry ?? ''));
    expect(stranded).toMatchObject({ status: 'signed', nonce: 1 });
    expect(await onThird.keep({ staleAfterMs: 0 })).toMatchObject({ rebroadcast: 0, mined: 0, replaced: 0 });
    expect(await relayer.keep({ staleAfterMs: 0 })).toMatchObject({ rebroadcast: 0, mined: 0, replaced: 0 });
    expect((await storedRow(stranded.id)).status).toBe('signed');
    expect(await onSecond.keep()).toMatchObject({ rebroadcast: 1 });
    expect((await onSecond.waitForReceipt(stranded, RECEIPT_WAIT_MS)).status).toBe('mined');
  });

  it('reads a receipt by transaction id and tells an unknown id apart', async () => {
    const tx: RelayedTransaction = await submitRegistration(relayer, registration());
    const byId = await relayer.waitForReceipt(tx.id, RECEIPT_WAIT_MS);
    expect(byId).toMatchObject({ id: tx.id, status: 'mined', hash: tx.hash });
    await expect(relayer.refresh(2 ** 40)).rejects.toThrow(/No relayed transaction/);
  });
});
