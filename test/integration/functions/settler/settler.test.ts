import { randomBytes } from 'node:crypto';
import { Contract, Wallet } from 'ethers';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
import { settlerManifest } from '#functions/settler/manifest.ts';
import {
  runSettler,
  SETTLEMENT_PURPOSE,
  SETTLER_LOCK,
  type SettlerDeps,
  type SettlerLimits,
  type SettlerSummary,
} from '#functions/settler/settlement.ts';
import { LICENSE_LEDGER_ABI, LicenseLedger } from '#shared/chain/license-ledger.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import { TxRelayer } from '#shared/chain/tx-relayer.ts';
import { idToBytes16 } from '#shared/ids.ts';
import { advanceMint } from '#shared/licenses/license-minting.ts';
import { authorizePrint, completePrint } from '#shared/licenses/print-ledger.ts';
import { openSettlement } from '#shared/licenses/settlement-repository.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { createLicense, insertPrinter, insertRegisteredDesign } from '#test/support/licenses.ts';
import { type LocalChain, startLocalChain } from '../../../../infra/local/chain.ts';
import { deployLocalContracts } from '../../../../infra/local/deploy-contracts.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { Scheduler, scheduledCalls } from '../../../../infra/local/scheduler.ts';

/** A bound on waiting for a receipt, never an expectation about speed. */
const RECEIPT_WAIT_MS = 30_000;

const LIMITS: SettlerLimits = {
  maxPrints: 200,
  maxLicenses: 50,
  sweepAfterSeconds: 60,
  receiptWaitMs: RECEIPT_WAIT_MS,
  releaseLimit: 500,
  nudgeVisibilitySeconds: 120,
};

/**
 * The settler on a real MariaDB and the embedded chain with LicenseLedger deployed: once as the
 * bundled function fired by the local scheduler, otherwise through runSettler with the same
 * relayer, ledger and queue the function builds.
 */
