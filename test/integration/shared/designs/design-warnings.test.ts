import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALL_BUCKETS, BUCKETS } from '#events/buckets.ts';
import { presentDesign } from '#functions/designs/present.ts';
import { processUpload, type UploadDeps } from '#functions/ip-upload/process-upload.ts';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { DesignRegistry } from '#shared/chain/design-registry.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import { TxRelayer } from '#shared/chain/tx-relayer.ts';
import { createLocalKeyWrapper } from '#shared/crypto/local-key-wrapper.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import type { Design, DesignFormat } from '#shared/designs/design.ts';
import { findDesign, insertDesign } from '#shared/designs/design-repository.ts';
import { newId } from '#shared/ids.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { randomChunkSizes } from '#test/fixtures/mesh/feed.ts';
import { cubeThreeMfWithThumbnail, threeMfWithMistypedThumbnail } from '#test/fixtures/mesh/generate.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { type LocalChain, startLocalChain } from '../../../../infra/local/chain.ts';
import { deployLocalContracts } from '../../../../infra/local/deploy-contracts.ts';

const REGION = 'local-1';
const S3_CREDENTIALS = { accessKeyId: 'WARNINGSTEST', secretAccessKey: 'design-warnings-test-secret' };

describe('Design validation warnings (processUpload → designs.validation_warnings → presentDesign)', () => {
  let db: TestDatabase;
  let pool: DbPool;
  let chain: LocalChain;
  let s3: S3TestServer;
  let client: ChainClient;
  let deps: UploadDeps;
  let orgId: string;

  /** Uploads `file` as a new design of `format` and processes its upload event. */
  async function uploadAndProcess(file: Buffer, format: DesignFormat): Promise<Design> {
    const id = newId();
    await insertDesign(pool, { id, orgId, name: `design ${id}`, format, declaredBytes: file.length });
    const { etag } = await deps.store.put(BUCKETS.incomingDesigns, `designs/${id}/source`, file);
    await processUpload(deps, id, etag);
    return (await findDesign(pool, id)) as Design;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'design_warnings');
    pool = createPool(db.url);
    chain = await startLocalChain();
    const { DesignRegistry: registryAddress } = await deployLocalContracts(
      chain.rpcUrl,
      chain.privateKeys.deployer,
      chain.accounts.relayer,
    );
    s3 = await startS3TestServer({
      tempPrefix: 'fc-design-warnings-',
      ...S3_CREDENTIALS,
      region: REGION,
      namespace: 'forgecast',
      buckets: ALL_BUCKETS,
    });
    client = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.relayer,
      chainId: chain.chainId,
      pollingIntervalMs: 50,
    });
    deps = {
      pool,
      store: createS3ObjectStore({ endpoint: s3.server.endpoint, region: REGION, ...S3_CREDENTIALS }),
      keys: createLocalKeyWrapper(randomBytes(32)),
      chain: {
        relayer: await TxRelayer.create(pool, client),
        registry: await DesignRegistry.connect(client, registryAddress),
      },
      buckets: { incoming: BUCKETS.incomingDesigns, vault: BUCKETS.vault, media: BUCKETS.media },
    };
    orgId = newId();
    await insertOrganisation(pool, { id: orgId, name: 'Designer', kind: 'designer' });
  });
  afterAll(async () => {
    client?.close();
    await pool?.end();
    await s3?.stop();
    await chain?.stop();
    await db?.drop();
  });

  it('registers a 3MF whose thumbnail has the wrong relationship type, and shows the warning', async () => {
    // Act
    const design = await uploadAndProcess(threeMfWithMistypedThumbnail(), '3mf');

    // Assess
    expect(design.status).toBe('registered');
    expect(design.warnings).toEqual([
      {
        code: '3mf-thumbnail-relationship-type',
        message: expect.stringContaining('/Metadata/thumbnail.png'),
      },
    ]);
    expect(presentDesign(design).warnings).toEqual(design.warnings);
  });

  it('shows no warnings for a 3MF declared as the specification asks', async () => {
    // Act
    const design = await uploadAndProcess(cubeThreeMfWithThumbnail(), '3mf');

    // Assess
    expect(design.status).toBe('registered');
    expect(presentDesign(design).warnings).toEqual([]);
  });

  it('rejects a random file declared as STL for its size, not as a mesh to decimate', async () => {
    // Prepare: 32 KB of deterministic noise.
    const next = randomChunkSizes(7, 256);
    const noise = Buffer.from(Array.from({ length: 32 * 1024 }, () => next() - 1));
    noise.writeUInt32LE(0x7fffffff, 80);

    // Act
    const design = await uploadAndProcess(noise, 'stl');

    // Assess
    expect(design.status).toBe('rejected');
    expect(design.rejection?.code).toBe('stl-size-mismatch');
    expect(design.rejection?.reason).toContain('does not match the file size');
    expect(design.rejection?.reason).not.toContain('decimate');
  });
});
