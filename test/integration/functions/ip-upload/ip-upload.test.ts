import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Interface } from 'ethers';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALL_BUCKETS, BUCKETS } from '#events/buckets.ts';
import { processUpload, type UploadDeps } from '#functions/ip-upload/process-upload.ts';
import { REGISTER_PURPOSE } from '#functions/ip-upload/register-on-chain.ts';
import { runDesignWatchdog } from '#functions/ip-upload/watchdog.ts';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { DESIGN_REGISTRY_ABI, DesignRegistry } from '#shared/chain/design-registry.ts';
import { orgChainAddress } from '#shared/chain/org-address.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import { type RelayedTransaction, TxRelayer } from '#shared/chain/tx-relayer.ts';
import { createLocalKeyWrapper } from '#shared/crypto/local-key-wrapper.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import type { DesignFormat } from '#shared/designs/design.ts';
import { designIdFromUploadKey, uploadKeyFor } from '#shared/designs/design.ts';
import {
  claimForProcessing,
  findDesign,
  insertDesign,
  recordChainSubmission,
} from '#shared/designs/design-repository.ts';
import { listProvenanceConflicts } from '#shared/designs/provenance-conflicts.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { idToBytes16, newId } from '#shared/ids.ts';
import type { MetricsBatch } from '#shared/metrics/buffer.ts';
import { createBufferedMetrics } from '#shared/metrics/buffered-metrics.ts';
import type { Metrics } from '#shared/metrics/metrics.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import {
  cubeObjWithQuads,
  cubeThreeMf,
  threeMfRequiringUnknownExtension,
  threeMfWithRatioBomb,
} from '#test/fixtures/mesh/generate.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { binaryStlCube } from '#test/support/design-files.ts';
import { type RpcProxy, startRpcProxy } from '#test/support/rpc-proxy.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { type LocalChain, startLocalChain } from '../../../../infra/local/chain.ts';
import { deployLocalContracts } from '../../../../infra/local/deploy-contracts.ts';

const REGION = 'local-1';
const S3_CREDENTIALS = { accessKeyId: 'IPUPLOADTEST', secretAccessKey: 'ip-upload-test-secret' };
const registryInterface = new Interface(DESIGN_REGISTRY_ABI);
const DESIGN_REGISTERED = registryInterface.getEvent('DesignRegistered')?.topicHash as string;

/** Enough gas to pass the intrinsic check, far too little to store a registration. */
const OUT_OF_GAS_LIMIT = 30_000n;

interface JsonRpcRequest {
  readonly method?: unknown;
  readonly params?: unknown;
}

/**
 * A JSON-RPC pass-through to the chain that tells when a method is asked for, and can answer the
 * next few eth_calls from an older block, as a load-balanced node that has not caught up would.
 */
interface WatchedNode {
  readonly url: string;
  lagNextCalls(count: number, block: number): void;
  readonly laggedCalls: number;
  /** Resolves when a request for `method` next passes through. */
  nextRequest(method: string): Promise<void>;
  close(): Promise<void>;
}

