import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALL_BUCKETS, BUCKETS } from '../../events/buckets.ts';
import { processUpload, type UploadDeps } from '../../functions/ip-upload/process-upload.ts';
import { type LocalChain, startLocalChain } from '../../infra/local/chain.ts';
import { deployLocalContracts } from '../../infra/local/deploy-contracts.ts';
import { type RunningS3Server, startS3Server } from '../../infra/local/s3/server.ts';
import { insertOrganisation } from '../../shared/accounts/api-key-store.ts';
import { DESIGN_REGISTRY_ABI, DesignRegistry } from '../../shared/chain/design-registry.ts';
import { orgChainAddress } from '../../shared/chain/org-address.ts';
import { type ChainClient, createChainClient } from '../../shared/chain/provider.ts';
import { sendSerialised } from '../../shared/chain/relayer.ts';
import { createLocalKeyWrapper } from '../../shared/crypto/local-key-wrapper.ts';
import { createPool, type DbPool } from '../../shared/db/pool.ts';
import type { DesignFormat } from '../../shared/designs/design.ts';
import { findDesign, insertDesign, recordChainSubmission } from '../../shared/designs/design-repository.ts';
import { DependencyUnavailableError } from '../../shared/errors.ts';
import { idToBytes16, newId } from '../../shared/ids.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { createS3ObjectStore } from '../../shared/storage/s3-object-store.ts';
import {
  cubeObjWithQuads,
  cubeThreeMf,
  threeMfRequiringUnknownExtension,
  threeMfWithRatioBomb,
} from '../fixtures/mesh/generate.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { binaryStlCube } from '../support/design-files.ts';

const REGION = 'local-1';
const S3_CREDENTIALS = { accessKeyId: 'IPUPLOADTEST', secretAccessKey: 'ip-upload-test-secret' };
const registryInterface = new Interface(DESIGN_REGISTRY_ABI);
const DESIGN_REGISTERED = registryInterface.getEvent('DesignRegistered')?.topicHash as string;

/** A loopback port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sha256Of = (file: Buffer) => createHash('sha256').update(file).digest();

/**
 * processUpload with every real dependency: a MariaDB test database, the embedded S3 server,
 * the local EVM chain with the DesignRegistry deployed, the local key wrapper.
 */
describe('Function: processUpload', () => {
  let dataDir: string;
  let db: TestDatabase;
  let pool: DbPool;
  let chain: LocalChain;
  let s3: RunningS3Server;
  let store: ObjectStore;
  let client: ChainClient;
  let registry: DesignRegistry;
  let deps: UploadDeps;
  let orgId: string;
  let stlSize = 1;
  const clients: ChainClient[] = [];

  /** A distinct binary STL cube each call, so no two tests share a fingerprint. */
  const uniqueStl = () => {
    stlSize += 1;
    return binaryStlCube(stlSize);
  };

  /** A design row awaiting upload whose file is already in the incoming bucket. */
  async function uploaded(file: Buffer, format: DesignFormat = 'stl'): Promise<{ id: string; etag: string }> {
    const id = newId();
    await insertDesign(pool, { id, orgId, name: `design ${id}`, format, declaredBytes: file.length });
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

  /** Sends a registration straight from the relayer, outside processUpload. */
  async function registerDirectly(sha256: Buffer, designIdBytes16: string): Promise<string> {
    const txHash = await sendSerialised(pool, client, (nonce) =>
      registry.sendRegister(`0x${sha256.toString('hex')}`, designIdBytes16, orgChainAddress(orgId), nonce),
    );
    const receipt = await client.provider.waitForTransaction(txHash, 1, 30_000);
    expect(receipt?.status).toBe(1);
    return txHash;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-ip-upload-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'ip_upload');
    // The function's own pool size: concurrency in these tests must not need a bigger one.
    pool = createPool(db.url);
    chain = await startLocalChain();
    const { DesignRegistry: registryAddress } = await deployLocalContracts(
      chain.rpcUrl,
      chain.privateKeys.deployer,
      chain.accounts.relayer,
    );
    s3 = await startS3Server({
      dataDir: join(dataDir, 'objects'),
      ...S3_CREDENTIALS,
      region: REGION,
      namespace: 'forgecast',
      buckets: ALL_BUCKETS,
    });
    store = createS3ObjectStore({ endpoint: s3.endpoint, region: REGION, ...S3_CREDENTIALS });
    client = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.relayer,
      chainId: chain.chainId,
      pollingIntervalMs: 50,
    });
    clients.push(client);
    registry = await DesignRegistry.connect(client, registryAddress);
    deps = {
      pool,
      store,
      keys: createLocalKeyWrapper(randomBytes(32)),
      chain: { client, registry, chainId: chain.chainId },
      buckets: { incoming: BUCKETS.incomingDesigns, vault: BUCKETS.vault, media: BUCKETS.media },
    };
    orgId = newId();
    await insertOrganisation(pool, { id: orgId, name: 'Designer', kind: 'designer' });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await pool?.end();
    await s3?.stop();
    await chain?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
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
      if (outcome.status === 'rejected') {
        expect(String(outcome.reason)).toMatch(/being processed by another attempt/);
      } else if (outcome !== processed[0]) {
        expect(outcome.value.status).toBe('duplicate');
      }
    }
    expect(await relayerNonce()).toBe(nonceBefore + 1);
    expect(await registrationLogs(sha256Of(file))).toHaveLength(1);
    const events = await outboxRows(id);
    expect(events.map((row) => row.event_type)).toEqual(['design.registered']);
    const design = await findDesign(pool, id);
    expect(design?.status).toBe('registered');
    expect(design?.chain?.txHash).toBe(JSON.parse(events[0]?.payload).txHash);
    expect(await stored(BUCKETS.incomingDesigns, `designs/${id}/source`)).toBe(false);
    expect(await stored(BUCKETS.vault, `designs/${id}/v1.bin`)).toBe(true);
  });

  it('leaves the design validating when the chain is down, and registers once on a later retry', async () => {
    // Prepare
    const downClient = await createChainClient({
      rpcUrl: `http://127.0.0.1:${await closedPort()}`,
      privateKey: chain.privateKeys.relayer,
      chainId: chain.chainId,
      pollingIntervalMs: 50,
    });
    clients.push(downClient);
    const downDeps: UploadDeps = {
      ...deps,
      chain: {
        client: downClient,
        registry: await DesignRegistry.connect(downClient, registry.address),
        chainId: chain.chainId,
      },
    };
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
    expect(await outboxRows(id)).toHaveLength(0);
    expect(await stored(BUCKETS.incomingDesigns, `designs/${id}/source`)).toBe(true);
    // While the lease is live another delivery backs off.
    await expect(processUpload(deps, id, etag)).rejects.toThrow(/being processed by another attempt/);

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
    const txHash = await registerDirectly(sha256Of(file), idToBytes16(id));
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
  });

  it('rejects a fingerprint another design id holds on chain and keeps nothing of the upload', async () => {
    // Prepare
    const file = uniqueStl();
    const otherDesign = idToBytes16(newId());
    await registerDirectly(sha256Of(file), otherDesign);
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
    expect(await stored(BUCKETS.incomingDesigns, `designs/${id}/source`)).toBe(false);
    expect(await stored(BUCKETS.vault, `designs/${id}/v1.bin`)).toBe(false);
    expect(await stored(BUCKETS.media, `designs/${id}/thumbnail.png`)).toBe(false);
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
  });
});
