import { randomBytes } from 'node:crypto';
import { Interface } from 'ethers';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type ChainIndexerDeps,
  type ChainIndexerOptions,
  type ChainIndexerSummary,
  runChainIndexer,
} from '#functions/chain-indexer/indexer-run.ts';
import { chainIndexerManifest } from '#functions/chain-indexer/manifest.ts';
import { DESIGN_REGISTRY_ABI } from '#shared/chain/design-registry.ts';
import { LicenseLedger } from '#shared/chain/license-ledger.ts';
import { orgChainAddress } from '#shared/chain/org-address.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import { TxRelayer } from '#shared/chain/tx-relayer.ts';
import { idToBytes16 } from '#shared/ids.ts';
import { licenseLedgerSource } from '#shared/ledger/event-sources.ts';
import type { DriftItem } from '#shared/ledger/reconciliation.ts';
import { advanceMint, tokenIdOf } from '#shared/licenses/license-minting.ts';
import { findLicense } from '#shared/licenses/license-repository.ts';
import { authorizePrint, completePrint } from '#shared/licenses/print-ledger.ts';
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
const ZERO_ROOT = `0x${'0'.repeat(64)}`;

const OPTIONS: ChainIndexerOptions = {
  // The keeper leaves pending licenses alone here unless a test asks: the indexer must do it.
  upkeep: { pendingAfterSeconds: 3600, revokeAfterSeconds: 3600, limit: 20 },
  index: { confirmations: 1, blockRange: 2000, maxRanges: 50 },
  reconcile: { everySeconds: 0, revocationGraceSeconds: 120, unsettledAfterSeconds: 600 },
};

type Ran = Extract<ChainIndexerSummary, { busy: false }>;

/**
 * The chain indexer on a real MariaDB and the embedded chain with LicenseLedger and
 * DesignRegistry deployed: as the bundled function fired by the local scheduler (restarted
 * mid-test), and through runChainIndexer with the same relayer and ledger the function builds.
 */