async function startWatchedNode(targetUrl: string): Promise<WatchedNode> {
  let lagsLeft = 0;
  let lagBlock = 0;
  let lagged = 0;
  const waiters: Array<{ method: string; resolve: () => void }> = [];
  const lag = (request: JsonRpcRequest): JsonRpcRequest => {
    for (const waiter of waiters.filter((w) => w.method === request.method)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    if (request.method !== 'eth_call' || lagsLeft === 0 || !Array.isArray(request.params)) return request;
    lagsLeft -= 1;
    lagged += 1;
    return { ...request, params: [request.params[0], `0x${lagBlock.toString(16)}`] };
  };

  async function relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonRpcRequest | JsonRpcRequest[];
    const upstream = await fetch(targetUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.isArray(body) ? body.map(lag) : lag(body)),
    });
    response.writeHead(upstream.status, { 'content-type': 'application/json' });
    response.end(await upstream.text());
  }

  const server = createServer((request, response) => {
    relay(request, response).catch(() => request.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lagNextCalls(count, block) {
      lagsLeft = count;
      lagBlock = block;
    },
    get laggedCalls() {
      return lagged;
    },
    nextRequest: (method) => new Promise<void>((resolve) => waiters.push({ method, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sha256Of = (file: Buffer) => createHash('sha256').update(file).digest();

/**
 * processUpload with every real dependency: a MariaDB test database, the embedded S3 server,
 * the local EVM chain with the DesignRegistry deployed, the local key wrapper.
 */
describe('Function: processUpload', () => {
  let db: TestDatabase;
  let pool: DbPool;
  let chain: LocalChain;
  /** Its `events` are every object event the S3 server emitted, as the event router would receive them. */
  let s3: S3TestServer;
  let store: ObjectStore;
  let client: ChainClient;
  let registry: DesignRegistry;
  let relayer: TxRelayer;
  let deps: UploadDeps;
  let orgId: string;
  /** Another designer organisation, for what one organisation may learn of another. */
  let otherOrgId: string;
  let stlSize = 1;
  const clients: ChainClient[] = [];
  const closers: Array<() => Promise<void>> = [];

  /** A distinct binary STL cube each call, so no two tests share a fingerprint. */
  const uniqueStl = () => {
    stlSize += 1;
    return binaryStlCube(stlSize);
  };

  /** A design row awaiting upload whose file is already in the incoming bucket. */
  async function uploaded(
    file: Buffer,
    format: DesignFormat = 'stl',
    owner = orgId,
  ): Promise<{ id: string; etag: string }> {
    const id = newId();
    await insertDesign(pool, { id, orgId: owner, name: `design ${id}`, format, declaredBytes: file.length });
    const { etag } = await store.put(BUCKETS.incomingDesigns, `designs/${id}/source`, file);
    return { id, etag };
  }

  async function registrationLogs(sha256: Buffer) {
    return client.provider.getLogs({
      address: registry.address,
      fromBlock: 0,
      topics: [DESIGN_REGISTERED, `0x${sha256.toString('hex')}`],
    });
  }

  /** Transactions the relayer has sent so far (mined or pending). */
  const relayerNonce = () => client.provider.getTransactionCount(client.address, 'pending');

  async function outboxRows(designId: string): Promise<RowDataPacket[]> {
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT event_type, payload FROM outbox WHERE aggregate_id = ? ORDER BY created_at',
      [designId],
    );
    return rows;
  }

  async function stored(bucket: string, key: string): Promise<boolean> {
    return (await store.head(bucket, key)) !== undefined;
  }

  /** Sends a registration through the relayer, outside processUpload, filed under `purpose` and `ref`. */
  async function registerDirectly(
    sha256: Buffer,
    designId: string,
    filing: { purpose: string; ref: string } = { purpose: REGISTER_PURPOSE, ref: designId },
    creatorOrg = orgId,
  ): Promise<string> {
    const tx = await relayer.submit({
      to: registry.address,
      data: registry.encodeRegister(
        `0x${sha256.toString('hex')}`,
        idToBytes16(designId),
        orgChainAddress(creatorOrg),
      ),
      ...filing,
    });
    const settled = await relayer.waitForReceipt(tx, 30_000);
    expect(settled.status).toBe('mined');
    return tx.hash;
  }

  /** The relayer ledger's registrations for a design, in nonce order. */
  async function ledgerRows(designId: string): Promise<RowDataPacket[]> {
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT nonce, tx_hash, status FROM chain_transactions WHERE purpose = ? AND ref = ? ORDER BY nonce',
      [REGISTER_PURPOSE, designId],
    );
    return rows;
  }

  /** Upload dependencies whose chain calls go through another endpoint, with their own relayer. */
  async function depsThrough(rpcUrl: string): Promise<UploadDeps> {
    const viaClient = await createChainClient({
      rpcUrl,
      privateKey: chain.privateKeys.relayer,
      chainId: chain.chainId,
      pollingIntervalMs: 50,
    });
    clients.push(viaClient);
    return {
      ...deps,
      chain: {
        relayer: await TxRelayer.create(pool, viaClient),
        registry: await DesignRegistry.connect(viaClient, registry.address),
      },
    };
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'ip_upload');
    // The function's own pool size: concurrency in these tests must not need a bigger one.
    pool = createPool(db.url);
    chain = await startLocalChain();
    const { DesignRegistry: registryAddress } = await deployLocalContracts(
      chain.rpcUrl,
      chain.privateKeys.deployer,
      chain.accounts.relayer,
    );
    s3 = await startS3TestServer({
      tempPrefix: 'fc-ip-upload-',
      ...S3_CREDENTIALS,
      region: REGION,
      namespace: 'forgecast',
      buckets: ALL_BUCKETS,
    });
    store = createS3ObjectStore({ endpoint: s3.server.endpoint, region: REGION, ...S3_CREDENTIALS });
    client = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.relayer,
      chainId: chain.chainId,
      pollingIntervalMs: 50,
    });
    clients.push(client);
    registry = await DesignRegistry.connect(client, registryAddress);
    relayer = await TxRelayer.create(pool, client);
    deps = {
      pool,
      store,
      keys: createLocalKeyWrapper(randomBytes(32)),
      chain: { relayer, registry },
      buckets: { incoming: BUCKETS.incomingDesigns, vault: BUCKETS.vault, media: BUCKETS.media },
    };
    orgId = newId();
    await insertOrganisation(pool, { id: orgId, name: 'Designer', kind: 'designer' });
    otherOrgId = newId();
    await insertOrganisation(pool, { id: otherOrgId, name: 'Other designer', kind: 'designer' });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(closers.map((close) => close()));
    await pool?.end();
    await s3?.stop();
    await chain?.stop();
    await db?.drop();
  });

  it('registers a design once when ten deliveries race for it', async () => {
    // Prepare
    const file = uniqueStl();
    const { id, etag } = await uploaded(file);
    const nonceBefore = await relayerNonce();

    // Act
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => processUpload(deps, id, etag)),
    );

    // Assess
    const processed = outcomes.filter((o) => o.status === 'fulfilled' && o.value.status === 'processed');
    expect(processed).toHaveLength(1);
    for (const outcome of outcomes) {
      // A delivery that finds a live lease is not retried (the watchdog covers a dead holder).
      expect(outcome.status).toBe('fulfilled');
      if (outcome.status === 'fulfilled' && outcome !== processed[0]) {
        expect(['duplicate', 'ignored']).toContain(outcome.value.status);
      }
    }
    expect(await relayerNonce()).toBe(nonceBefore + 1);
    expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
    const events = await outboxRows(id);
    expect(events.map((row) => row.event_type)).toEqual(['design.registered']);
    const design = await findDesign(pool, id);
    expect(design?.status).toBe('registered');
    expect(design?.chain?.txHash).toBe(JSON.parse(events[0]?.payload).txHash);
    expect(await ledgerRows(id)).toEqual([
      { nonce: nonceBefore, tx_hash: design?.chain?.txHash, status: 'mined' },
    ]);
    expect(await stored(BUCKETS.incomingDesigns, `designs/${id}/source`)).toBe(false);
    expect(await stored(BUCKETS.vault, `designs/${id}/v1.bin`)).toBe(true);
  });

  it('leaves the design validating when the chain is down, and registers once on a later retry', async () => {
    // Prepare: the function started while the node answered; then the node went away.
    const proxy: RpcProxy = await startRpcProxy(chain.rpcUrl);
    closers.push(() => proxy.close());
    const downDeps = await depsThrough(proxy.url);
    proxy.setDown(true);
    const file = uniqueStl();
    const { id, etag } = await uploaded(file);

    // Act
    const failure = await processUpload(downDeps, id, etag).then(
      () => undefined,
      (err: unknown) => err,
    );

    // Assess: retryable, nothing final recorded, the upload kept for the retry.
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    const during = await findDesign(pool, id);
    expect(during?.status).toBe('validating');
    expect(during?.chain).toBeNull();
    expect(await ledgerRows(id)).toHaveLength(0);
    expect(await outboxRows(id)).toHaveLength(0);
    expect(await stored(BUCKETS.incomingDesigns, `designs/${id}/source`)).toBe(true);
    // While the lease is live another delivery leaves the design to it.
    expect(await processUpload(deps, id, etag)).toEqual({
      status: 'ignored',
      reason: `design ${id} is being processed by another attempt`,
    });

    // Act: the lease runs out, the event is redelivered and the chain is back.
    await pool.query('UPDATE designs SET lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [id]);
    const nonceBefore = await relayerNonce();
    const retried = await processUpload(deps, id, etag);

    // Assess
    expect(retried.status).toBe('processed');
    expect(await relayerNonce()).toBe(nonceBefore + 1);
    expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
    expect((await outboxRows(id)).map((row) => row.event_type)).toEqual(['design.registered']);
    expect((await findDesign(pool, id))?.status).toBe('registered');
  });

  it('adopts a transaction sent before a crash instead of sending a second one', async () => {
    // Prepare: an earlier attempt sent the registration and recorded its hash, then died.
    const file = uniqueStl();
    const { id, etag } = await uploaded(file);
    await pool.query(
      "UPDATE designs SET status = 'validating', lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?",
      [id],
    );
    const txHash = await registerDirectly(sha256Of(file), id);
    await recordChainSubmission(pool, id, { chainId: chain.chainId, registry: registry.address, txHash });
    const nonceBefore = await relayerNonce();

    // Act
    const outcome = await processUpload(deps, id, etag);

    // Assess
    expect(outcome).toMatchObject({ status: 'processed', detail: { designId: id, txHash } });
    expect(await relayerNonce()).toBe(nonceBefore);
    expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
    const design = await findDesign(pool, id);
    expect(design?.status).toBe('registered');
    expect(design?.chain?.txHash).toBe(txHash);
    const events = await outboxRows(id);
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]?.payload).txHash).toBe(txHash);
    expect(await ledgerRows(id)).toHaveLength(1);
  });

  it('rejects a fingerprint another design id holds on chain and keeps nothing of the upload', async () => {
    // Prepare
    const file = uniqueStl();
    const otherDesignId = newId();
    const otherDesign = idToBytes16(otherDesignId);
    await registerDirectly(sha256Of(file), otherDesignId);
    const { id, etag } = await uploaded(file);
    const nonceBefore = await relayerNonce();

    // Act
    const outcome = await processUpload(deps, id, etag);

    // Assess
    expect(outcome.status).toBe('rejected');
    const design = await findDesign(pool, id);
    expect(design?.status).toBe('rejected');
    expect(design?.rejection?.code).toBe('fingerprint_on_chain');
    expect(design?.rejection?.reason).toContain(otherDesign);
    expect(await relayerNonce()).toBe(nonceBefore);
    expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
    expect((await outboxRows(id)).map((row) => row.event_type)).toEqual(['design.rejected']);
    expect(await ledgerRows(id)).toHaveLength(0);
    expect(await stored(BUCKETS.incomingDesigns, `designs/${id}/source`)).toBe(false);
    expect(await stored(BUCKETS.vault, `designs/${id}/v1.bin`)).toBe(false);
    expect(await stored(BUCKETS.media, `designs/${id}/thumbnail.png`)).toBe(false);
  });

  it.each([
    { holder: 'this design', expected: 'processed' },
    { holder: 'another design', expected: 'rejected' },
  ])(
    'reads the registry again when the dry run finds the fingerprint held by $holder',
    async ({ holder, expected }) => {
      // Prepare: registered outside the ledger's filing for this design, and read from a node one
      // block behind, so registerOnChain first sees the fingerprint free and only the dry run (on
      // the latest block) finds it taken.
      const lagging = await startWatchedNode(chain.rpcUrl);
      closers.push(() => lagging.close());
      const laggingDeps = await depsThrough(lagging.url);
      const file = uniqueStl();
      const { id, etag } = await uploaded(file);
      const registeredFor = holder === 'this design' ? id : newId();
      const blockBefore = await client.provider.getBlockNumber();
      const txHash = await registerDirectly(sha256Of(file), registeredFor, {
        purpose: 'test.register',
        ref: registeredFor,
      });
      lagging.lagNextCalls(1, blockBefore);
      const nonceBefore = await relayerNonce();

      // Act
      const outcome = await processUpload(laggingDeps, id, etag);

      // Assess: the stale read happened, the dry run stopped the send, the chain decided the outcome.
      expect(lagging.laggedCalls).toBe(1);
      expect(outcome.status).toBe(expected);
      expect(await relayerNonce()).toBe(nonceBefore);
      expect(await ledgerRows(id)).toHaveLength(0);
      expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
      const design = await findDesign(pool, id);
      if (expected === 'processed') {
        expect(outcome).toMatchObject({ detail: { designId: id, txHash } });
        expect(design?.status).toBe('registered');
        expect(design?.chain?.txHash).toBe(txHash);
      } else {
        expect(design?.rejection?.code).toBe('fingerprint_on_chain');
        expect(design?.rejection?.reason).toContain(idToBytes16(registeredFor));
      }
    },
  );

  it('awaits the registration an earlier attempt left in the mempool instead of sending another', async () => {
    // Prepare: blocks are mined on demand; an earlier attempt sent the registration, then died.
    const node = await startWatchedNode(chain.rpcUrl);
    closers.push(() => node.close());
    const watchedDeps = await depsThrough(node.url);
    const file = uniqueStl();
    const { id, etag } = await uploaded(file);
    await pool.query(
      "UPDATE designs SET status = 'validating', lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?",
      [id],
    );
    await client.provider.send('evm_setAutomine', [false]);
    let outcome: Awaited<ReturnType<typeof processUpload>>;
    let earlier: RelayedTransaction;
    let nonceBefore: number;
    try {
      earlier = await relayer.submit({
        to: registry.address,
        data: registry.encodeRegister(
          `0x${sha256Of(file).toString('hex')}`,
          idToBytes16(id),
          orgChainAddress(orgId),
        ),
        purpose: REGISTER_PURPOSE,
        ref: id,
      });
      expect(earlier.status).toBe('sent');
      nonceBefore = await relayerNonce();

      // Act: the block is mined once the retry is waiting for a receipt.
      const receiptAsked = node.nextRequest('eth_getTransactionReceipt');
      const processing = processUpload(watchedDeps, id, etag);
      await receiptAsked;
      await client.provider.send('evm_mine', []);
      outcome = await processing;
    } finally {
      await client.provider.send('evm_setAutomine', [true]);
    }

    // Assess
    expect(outcome).toMatchObject({ status: 'processed', detail: { designId: id, txHash: earlier.hash } });
    expect(await relayerNonce()).toBe(nonceBefore);
    expect(await ledgerRows(id)).toEqual([{ nonce: earlier.nonce, tx_hash: earlier.hash, status: 'mined' }]);
    expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
    const design = await findDesign(pool, id);
    expect(design?.status).toBe('registered');
    expect(design?.chain?.txHash).toBe(earlier.hash);
  });

  it('sends the registration again when the earlier attempt reverted on chain', async () => {
    // Prepare: an earlier attempt's registration was mined but ran out of gas, then it died.
    const file = uniqueStl();
    const { id, etag } = await uploaded(file);
    await pool.query(
      "UPDATE designs SET status = 'validating', lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?",
      [id],
    );
    const starved = await relayer.submit({
      to: registry.address,
      data: registry.encodeRegister(
        `0x${sha256Of(file).toString('hex')}`,
        idToBytes16(id),
        orgChainAddress(orgId),
      ),
      purpose: REGISTER_PURPOSE,
      ref: id,
      gasLimit: OUT_OF_GAS_LIMIT,
    });
    expect((await relayer.waitForReceipt(starved, 30_000)).status).toBe('reverted');
    await recordChainSubmission(pool, id, {
      chainId: chain.chainId,
      registry: registry.address,
      txHash: starved.hash,
    });
    const nonceBefore = await relayerNonce();

    // Act
    const outcome = await processUpload(deps, id, etag);

    // Assess
    expect(outcome.status).toBe('processed');
    const rows = await ledgerRows(id);
    expect(rows.map((row) => row.status)).toEqual(['reverted', 'mined']);
    expect(rows.map((row) => Number(row.nonce))).toEqual([starved.nonce, nonceBefore]);
    expect(outcome).toMatchObject({ detail: { txHash: rows[1]?.tx_hash } });
    expect(await relayerNonce()).toBe(nonceBefore + 1);
    expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
    const design = await findDesign(pool, id);
    expect(design?.status).toBe('registered');
    expect(design?.chain?.txHash).toBe(rows[1]?.tx_hash);
  });

  it('reads the registry again when its own registration reverts, and rejects a fingerprint taken first', async () => {
    // Prepare: blocks are mined on demand, so another registration of the same file can be
    // waiting in the mempool, ahead of ours, when the dry run looks at the latest block.
    const file = uniqueStl();
    const { id, etag } = await uploaded(file);
    const otherDesignId = newId();
    await client.provider.send('evm_setAutomine', [false]);
    let outcome: Awaited<ReturnType<typeof processUpload>>;
    try {
      const ahead = await relayer.submit({
        to: registry.address,
        data: registry.encodeRegister(
          `0x${sha256Of(file).toString('hex')}`,
          idToBytes16(otherDesignId),
          orgChainAddress(orgId),
        ),
        purpose: 'test.register',
        ref: otherDesignId,
      });
      expect(ahead.status).toBe('sent');

      // Act: once our registration has reached the node, both are mined in one block.
      const processing = processUpload(deps, id, etag);
      while ((await ledgerRows(id))[0]?.status !== 'sent') await new Promise((r) => setTimeout(r, 10));
      await client.provider.send('evm_mine', []);
      outcome = await processing;
    } finally {
      await client.provider.send('evm_setAutomine', [true]);
    }

    // Assess
    expect(outcome.status).toBe('rejected');
    expect((await ledgerRows(id)).map((row) => row.status)).toEqual(['reverted']);
    expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
    const design = await findDesign(pool, id);
    expect(design?.rejection?.code).toBe('fingerprint_on_chain');
    expect(design?.rejection?.reason).toContain(idToBytes16(otherDesignId));
    expect((await outboxRows(id)).map((row) => row.event_type)).toEqual(['design.rejected']);
  });

  it.each([
    { format: 'obj' as const, file: cubeObjWithQuads },
    { format: '3mf' as const, file: cubeThreeMf },
  ])('registers a $format upload', async ({ format, file }) => {
    // Prepare
    const bytes = file();
    const { id, etag } = await uploaded(bytes, format);

    // Act
    const outcome = await processUpload(deps, id, etag);

    // Assess
    expect(outcome.status).toBe('processed');
    const design = await findDesign(pool, id);
    expect(design?.status).toBe('registered');
    expect(design?.sha256).toBe(sha256Of(bytes).toString('hex'));
    expect(design?.metrics?.triangleCount).toBeGreaterThanOrEqual(12);
    expect(await registrationLogs(sha256Of(bytes))).toHaveLength(1);
  });

  it.each([
    {
      name: 'a 3MF requiring an unsupported extension',
      file: threeMfRequiringUnknownExtension,
      code: '3mf-unsupported-extension',
    },
    { name: 'a zip bomb', file: threeMfWithRatioBomb, code: 'zip-compression-ratio' },
  ])('rejects $name with $code and registers nothing', async ({ file, code }) => {
    // Prepare
    const bytes = file();
    const { id, etag } = await uploaded(bytes, '3mf');

    // Act
    const outcome = await processUpload(deps, id, etag);

    // Assess
    expect(outcome.status).toBe('rejected');
    const design = await findDesign(pool, id);
    expect(design?.status).toBe('rejected');
    expect(design?.rejection?.code).toBe(code);
    expect(design?.chain).toBeNull();
    expect(await registrationLogs(sha256Of(bytes))).toHaveLength(0);
    expect(await stored(BUCKETS.incomingDesigns, `designs/${id}/source`)).toBe(false);
    expect(await stored(BUCKETS.vault, `designs/${id}/v1.bin`)).toBe(false);
  });

  it('gives twenty designs processed at once twenty distinct relayer nonces', async () => {
    // Prepare
    const files = Array.from({ length: 20 }, uniqueStl);
    const designs = await Promise.all(files.map((file) => uploaded(file)));
    const firstNonce = await relayerNonce();

    // Act
    const outcomes = await Promise.all(designs.map(({ id, etag }) => processUpload(deps, id, etag)));

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(20).fill('processed'));
    const txHashes = outcomes.map((outcome) =>
      String(outcome.status === 'processed' && outcome.detail?.txHash),
    );
    const txs = await Promise.all(txHashes.map((hash) => client.provider.getTransaction(hash)));
    const nonces = txs.map((tx) => tx?.nonce);
    expect(new Set(nonces).size).toBe(20);
    expect([...nonces].sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => firstNonce + i),
    );
    for (const tx of txs) expect(tx?.from).toBe(client.address);
    for (const { id } of designs) expect((await findDesign(pool, id))?.status).toBe('registered');
    const [ledger] = await pool.query<RowDataPacket[]>(
      `SELECT nonce, status FROM chain_transactions
        WHERE purpose = ? AND ref IN (?) ORDER BY nonce`,
      [REGISTER_PURPOSE, designs.map(({ id }) => id)],
    );
    expect(ledger.map((row) => Number(row.nonce))).toEqual(
      Array.from({ length: 20 }, (_, i) => firstNonce + i),
    );
    expect(ledger.map((row) => row.status)).toEqual(Array(20).fill('mined'));
  });
  describe('Duplicates across organisations', () => {
    it('names the design an identical file duplicates only to its own organisation', async () => {
      // Prepare
      const file = uniqueStl();
      const first = await uploaded(file);
      expect((await processUpload(deps, first.id, first.etag)).status).toBe('processed');
      const sameOrg = await uploaded(file);
      const otherOrg = await uploaded(file, 'stl', otherOrgId);

      // Act
      const sameOutcome = await processUpload(deps, sameOrg.id, sameOrg.etag);
      const otherOutcome = await processUpload(deps, otherOrg.id, otherOrg.etag);
      const redelivered = await processUpload(deps, otherOrg.id, otherOrg.etag);

      // Assess: the owner hears which of its designs; the other organisation hears nothing of it.
      expect(sameOutcome.status).toBe('rejected');
      const sameDesign = await findDesign(pool, sameOrg.id);
      expect(sameDesign?.rejection).toEqual({
        code: 'duplicate_design',
        reason: `This file is identical to design ${first.id}.`,
      });
      expect(otherOutcome.status).toBe('rejected');
      expect(JSON.stringify(otherOutcome)).not.toContain(first.id);
      const otherDesign = await findDesign(pool, otherOrg.id);
      expect(otherDesign?.rejection).toEqual({
        code: 'duplicate_design',
        reason: 'This file is identical to a design already registered.',
      });
      const [events] = await pool.query<RowDataPacket[]>(
        'SELECT payload FROM outbox WHERE aggregate_id = ?',
        [otherOrg.id],
      );
      expect(JSON.stringify(events)).not.toContain(first.id);
      expect(redelivered.status).toBe('duplicate');
      // The operator sees both sides, once, however many deliveries.
      const conflicts = (await listProvenanceConflicts(pool, { limit: 100 })).items.filter(
        (conflict) => conflict.later.designId === otherOrg.id || conflict.later.designId === sameOrg.id,
      );
      expect(conflicts).toEqual([
        {
          id: expect.any(Number),
          sha256: sha256Of(file).toString('hex'),
          holder: { designId: first.id, orgId, creator: null },
          later: { designId: otherOrg.id, orgId: otherOrgId },
          detectedBy: 'vault',
          detectedAt: expect.any(Date),
        },
      ]);
      expect(
        (await listProvenanceConflicts(pool, { limit: 100, orgId: otherOrgId })).items.map(
          (conflict) => conflict.later.designId,
        ),
      ).toContain(otherOrg.id);
    });

    it('refuses a fingerprint another organisation holds on chain without naming that design', async () => {
      // Prepare: registered on chain for another organisation's design, outside this vault.
      const file = uniqueStl();
      const holderDesignId = newId();
      await registerDirectly(
        sha256Of(file),
        holderDesignId,
        { purpose: 'test.register', ref: holderDesignId },
        otherOrgId,
      );
      const { id, etag } = await uploaded(file);

      // Act
      const outcome = await processUpload(deps, id, etag);

      // Assess
      expect(outcome.status).toBe('rejected');
      expect(JSON.stringify(outcome)).not.toContain(idToBytes16(holderDesignId));
      const design = await findDesign(pool, id);
      expect(design?.rejection).toEqual({
        code: 'fingerprint_on_chain',
        reason: 'The fingerprint is already registered on chain.',
      });
      const conflict = (await listProvenanceConflicts(pool, { limit: 100 })).items.find(
        (item) => item.later.designId === id,
      );
      expect(conflict).toMatchObject({
        holder: { designId: idToBytes16(holderDesignId), orgId: null, creator: orgChainAddress(otherOrgId) },
        later: { designId: id, orgId },
        detectedBy: 'chain',
      });
    });
  });

  describe('Consumed upload keys', () => {
    /** Delivers the S3 server's events for `key` with this eTag as the event router would. */
    async function deliverEventsFor(key: string, etag: string) {
      const events = s3.events.filter(
        (event) => event.data.resourceName === key && event.data.additionalDetails.eTag === etag,
      );
      expect(events.length).toBeGreaterThan(0);
      const designId = designIdFromUploadKey(key) as string;
      return Promise.all(events.map(() => processUpload(deps, designId, etag)));
    }

    it('deletes bytes PUT again through the presigned URL after registration, when their event arrives', async () => {
      // Prepare: a design uploaded through its presigned URL and registered.
      const file = uniqueStl();
      const id = newId();
      await insertDesign(pool, { id, orgId, name: 'presigned', format: 'stl', declaredBytes: file.length });
      const key = uploadKeyFor(id);
      const upload = await store.presignPut(BUCKETS.incomingDesigns, key, {
        contentType: 'model/stl',
        contentLength: file.length,
        expiresInSeconds: 900,
      });
      const put = (body: Buffer) => fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
      const first = await put(file);
      expect(first.status).toBe(200);
      const firstEtag = (first.headers.get('etag') ?? '').replaceAll('"', '');
      expect((await deliverEventsFor(key, firstEtag)).map((o) => o.status)).toEqual(['processed']);
      expect(await stored(BUCKETS.incomingDesigns, key)).toBe(false);

      // Act: the URL is still valid; other bytes of the same size go to the same key.
      const other = Buffer.from(file);
      other.fill(0x41, 0, 80);
      const second = await put(other);
      expect(second.status).toBe(200);
      expect(await stored(BUCKETS.incomingDesigns, key)).toBe(true);
      const secondEtag = (second.headers.get('etag') ?? '').replaceAll('"', '');
      const outcomes = await deliverEventsFor(key, secondEtag);

      // Assess: nothing of the second upload is kept, and the design is untouched.
      expect(outcomes.map((o) => o.status)).toEqual(['duplicate']);
      expect(await stored(BUCKETS.incomingDesigns, key)).toBe(false);
      const design = await findDesign(pool, id);
      expect(design?.status).toBe('registered');
      expect(design?.sha256).toBe(sha256Of(file).toString('hex'));
    });
  });

  describe('Design watchdog', () => {
    /** The real buffered metrics port, flushed into an array. */
    function recordingMetrics() {
      const batches: MetricsBatch[] = [];
      const metrics = createBufferedMetrics({
        sink: { send: async (batch) => void batches.push(batch) },
        flushIntervalMs: 60_000,
        autoFlush: false,
      });
      return {
        metrics,
        async redriven(): Promise<Record<string, number>> {
          await metrics.flush();
          const out: Record<string, number> = {};
          for (const series of batches.flatMap((batch) => batch.series)) {
            if (series.name !== 'designs_redriven' || series.kind !== 'counter') continue;
            const reason = series.dimensions.reason as string;
            out[reason] = (out[reason] ?? 0) + series.sum;
          }
          return out;
        },
      };
    }
    const watchdogOptions = { graceSeconds: 60, batch: 50, budgetMs: 60_000 };
    const watchdogDeps = (metrics: Metrics) => ({
      pool,
      store,
      incomingBucket: BUCKETS.incomingDesigns,
      redrive: (designId: string, etag: string) => processUpload(deps, designId, etag),
      metrics,
    });
    const statusOf = async (id: string) => (await findDesign(pool, id))?.status;

    it('finishes a design whose attempt died after its claim landed, once the lease lapses', async () => {
      // Prepare: the killed process's claim landed late with its lease; deliveries meanwhile find
      // that lease live and leave the design to it.
      const file = uniqueStl();
      const { id, etag } = await uploaded(file);
      expect(await claimForProcessing(pool, id, etag, 60)).toBe('claimed');
      expect((await processUpload(deps, id, etag)).status).toBe('ignored');
      const recording = recordingMetrics();
      const whileLive = await runDesignWatchdog(watchdogDeps(recording.metrics), watchdogOptions);
      expect(await statusOf(id)).toBe('validating');
      expect(whileLive.failed).toBe(0);
      // The lease runs out (moved back here rather than waited for).
      await pool.query('UPDATE designs SET lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [id]);

      // Act
      const summary = await runDesignWatchdog(watchdogDeps(recording.metrics), watchdogOptions);

      // Assess
      expect(summary.registered).toBeGreaterThanOrEqual(1);
      expect(await statusOf(id)).toBe('registered');
      expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
      expect(await stored(BUCKETS.incomingDesigns, uploadKeyFor(id))).toBe(false);
      expect((await outboxRows(id)).map((row) => row.event_type)).toEqual(['design.registered']);
      expect((await recording.redriven()).lapsed_lease).toBeGreaterThanOrEqual(1);
    });

    it('registers an upload whose event was lost, and leaves a fresh one to its event', async () => {
      // Prepare: two uploads in the bucket whose events never came; one design is old enough.
      const lost = await uploaded(uniqueStl());
      await pool.query('UPDATE designs SET created_at = NOW(3) - INTERVAL 10 MINUTE WHERE id = ?', [lost.id]);
      const fresh = await uploaded(uniqueStl());
      const recording = recordingMetrics();

      // Act
      await runDesignWatchdog(watchdogDeps(recording.metrics), watchdogOptions);

      // Assess
      expect(await statusOf(lost.id)).toBe('registered');
      expect(await stored(BUCKETS.incomingDesigns, uploadKeyFor(lost.id))).toBe(false);
      expect(await statusOf(fresh.id)).toBe('awaiting_upload');
      expect(await stored(BUCKETS.incomingDesigns, uploadKeyFor(fresh.id))).toBe(true);
      expect((await recording.redriven()).lost_event).toBeGreaterThanOrEqual(1);
      // Its event arrives after all.
      expect((await processUpload(deps, fresh.id, fresh.etag)).status).toBe('processed');
    });

    it('rejects a design whose attempt died and whose upload is gone', async () => {
      // Prepare
      const { id } = await uploaded(uniqueStl());
      await pool.query(
        "UPDATE designs SET status = 'validating', lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?",
        [id],
      );
      await store.delete(BUCKETS.incomingDesigns, uploadKeyFor(id));

      // Act
      await runDesignWatchdog(watchdogDeps(recordingMetrics().metrics), watchdogOptions);

      // Assess
      const design = await findDesign(pool, id);
      expect(design?.status).toBe('rejected');
      expect(design?.rejection?.code).toBe('upload_missing');
      expect((await outboxRows(id)).map((row) => row.event_type)).toEqual(['design.rejected']);
    });

    it("deletes plaintext left at a finished design's key or at a key no design has", async () => {
      // Prepare: a registered design whose key got new bytes whose event was lost, and an object
      // at a design key with no design behind it.
      const { id, etag } = await uploaded(uniqueStl());
      expect((await processUpload(deps, id, etag)).status).toBe('processed');
      await store.put(BUCKETS.incomingDesigns, uploadKeyFor(id), uniqueStl());
      const orphanKey = uploadKeyFor(newId());
      await store.put(BUCKETS.incomingDesigns, orphanKey, uniqueStl());

      // Act
      const summary = await runDesignWatchdog(watchdogDeps(recordingMetrics().metrics), watchdogOptions);

      // Assess
      expect(summary.deleted).toBeGreaterThanOrEqual(2);
      expect(await stored(BUCKETS.incomingDesigns, uploadKeyFor(id))).toBe(false);
      expect(await stored(BUCKETS.incomingDesigns, orphanKey)).toBe(false);
      expect(await statusOf(id)).toBe('registered');
    });
  });
});