describe('Function: settler', () => {
  let db: TestDatabase;
  let chain: LocalChain;
  let client: ChainClient;
  let deps: SettlerDeps;
  let ledger: LicenseLedger;
  let queue: MySqlWorkQueue;
  let runner: FnRunner;
  let scheduler: Scheduler;
  let issuerOrgId: string;
  let holderOrgId: string;
  let printerId: string;
  let designId: string;

  async function mintedLicense(printsTotal: number, failureAllowance = 0): Promise<string> {
    const id = await createLicense(db.pool, {
      issuerOrgId,
      holderOrgId,
      designId,
      printsTotal,
      failureAllowance,
      status: 'pending',
    });
    const license = await advanceMint(deps, id, RECEIPT_WAIT_MS);
    expect(license.status).toBe('active');
    return id;
  }

  /** Authorised and completed prints; nudged onto the settlement queue unless told otherwise. */
  async function counted(licenseId: string, prints: number, options: { nudge?: boolean } = {}) {
    const jobIds: string[] = [];
    for (let i = 0; i < prints; i += 1) {
      const jobId = await grant(licenseId);
      const completion = await completePrint(db.pool, { jobId, printerId, outcome: 'succeeded' });
      expect(completion.kind).toBe('completed');
      jobIds.push(jobId);
    }
    if (options.nudge !== false) await nudge(jobIds);
    return jobIds;
  }

  async function grant(licenseId: string): Promise<string> {
    const authorization = await authorizePrint(db.pool, {
      licenseId,
      printerId,
      orgId: holderOrgId,
      designId,
      grantTtlSeconds: 3600,
    });
    if (!authorization.granted) throw new Error(`not granted: ${authorization.refusal.reason}`);
    return authorization.jobId;
  }

  const nudge = (jobIds: readonly string[]) => queue.put(jobIds.map((jobId) => JSON.stringify({ jobId })));

  async function tokenOf(licenseId: string): Promise<string> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT token_id FROM licenses WHERE id = ?', [
      licenseId,
    ]);
    return String(rows[0]?.token_id);
  }

  const chainUsed = async (licenseId: string) =>
    (await ledger.licenseOf(await tokenOf(licenseId))).printsUsed;

  async function printsSettled(licenseId: string): Promise<number> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT prints_settled FROM licenses WHERE id = ?', [
      licenseId,
    ]);
    return Number(rows[0]?.prints_settled);
  }

  async function unsettledJobs(jobIds: readonly string[]): Promise<string[]> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT id FROM print_jobs WHERE id IN (?) AND settled_at IS NULL',
      [[...jobIds]],
    );
    return rows.map((row) => String(row.id));
  }

  async function settlementTransactions(): Promise<number> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM chain_transactions WHERE purpose = ?`,
      [SETTLEMENT_PURPOSE],
    );
    return Number(rows[0]?.n);
  }

  const rpc = (method: string, params: unknown[] = []) => client.provider.send(method, params);

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'settler');
    chain = await startLocalChain();
    const contracts = await deployLocalContracts(
      chain.rpcUrl,
      chain.privateKeys.deployer,
      chain.accounts.relayer,
    );
    client = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.relayer,
      chainId: chain.chainId,
      pollingIntervalMs: 50,
    });
    const relayer = await TxRelayer.create(db.pool, client);
    ledger = await LicenseLedger.connect(client, contracts.LicenseLedger);
    queue = new MySqlWorkQueue({ pool: db.pool, name: QUEUES.settlement });
    deps = { pool: db.pool, relayer, ledger, provider: client.provider, queue };

    issuerOrgId = (await createOrgWithKey(db.pool, ['licenses:write'], { kind: 'designer' })).orgId;
    holderOrgId = (await createOrgWithKey(db.pool, ['prints:authorize'], { kind: 'licensee' })).orgId;
    designId = await insertRegisteredDesign(db.pool, issuerOrgId);
    printerId = await insertPrinter(db.pool, holderOrgId);

    runner = new FnRunner(
      [
        bundledFunction(
          settlerManifest.name,
          {
            MYSQL_URL: db.url,
            CHAIN_RPC_URL: chain.rpcUrl,
            CHAIN_RELAYER_KEY: chain.privateKeys.relayer,
            LICENSE_LEDGER_ADDRESS: contracts.LicenseLedger,
            SETTLE_RECEIPT_WAIT_MS: String(RECEIPT_WAIT_MS),
          },
          settlerManifest.timeoutSeconds,
        ),
      ],
      { processesPerFunction: 1 },
    );
    scheduler = new Scheduler({ runner, calls: scheduledCalls([settlerManifest]), autoStart: false });
  });

  afterAll(async () => {
    await scheduler?.close();
    await runner?.close();
    client?.close();
    await chain?.stop();
    await db?.drop();
  });

  it('settles the counted prints of several licenses in one batch when its schedule fires', async () => {
    // Prepare
    const licenses = [await mintedLicense(10, 1), await mintedLicense(10), await mintedLicense(5)];
    const jobs = [
      await counted(licenses[0] as string, 4),
      await counted(licenses[1] as string, 3),
      await counted(licenses[2] as string, 2),
    ];
    const refundedJob = await grant(licenses[0] as string);
    await completePrint(db.pool, { jobId: refundedJob, printerId, outcome: 'failed', reason: 'warped' });
    await nudge([refundedJob]);

    // Act
    const outcome = await scheduler.runNow(settlerManifest.name);

    // Assess
    expect(outcome.kind).toBe('ok');
    const body = JSON.parse(outcome.kind === 'ok' ? outcome.reply.body.toString('utf8') : '{}') as {
      status: string;
      detail: SettlerSummary;
    };
    expect(body.status).toBe('processed');
    expect(body.detail).toMatchObject({
      batches: 1,
      settledPrints: 9,
      licenses: 3,
      refused: null,
      waitingFor: null,
    });
    expect(body.detail.txHash).toMatch(/^0x[0-9a-f]{64}$/);

    for (const [index, licenseId] of licenses.entries()) {
      const expected = jobs[index]?.length;
      expect(await chainUsed(licenseId)).toBe(expected);
      expect(await printsSettled(licenseId)).toBe(expected);
    }
    expect(await unsettledJobs(jobs.flat())).toEqual([]);
    const receipt = await client.provider.getTransactionReceipt(body.detail.txHash as string);
    const settledEvents = (receipt?.logs ?? []).map((log) => ledger.decodeLog(log));
    expect(settledEvents.map((event) => event?.name)).toEqual([
      'PrintsSettled',
      'PrintsSettled',
      'PrintsSettled',
    ]);

    const [refunded] = await db.pool.query<RowDataPacket[]>(
      'SELECT counted, settlement_id, settled_at FROM print_jobs WHERE id = ?',
      [refundedJob],
    );
    expect(refunded[0]).toMatchObject({ counted: 0, settlement_id: null, settled_at: null });
    expect(await queue.stats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    const [settlements] = await db.pool.query<RowDataPacket[]>(
      'SELECT status, prints FROM settlements WHERE id = ?',
      [body.detail.settlementId],
    );
    expect(settlements[0]).toMatchObject({ status: 'confirmed', prints: 9 });
    const [events] = await db.pool.query<RowDataPacket[]>(
      `SELECT aggregate_id, payload FROM outbox WHERE event_type = 'prints.settled' AND aggregate_id IN (?)`,
      [licenses],
    );
    expect(events.map((row) => JSON.parse(String(row.payload)).prints).sort()).toEqual([2, 3, 4]);
  });

  it('settles a print once however often it is nudged, and drops nudges with nothing to do', async () => {
    // Prepare
    const licenseId = await mintedLicense(5);
    const jobIds = await counted(licenseId, 2);
    await nudge(jobIds);
    await queue.put(['not a nudge']);

    // Act
    const first = await runSettler(deps, LIMITS);
    await nudge(jobIds);
    const second = await runSettler(deps, LIMITS);

    // Assess
    expect(first).toMatchObject({ batches: 1, settledPrints: 2 });
    expect(first.nudges).toEqual({ received: 5, acknowledged: 5 });
    expect(second).toMatchObject({ batches: 0, settledPrints: 0, nudges: { received: 2, acknowledged: 2 } });
    expect(await chainUsed(licenseId)).toBe(2);
    expect(await printsSettled(licenseId)).toBe(2);
    expect(await queue.stats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  it('never dead-letters a nudge, however often the settler dies after receiving it; the sweep settles its print', async () => {
    // Prepare: a queue that dead-letters on the second delivery, and a settler that dies after
    // receiving its nudges (its chain reads fail), as when the settler was killed over and over.
    const fragile = new MySqlWorkQueue({ pool: db.pool, name: QUEUES.settlement, maxDeliveries: 2 });
    const licenseId = await mintedLicense(5);
    const jobIds = await counted(licenseId, 2, { nudge: false });
    await fragile.put(jobIds.map((jobId) => JSON.stringify({ jobId })));
    const dying: SettlerDeps = {
      ...deps,
      queue: fragile,
      ledger: new Proxy(ledger, {
        get(target, property, receiver) {
          if (property === 'licenseOf') {
            return async () => {
              throw new Error('killed');
            };
          }
          return Reflect.get(target, property, receiver);
        },
      }),
    };
    // A run's nudges come back a second later if it did not acknowledge them.
    const limits = { ...LIMITS, nudgeVisibilitySeconds: 1 };
    const visibilityLapsed = () => new Promise((resolve) => setTimeout(resolve, 1_100));

    // Act: the first run dies holding the nudges; later runs die too whenever they get them back.
    await expect(runSettler(dying, limits)).rejects.toThrow('killed');
    for (let run = 0; run < 3; run++) {
      await visibilityLapsed();
      await runSettler(dying, limits).catch(() => undefined);
    }

    // Assess: nothing dead-lettered (no alarm), and the print is still settled, by the sweep.
    expect(await fragile.stats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    await db.pool.query('UPDATE print_jobs SET completed_at = NOW(3) - INTERVAL 2 MINUTE WHERE id IN (?)', [
      jobIds,
    ]);
    expect(await runSettler({ ...deps, queue: fragile }, LIMITS)).toMatchObject({ settledPrints: 2 });
    expect(await chainUsed(licenseId)).toBe(2);
  });

  it('sweeps up counted prints whose nudge was lost, once they have waited past the sweep age', async () => {
    // Prepare
    const lost = await mintedLicense(5);
    const fresh = await mintedLicense(5);
    const lostJobs = await counted(lost, 2, { nudge: false });
    const freshJobs = await counted(fresh, 1, { nudge: false });
    await db.pool.query('UPDATE print_jobs SET completed_at = NOW(3) - INTERVAL 2 MINUTE WHERE id IN (?)', [
      lostJobs,
    ]);

    // Act
    const swept = await runSettler(deps, LIMITS);

    // Assess
    expect(swept).toMatchObject({ batches: 1, settledPrints: 2 });
    expect(await chainUsed(lost)).toBe(2);
    expect(await unsettledJobs(freshJobs)).toEqual(freshJobs);

    // Clean-up: the fresh print is settled once nudged.
    await nudge(freshJobs);
    expect(await runSettler(deps, LIMITS)).toMatchObject({ settledPrints: 1 });
    expect(await chainUsed(fresh)).toBe(1);
  });

  it('confirms a batch whose transaction was mined before a crash, without sending it again', async () => {
    // Prepare: a run claimed the jobs and sent the batch, then died before recording either.
    const licenseId = await mintedLicense(5);
    const jobIds = await counted(licenseId, 3);
    const opened = await openSettlement(db.pool, jobIds);
    if (!opened) throw new Error('nothing claimed');
    const sent = await deps.relayer.submit({
      to: ledger.address,
      data: ledger.encodeSettleBatch([
        { tokenId: await tokenOf(licenseId), usedBefore: 0, jobIds: jobIds.map(idToBytes16) },
      ]),
      purpose: SETTLEMENT_PURPOSE,
      ref: String(opened.id),
    });
    expect((await deps.relayer.waitForReceipt(sent, RECEIPT_WAIT_MS)).status).toBe('mined');
    const transactionsBefore = await settlementTransactions();

    // Act
    const summary = await runSettler(deps, LIMITS);

    // Assess
    expect(summary.earlier).toEqual({ confirmed: 3, adopted: 0, requeued: 0 });
    expect(summary.batches).toBe(0);
    expect(await settlementTransactions()).toBe(transactionsBefore);
    expect(await chainUsed(licenseId)).toBe(3);
    expect(await printsSettled(licenseId)).toBe(3);
    expect(await unsettledJobs(jobIds)).toEqual([]);
    expect(await queue.stats()).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it('adopts prints the chain counted although no settlement remembers them, and never sends them again', async () => {
    // Prepare: the batch went out and was mined, and every trace of it in the database was lost.
    const licenseId = await mintedLicense(6);
    const jobIds = await counted(licenseId, 4);
    const sent = await deps.relayer.submit({
      to: ledger.address,
      data: ledger.encodeSettleBatch([
        { tokenId: await tokenOf(licenseId), usedBefore: 0, jobIds: jobIds.map(idToBytes16) },
      ]),
      purpose: 'forgotten',
      ref: licenseId,
    });
    expect((await deps.relayer.waitForReceipt(sent, RECEIPT_WAIT_MS)).status).toBe('mined');
    const transactionsBefore = await settlementTransactions();

    // Act
    const summary = await runSettler(deps, LIMITS);

    // Assess
    expect(summary).toMatchObject({ adopted: 4, batches: 0, settledPrints: 0 });
    expect(await settlementTransactions()).toBe(transactionsBefore);
    expect(await chainUsed(licenseId)).toBe(4);
    expect(await printsSettled(licenseId)).toBe(4);
    expect(await unsettledJobs(jobIds)).toEqual([]);
  });

  it('recovers a batch reverted by a stale usedBefore and settles it again against the fresh count', async () => {
    // Prepare: someone else settles a print of the license between our dry run and mining.
    const licenseId = await mintedLicense(6);
    const tokenId = await tokenOf(licenseId);
    const jobIds = await counted(licenseId, 3);
    const admin = new Wallet(chain.privateKeys.deployer, client.provider);
    const ledgerAsAdmin = new Contract(ledger.address, LICENSE_LEDGER_ABI, admin);
    const settlerRole = (await ledgerAsAdmin.getFunction('SETTLER_ROLE')()) as string;
    await (await ledgerAsAdmin.getFunction('grantRole')(settlerRole, admin.address)).wait();

    await rpc('evm_setAutomine', [false]);
    let stale: SettlerSummary;
    try {
      stale = await runSettler(deps, { ...LIMITS, receiptWaitMs: 0 });
      await ledgerAsAdmin.getFunction('settle')(tokenId, 0, [`0x${randomBytes(16).toString('hex')}`], {
        maxPriorityFeePerGas: 50_000_000_000n,
        maxFeePerGas: 100_000_000_000n,
        gasLimit: 200_000n,
      });
      await rpc('evm_mine');
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
    expect(stale.batches).toBe(1);
    expect(stale.waitingFor).toBe(stale.settlementId);
    const staleReceipt = await client.provider.getTransactionReceipt(stale.txHash as string);
    expect(staleReceipt?.status).toBe(0);

    // Act
    const recovered = await runSettler(deps, LIMITS);

    // Assess
    expect(recovered.earlier).toEqual({ confirmed: 0, adopted: 0, requeued: 3 });
    expect(recovered).toMatchObject({ batches: 1, settledPrints: 3 });
    expect(await chainUsed(licenseId)).toBe(4);
    expect(await printsSettled(licenseId)).toBe(3);
    expect(await unsettledJobs(jobIds)).toEqual([]);
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT id, status, error FROM settlements WHERE id IN (?, ?) ORDER BY id',
      [stale.settlementId, recovered.settlementId],
    );
    expect(rows.map((row) => row.status)).toEqual(['failed', 'confirmed']);
    expect(String(rows[0]?.error)).toContain('reverted');
  });

  it('releases expired grants back to their licenses', async () => {
    // Prepare
    const licenseId = await mintedLicense(2);
    const jobId = await grant(licenseId);
    await db.pool.query('UPDATE print_jobs SET grant_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [
      jobId,
    ]);

    // Act
    const summary = await runSettler(deps, LIMITS);

    // Assess
    expect(summary.released).toBe(1);
    const [rows] = await db.pool.query<RowDataPacket[]>(
      `SELECT pj.state, l.prints_reserved FROM print_jobs pj JOIN licenses l ON l.id = pj.license_id
        WHERE pj.id = ?`,
      [jobId],
    );
    expect(rows[0]).toMatchObject({ state: 'expired', prints_reserved: 0 });
  });

  it('leaves settling to the settler that holds the lock', async () => {
    // Prepare
    const licenseId = await mintedLicense(3);
    const jobIds = await counted(licenseId, 1);
    const holder = await db.pool.getConnection();
    await holder.query('SELECT GET_LOCK(?, 0)', [SETTLER_LOCK]);

    // Act
    let busy: SettlerSummary;
    try {
      busy = await runSettler(deps, LIMITS);
    } finally {
      await holder.query('SELECT RELEASE_LOCK(?)', [SETTLER_LOCK]);
      holder.release();
    }

    // Assess
    expect(busy).toMatchObject({ busy: true, batches: 0 });
    expect(await unsettledJobs(jobIds)).toEqual(jobIds);
    expect(await runSettler(deps, LIMITS)).toMatchObject({ busy: false, settledPrints: 1 });
  });
});
