import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALL_BUCKETS, BUCKETS } from '#events/buckets.ts';
import type { ObjectStorageEvent } from '#events/object-storage-event.ts';
import { rulesFromManifests } from '#events/rules.ts';
import { scheduleTick } from '#events/schedule-tick.ts';
import { ipUploadManifest } from '#functions/ip-upload/manifest.ts';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { uploadKeyFor } from '#shared/designs/design.ts';
import { claimForProcessing, findDesign, insertDesign } from '#shared/designs/design-repository.ts';
import { newId } from '#shared/ids.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { binaryStlCube } from '#test/support/design-files.ts';
import { type LocalChain, startLocalChain } from '../../../../infra/local/chain.ts';
import { deployLocalContracts } from '../../../../infra/local/deploy-contracts.ts';
import { EventRouter } from '../../../../infra/local/event-router.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningS3Server, startS3Server } from '../../../../infra/local/s3/server.ts';

const REGION = 'local-1';
const S3_CREDENTIALS = { accessKeyId: 'WATCHDOGTEST', secretAccessKey: 'design-watchdog-secret' };
const FUNCTION_TIMEOUT_SECONDS = 15;

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
  /** The router's log lines, to follow each delivery's outcome. */
  const routerLog: Array<Record<string, unknown>> = [];
  const routerLogWaiters: Array<{ test: (line: Record<string, unknown>) => boolean; resolve: () => void }> =
    [];
  const routerLogged = (test: (line: Record<string, unknown>) => boolean) =>
    routerLog.some(test)
      ? Promise.resolve()
      : new Promise<void>((resolve) => routerLogWaiters.push({ test, resolve }));
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
      // The first tick loads ethers and seals; this machine is shared.
      timeoutMs: 120_000,
      body: Buffer.from(JSON.stringify(scheduleTick(ipUploadManifest.name, 'watchdog'))),
    });
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return {};
    return JSON.parse(outcome.reply.body.toString('utf8')) as Record<string, unknown>;
  }

  /** Polls until ip-upload's claim (an UPDATE of designs) is waiting in the database. */
  async function untilClaimWaitsOnTheRow(): Promise<void> {
    for (;;) {
      const [rows] = await db.pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
          WHERE DB = DATABASE() AND INFO LIKE 'UPDATE designs%'`,
      );
      if (Number(rows[0]?.n) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
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
          // Event deliveries; the watchdog's ticks pass their own, longer deadline.
          FUNCTION_TIMEOUT_SECONDS,
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
      log: (line) => {
        routerLog.push(line);
        for (const waiter of routerLogWaiters.filter((w) => w.test(line))) {
          routerLogWaiters.splice(routerLogWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      },
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
    expect(await claimForProcessing(db.pool, id, 'killed-attempt', 60)).toBe('claimed');
    await store.put(BUCKETS.incomingDesigns, uploadKeyFor(id), file);
    await router.idle();
    expect(await router.deadLetters()).toEqual([]);
    expect((await findDesign(db.pool, id))?.status).toBe('validating');
    // The lease runs out (moved back here rather than waited for).
    await db.pool.query('UPDATE designs SET lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [id]);

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

  it('finishes an upload whose attempt was killed during a database stall after its claim landed', async () => {
    // Prepare: another transaction holds the design's row, as a stalled database would.
    const file = uniqueStl();
    const id = await designAwaitingUpload(file);
    const stall = await db.pool.getConnection();
    try {
      await stall.beginTransaction();
      await stall.query('SELECT id FROM designs WHERE id = ? FOR UPDATE', [id]);

      // Act: the first delivery's claim waits on the row; its process is killed while waiting;
      // then the stall ends and the dead process's claim lands.
      const failed = routerLogged(
        (line) => line.msg === 'event delivery failed' && line.object === uploadKeyFor(id),
      );
      await store.put(BUCKETS.incomingDesigns, uploadKeyFor(id), file);
      await untilClaimWaitsOnTheRow();
      for (const pid of runner.pool(ipUploadManifest.name).pids) process.kill(pid, 'SIGKILL');
      await failed;
      await stall.rollback();
    } finally {
      stall.release();
    }
    await router.idle();

    // Assess: the claim landed for the dead attempt, later deliveries left the design to it and
    // nothing was dead-lettered; the design waits for its lease to lapse.
    const [claimed] = await db.pool.query<RowDataPacket[]>(
      'SELECT status, lease_until > NOW(3) + INTERVAL 60 SECOND AS long_lease FROM designs WHERE id = ?',
      [id],
    );
    expect(claimed[0]).toMatchObject({ status: 'validating', long_lease: 1 });
    const delivered = routerLog.filter(
      (line) => line.msg === 'event delivered' && line.object === uploadKeyFor(id),
    );
    expect(delivered.map((line) => line.result)).toEqual([
      { status: 'ignored', reason: `design ${id} is being processed by another attempt` },
    ]);
    expect(await router.deadLetters()).toEqual([]);

    // Act: the 180 s lease runs out (moved back here rather than waited for); the next tick comes.
    await db.pool.query('UPDATE designs SET lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [id]);
    const outcome = await tick();

    // Assess
    expect(outcome).toMatchObject({ status: 'processed', detail: { registered: 1 } });
    expect((await findDesign(db.pool, id))?.status).toBe('registered');
    expect(await store.head(BUCKETS.incomingDesigns, uploadKeyFor(id))).toBeUndefined();
  });
});
