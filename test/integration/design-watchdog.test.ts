import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALL_BUCKETS, BUCKETS } from '../../events/buckets.ts';
import type { ObjectStorageEvent } from '../../events/object-storage-event.ts';
import { rulesFromManifests } from '../../events/rules.ts';
import { scheduleTick } from '../../events/schedule-tick.ts';
import { ipUploadManifest } from '../../functions/ip-upload/manifest.ts';
import { type LocalChain, startLocalChain } from '../../infra/local/chain.ts';
import { deployLocalContracts } from '../../infra/local/deploy-contracts.ts';
import { EventRouter } from '../../infra/local/event-router.ts';
import { FnRunner } from '../../infra/local/fn/runner.ts';
import { type RunningS3Server, startS3Server } from '../../infra/local/s3/server.ts';
import { insertOrganisation } from '../../shared/accounts/api-key-store.ts';
import { uploadKeyFor } from '../../shared/designs/design.ts';
import { claimForProcessing, findDesign, insertDesign } from '../../shared/designs/design-repository.ts';
import { newId } from '../../shared/ids.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { createS3ObjectStore } from '../../shared/storage/s3-object-store.ts';
import { bundledFunction } from '../support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { binaryStlCube } from '../support/design-files.ts';

const REGION = 'local-1';
const S3_CREDENTIALS = { accessKeyId: 'WATCHDOGTEST', secretAccessKey: 'design-watchdog-secret' };

/**
 * ip-upload as built for Fn (npm test builds the bundle first), fed by the local event router from
 * the embedded S3 server, with real MariaDB and the local chain: what happens to an upload whose
 * attempt died or whose event never came, and what the watchdog schedule does about it.
 */
describe('Function: ip-upload watchdog (bundled, behind the event router)', () => {
  let dataDir: string;
  let db: TestDatabase;
  let chain: LocalChain;
  let s3: RunningS3Server;
  let store: ObjectStore;
  let runner: FnRunner;
  let router: EventRouter;
  let orgId: string;
  /** Upload keys whose object events are dropped on the way to the router (lost events). */
  const lostEventKeys = new Set<string>();
  let cubeSize = 100;
  /** A distinct binary STL each call, so no two tests share a fingerprint. */
  const uniqueStl = () => {
    cubeSize += 1;
    return binaryStlCube(cubeSize);
  };

  async function designAwaitingUpload(file: Buffer): Promise<string> {
    const id = newId();
    await insertDesign(db.pool, {
      id,
      orgId,
      name: `design ${id}`,
      format: 'stl',
      declaredBytes: file.length,
    });
    return id;
  }

  /** What the Resource Scheduler sends each minute, through the same Fn runner. */
  async function tick(): Promise<Record<string, unknown>> {
    const outcome = await runner.call(ipUploadManifest.name, {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(scheduleTick(ipUploadManifest.name, 'watchdog'))),
    });
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return {};
    return JSON.parse(outcome.reply.body.toString('utf8')) as Record<string, unknown>;
  }

  async function untilLeaseLapsed(id: string): Promise<void> {
    for (;;) {
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT lease_until < NOW(3) AS lapsed FROM designs WHERE id = ?',
        [id],
      );
      if (Number(rows[0]?.lapsed) === 1) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-design-watchdog-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'design_watchdog');
    chain = await startLocalChain();
    const contracts = await deployLocalContracts(
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
      // The router is made below; events only flow once the tests upload.
      onObjectEvent: (event: ObjectStorageEvent) =>
        lostEventKeys.has(event.data.resourceName) ? undefined : router.publish(event),
    });
    runner = new FnRunner(
      [
        bundledFunction(
          ipUploadManifest.name,
          {
            MYSQL_URL: db.url,
            S3_ENDPOINT: s3.endpoint,
            S3_REGION: REGION,
            S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
            S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
            INCOMING_BUCKET: BUCKETS.incomingDesigns,
            VAULT_BUCKET: BUCKETS.vault,
            MEDIA_BUCKET: BUCKETS.media,
            CHAIN_RPC_URL: chain.rpcUrl,
            CHAIN_RELAYER_KEY: chain.privateKeys.relayer,
            CHAIN_ID: String(chain.chainId),
            KEY_WRAPPER: 'local',
            MASTER_KEY_BASE64: randomBytes(32).toString('base64'),
            DESIGN_REGISTRY_ADDRESS: contracts.DesignRegistry,
            DESIGN_WATCHDOG_GRACE_SECONDS: '30',
          },
          // Generous: this machine is shared and the first call loads ethers.
          120,
        ),
      ],
      { processesPerFunction: 1 },
    );
    router = new EventRouter({
      rules: rulesFromManifests([ipUploadManifest]),
      runner,
      dataDir: join(dataDir, 'events'),
      // The attempts and backoff of the local cloud: the router gives up within about 4 s.
      maxAttempts: 5,
      firstBackoffMs: 250,
    });
    await router.start();
    store = createS3ObjectStore({ endpoint: s3.endpoint, region: REGION, ...S3_CREDENTIALS });
    orgId = newId();
    await insertOrganisation(db.pool, { id: orgId, name: 'Designer', kind: 'designer' });
  });
  afterAll(async () => {
    await router?.close();
    await runner?.close();
    await s3?.stop();
    await chain?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('registers a design whose attempt was killed after its claim landed, without a dead letter', async () => {
    // Prepare: the killed attempt's claim is in place when the object's event is delivered. Its
    // lease (180 s in production) outlasts the router's five attempts (about 4 s).
    const file = uniqueStl();
    const id = await designAwaitingUpload(file);
    expect(await claimForProcessing(db.pool, id, 'killed-attempt', 8)).toBe('claimed');
    await store.put(BUCKETS.incomingDesigns, uploadKeyFor(id), file);
    await router.idle();
    expect(await router.deadLetters()).toEqual([]);
    expect((await findDesign(db.pool, id))?.status).toBe('validating');
    await untilLeaseLapsed(id);

    // Act
    const outcome = await tick();

    // Assess
    expect(outcome).toMatchObject({ status: 'processed', detail: { registered: 1, failed: 0 } });
    expect((await findDesign(db.pool, id))?.status).toBe('registered');
    expect(await store.head(BUCKETS.incomingDesigns, uploadKeyFor(id))).toBeUndefined();
    expect(await router.deadLetters()).toEqual([]);
  });

  it('registers an upload whose event never came', async () => {
    // Prepare
    const file = uniqueStl();
    const id = await designAwaitingUpload(file);
    lostEventKeys.add(uploadKeyFor(id));
    await store.put(BUCKETS.incomingDesigns, uploadKeyFor(id), file);
    await db.pool.query('UPDATE designs SET created_at = NOW(3) - INTERVAL 5 MINUTE WHERE id = ?', [id]);

    // Act
    const outcome = await tick();

    // Assess
    expect(outcome).toMatchObject({ status: 'processed', detail: { registered: 1 } });
    expect((await findDesign(db.pool, id))?.status).toBe('registered');
    expect(await store.head(BUCKETS.incomingDesigns, uploadKeyFor(id))).toBeUndefined();
  });
});