describe('Function: chain-indexer', () => {
  let db: TestDatabase;
  let chain: LocalChain;
  let client: ChainClient;
  let relayer: TxRelayer;
  let ledger: LicenseLedger;
  let deps: ChainIndexerDeps;
  let runner: FnRunner | undefined;
  let scheduler: Scheduler | undefined;
  let contracts: { DesignRegistry: string; LicenseLedger: string };
  let issuerOrgId: string;
  let holderOrgId: string;
  let printerId: string;
  let designId: string;

  const rpc = (method: string, params: unknown[] = []) => client.provider.send(method, params);

  function startFunction(): Scheduler {
    runner = new FnRunner(
      [
        bundledFunction(
          chainIndexerManifest.name,
          {
            MYSQL_URL: db.url,
            CHAIN_RPC_URL: chain.rpcUrl,
            CHAIN_RELAYER_KEY: chain.privateKeys.relayer,
            LICENSE_LEDGER_ADDRESS: contracts.LicenseLedger,
            DESIGN_REGISTRY_ADDRESS: contracts.DesignRegistry,
            CHAIN_CONFIRMATIONS: '1',
            RECONCILE_EVERY_SECONDS: '0',
            KEEPER_PENDING_AFTER_SECONDS: '3600',
          },
          chainIndexerManifest.timeoutSeconds,
        ),
      ],
      { processesPerFunction: 1 },
    );
    scheduler = new Scheduler({ runner, calls: scheduledCalls([chainIndexerManifest]), autoStart: false });
    return scheduler;
  }

  async function stopFunction(): Promise<void> {
    await scheduler?.close();
    await runner?.close();
  }

  /**
   * One scheduled call. A run that finds the indexer lock unavailable answers `busy` and indexes
   * nothing (a loaded machine can fail the lock's connection); the test asks again, as the next
   * schedule tick would.
   */
  async function tick(target: Scheduler): Promise<Ran> {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await target.runNow(chainIndexerManifest.name);
      if (outcome.kind !== 'ok') throw new Error(`the indexer call ended ${outcome.kind}`);
      const body = JSON.parse(outcome.reply.body.toString('utf8')) as {
        status: string;
        detail: Ran | { busy: true };
      };
      expect(body.status).toBe('processed');
      if (!('busy' in body.detail && body.detail.busy)) return body.detail as Ran;
      if (attempt === 5) throw new Error('the indexer answered busy five times');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  async function run(options: ChainIndexerOptions = OPTIONS): Promise<Ran> {
    const summary = await runChainIndexer(deps, options);
    if (summary.busy) throw new Error('indexer busy');
    return summary;
  }

  const pendingLicense = (printsTotal = 5) =>
    createLicense(db.pool, { issuerOrgId, holderOrgId, designId, printsTotal, status: 'pending' });

  async function mintedLicense(printsTotal = 5): Promise<string> {
    const id = await pendingLicense(printsTotal);
    expect((await advanceMint({ pool: db.pool, relayer, ledger }, id, RECEIPT_WAIT_MS)).status).toBe(
      'active',
    );
    return id;
  }

  async function countedPrints(licenseId: string, prints: number): Promise<string[]> {
    const jobIds: string[] = [];
    for (let i = 0; i < prints; i += 1) {
      const granted = await authorizePrint(db.pool, {
        licenseId,
        printerId,
        orgId: holderOrgId,
        designId,
        grantTtlSeconds: 3600,
      });
      if (!granted.granted) throw new Error(granted.refusal.reason);
      await completePrint(db.pool, { jobId: granted.jobId, printerId, outcome: 'succeeded' });
      jobIds.push(granted.jobId);
    }
    return jobIds;
  }

  /** Sends through the relayer, as the platform would, and waits until it is mined. */
  async function sendMined(data: string, purpose: string, ref: string, to = ledger.address) {
    const tx = await relayer.submit({ to, data, purpose, ref });
    const mined = await relayer.waitForReceipt(tx, RECEIPT_WAIT_MS);
    expect(mined.status).toBe('mined');
    return mined;
  }

  async function tokenOf(licenseId: string): Promise<string> {
    return String((await findLicense(db.pool, licenseId))?.chain.tokenId);
  }

  /** Settles on chain outside the settler: only the indexer can tell the database. */
  async function settleDirectly(licenseId: string, jobIds: readonly string[], usedBefore = 0) {
    const data = ledger.encodeSettleBatch([
      { tokenId: await tokenOf(licenseId), usedBefore, jobIds: jobIds.map(idToBytes16) },
    ]);
    return sendMined(data, 'test.settle', licenseId);
  }

  async function eventCounts(): Promise<Record<string, number>> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT event_name, COUNT(*) AS n FROM chain_events GROUP BY event_name ORDER BY event_name',
    );
    return Object.fromEntries(rows.map((row) => [String(row.event_name), Number(row.n)]));
  }

  async function printsSettled(licenseId: string): Promise<number> {
    return Number((await findLicense(db.pool, licenseId))?.printsSettled);
  }

  async function latestReport(): Promise<{ driftCount: number; report: DriftItem[] }> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT drift_count, report FROM ledger_reconciliations ORDER BY id DESC LIMIT 1',
    );
    return {
      driftCount: Number(rows[0]?.drift_count),
      report: JSON.parse(String(rows[0]?.report)) as DriftItem[],
    };
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'chain_indexer');
    chain = await startLocalChain();
    contracts = await deployLocalContracts(chain.rpcUrl, chain.privateKeys.deployer, chain.accounts.relayer);
    client = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.relayer,
      chainId: chain.chainId,
      pollingIntervalMs: 50,
    });
    relayer = await TxRelayer.create(db.pool, client);
    ledger = await LicenseLedger.connect(client, contracts.LicenseLedger);
    deps = {
      pool: db.pool,
      relayer,
      ledger,
      provider: client.provider,
      sources: [licenseLedgerSource(ledger, 0)],
    };

    issuerOrgId = (await createOrgWithKey(db.pool, ['licenses:write'], { kind: 'designer' })).orgId;
    holderOrgId = (await createOrgWithKey(db.pool, ['prints:authorize'], { kind: 'licensee' })).orgId;
    designId = await insertRegisteredDesign(db.pool, issuerOrgId);
    printerId = await insertPrinter(db.pool, holderOrgId);
  });

  afterAll(async () => {
    await stopFunction();
    client?.close();
    await chain?.stop();
    await db?.drop();
  });

  it('indexes each event once across repeated runs and a restart, resuming from its cursor', async () => {
    // Prepare
    const settled = await mintedLicense(6);
    const revoked = await mintedLicense(2);
    const jobIds = await countedPrints(settled, 3);
    await settleDirectly(settled, jobIds);
    await sendMined(ledger.encodeRevoke(await tokenOf(revoked)), 'test.revoke', revoked);
    const registry = new Interface(DESIGN_REGISTRY_ABI);
    const fingerprint = `0x${randomBytes(32).toString('hex')}`;
    await sendMined(
      registry.encodeFunctionData('register', [
        fingerprint,
        idToBytes16(designId),
        orgChainAddress(issuerOrgId),
      ]),
      'design.register',
      designId,
      contracts.DesignRegistry,
    );
    await rpc('evm_mine');
    const expected = { DesignRegistered: 1, LicenseIssued: 2, LicenseRevoked: 1, PrintsSettled: 1 };

    // Act
    const first = await tick(startFunction());
    const second = await tick(scheduler as Scheduler);
    await stopFunction();
    const afterRestart = await tick(startFunction());

    // Assess
    expect(first.indexed.map((source) => source.events)).toEqual([4, 1]);
    expect(first.indexed.every((source) => source.caughtUp)).toBe(true);
    expect(second.indexed.map((source) => source.events)).toEqual([0, 0]);
    expect(afterRestart.indexed.map((source) => source.events)).toEqual([0, 0]);
    expect(await eventCounts()).toEqual(expected);
    const head = await client.provider.getBlockNumber();
    const [cursors] = await db.pool.query<RowDataPacket[]>(
      'SELECT contract_address, next_block FROM chain_cursors WHERE chain_instance = ?',
      [relayer.chainInstance],
    );
    expect(cursors.map((row) => Number(row.next_block))).toEqual([head, head]);

    // The prints settled outside the settler and the revocation made on chain reach the database.
    expect(await printsSettled(settled)).toBe(3);
    const [jobs] = await db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM print_jobs WHERE id IN (?) AND settled_at IS NOT NULL',
      [jobIds],
    );
    expect(Number(jobs[0]?.n)).toBe(3);
    expect((await findLicense(db.pool, revoked))?.revocationReason).toBe('revoked on chain');
    expect(first.reconciliation).toMatchObject({ ran: true, driftCount: 0, licensesChecked: 2 });

    // Act: new events after the restart are picked up, and only those.
    await mintedLicense(1);
    await rpc('evm_mine');
    const resumed = await tick(scheduler as Scheduler);

    // Assess
    expect(resumed.indexed.map((source) => source.events)).toEqual([1, 0]);
    expect(await eventCounts()).toEqual({ ...expected, LicenseIssued: 3 });
  });

  it('indexes an event only once enough blocks follow it, and reports the unapplied revocation meanwhile', async () => {
    // Prepare: a revocation made on chain only, in the head block.
    const licenseId = await mintedLicense(3);
    await rpc('evm_mine');
    await run();
    await sendMined(ledger.encodeRevoke(await tokenOf(licenseId)), 'test.revoke', licenseId);

    // Act
    const unconfirmed = await run();
    const { report } = await latestReport();
    const eventsBefore = await eventCounts();
    await rpc('evm_mine');
    const confirmed = await run();

    // Assess
    expect(unconfirmed.indexed[0]?.events).toBe(0);
    expect(unconfirmed.reconciliation).toMatchObject({ ran: true, driftCount: 1 });
    expect(report).toEqual([
      {
        kind: 'revoked-only-on-chain',
        licenseId,
        tokenId: await tokenOf(licenseId),
        offChain: { revoked: false },
        onChain: { revoked: true },
      },
    ]);
    expect(confirmed.indexed[0]?.events).toBe(1);
    expect(await eventCounts()).toEqual({
      ...eventsBefore,
      LicenseRevoked: (eventsBefore.LicenseRevoked ?? 0) + 1,
    });
    expect(confirmed.reconciliation).toMatchObject({ ran: true, driftCount: 0 });
    const license = await findLicense(db.pool, licenseId);
    expect(license?.revokedAt).not.toBeNull();
    const [outbox] = await db.pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM outbox WHERE aggregate_id = ? AND event_type = 'license.revoked'`,
      [licenseId],
    );
    expect(Number(outbox[0]?.n)).toBe(1);
  });

  it('activates a pending license whose mint was mined but never confirmed off chain', async () => {
    // Prepare: the mint went out and was mined, and the API never recorded it (it died first).
    const licenseId = await pendingLicense(4);
    const license = await findLicense(db.pool, licenseId);
    if (!license) throw new Error('no license');
    const mined = await sendMined(
      ledger.encodeIssue({
        licenseRef: idToBytes16(licenseId),
        designId: idToBytes16(designId),
        holder: orgChainAddress(holderOrgId),
        prints: 4,
        expiresAt: license.expiresAt,
        printerRoot: ZERO_ROOT,
      }),
      'test.issue',
      licenseId,
    );

    // Act
    const beforeConfirmation = await run();
    const pendingMeanwhile = (await findLicense(db.pool, licenseId))?.status;
    await rpc('evm_mine');
    const afterConfirmation = await run();

    // Assess
    expect(beforeConfirmation.indexed[0]?.applied).toBe(0);
    expect(pendingMeanwhile).toBe('pending');
    expect(afterConfirmation.indexed[0]?.applied).toBe(1);
    const activated = await findLicense(db.pool, licenseId);
    expect(activated).toMatchObject({ status: 'active' });
    expect(activated?.chain).toMatchObject({
      tokenId: tokenIdOf(ledger, license),
      mintTxHash: mined.hash,
      mintBlock: mined.blockNumber,
      chainId: relayer.chainId,
    });
    const [outbox] = await db.pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM outbox WHERE aggregate_id = ? AND event_type = 'license.minted'`,
      [licenseId],
    );
    expect(Number(outbox[0]?.n)).toBe(1);
    expect(afterConfirmation.reconciliation).toMatchObject({ driftCount: 0 });
  });

  it('has the keeper mint a license whose mint was deferred while the chain was down', async () => {
    // Prepare
    const licenseId = await pendingLicense(3);

    // Act
    const kept = await run({ ...OPTIONS, upkeep: { ...OPTIONS.upkeep, pendingAfterSeconds: 0 } });
    await rpc('evm_mine');
    await run();

    // Assess
    expect(kept.upkeep.mintsAdvanced).toBe(1);
    expect(await relayer.findByRef('license.issue', licenseId)).toHaveLength(1);
    expect((await findLicense(db.pool, licenseId))?.status).toBe('active');
  });

  it('reconciles when due, reports drift put in on purpose, and nothing once it is undone', async () => {
    // Prepare
    const licenseId = await mintedLicense(8);
    await settleDirectly(licenseId, await countedPrints(licenseId, 2));
    await rpc('evm_mine');
    const consistent = await run();
    await db.pool.query('UPDATE licenses SET prints_settled = prints_settled + 3 WHERE id = ?', [licenseId]);

    // Act
    const drifted = await run();
    const { report } = await latestReport();
    const notDue = await run({ ...OPTIONS, reconcile: { ...OPTIONS.reconcile, everySeconds: 3600 } });
    await db.pool.query('UPDATE licenses SET prints_settled = prints_settled - 3 WHERE id = ?', [licenseId]);
    const restored = await run();

    // Assess
    expect(consistent.reconciliation).toMatchObject({ ran: true, driftCount: 0 });
    expect(drifted.reconciliation).toMatchObject({ ran: true, driftCount: 1 });
    expect(report).toEqual([
      {
        kind: 'prints-settled-mismatch',
        licenseId,
        tokenId: await tokenOf(licenseId),
        offChain: { printsSettled: 5, vouchersWithoutJob: 0 },
        onChain: { printsUsed: 2 },
      },
    ]);
    expect(notDue.reconciliation).toEqual({ ran: false });
    expect(restored.reconciliation).toMatchObject({ ran: true, driftCount: 0 });
  });

  it('reports a license issued on the ledger that no license row claims', async () => {
    // Prepare
    const strangerRef = `0x${randomBytes(16).toString('hex')}`;
    await sendMined(
      ledger.encodeIssue({
        licenseRef: strangerRef,
        designId: idToBytes16(designId),
        holder: orgChainAddress(holderOrgId),
        prints: 1,
        expiresAt: new Date(Date.now() + 86_400_000),
        printerRoot: ZERO_ROOT,
      }),
      'test.issue',
      strangerRef,
    );
    await rpc('evm_mine');

    // Act
    await run();
    const { report } = await latestReport();

    // Assess
    expect(report).toEqual([
      {
        kind: 'issued-without-license',
        licenseId: null,
        tokenId: ledger.licenseIdOf(strangerRef, idToBytes16(designId), ZERO_ROOT),
        offChain: null,
        onChain: expect.objectContaining({ licenseRef: strangerRef }),
      },
    ]);
  });
});
