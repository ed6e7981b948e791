import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { licenseMintManifest } from '#functions/license-mint/manifest.ts';
import { LicenseLedger } from '#shared/chain/license-ledger.ts';
import { orgChainAddress } from '#shared/chain/org-address.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import { TxRelayer } from '#shared/chain/tx-relayer.ts';
import { idToBytes16, newId } from '#shared/ids.ts';
import { advanceMint } from '#shared/licenses/license-minting.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { insertRegisteredDesign } from '#test/support/licenses.ts';
import { type RpcProxy, startRpcProxy } from '#test/support/rpc-proxy.ts';
import { type LocalChain, startLocalChain } from '../../../../infra/local/chain.ts';
import { deployLocalContracts } from '../../../../infra/local/deploy-contracts.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';

/** Fixed, so that a retried request is byte-for-byte the same request. */
const EXPIRES_AT = new Date(Date.now() + 30 * 86_400_000).toISOString();

interface LicenseBody {
  id: string;
  status: string;
  prints: { total: number; used: number; left: number };
  chain: {
    state: string;
    tokenId: string | null;
    transactionHash: string | null;
    live?: { reachable: boolean; exists?: boolean; revoked?: boolean };
  };
  statusUrl?: string;
  code?: string;
}

/**
 * license-mint as built for Fn, behind the real gateway and authorizer, minting on the embedded
 * chain through a JSON-RPC proxy the tests can take down.
 */
describe('Function: license-mint', () => {
  let db: TestDatabase;
  let chain: LocalChain;
  let proxy: RpcProxy;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let reader: ChainClient;
  let ledger: LicenseLedger;
  let designer: { orgId: string; key: string };
  let marketplace: { orgId: string; key: string };
  let holder: { orgId: string; key: string };
  let outsider: { orgId: string; key: string };
  let designId: string;

  const request = (
    key: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const terms = (overrides: Record<string, unknown> = {}) => ({
    designId,
    holderOrgId: holder.orgId,
    prints: 10,
    expiresAt: EXPIRES_AT,
    ...overrides,
  });

  const mint = (key: string, idempotencyKey: string, body: unknown) =>
    request(key, 'POST', '/licenses', body, { 'idempotency-key': idempotencyKey });

  async function issuedEventsFor(licenseId: string): Promise<number> {
    const logs = await reader.provider.getLogs({ address: ledger.address, fromBlock: 0 });
    return logs
      .map((log) => ledger.decodeLog(log))
      .filter((event) => event?.name === 'LicenseIssued' && event.args.licenseRef === idToBytes16(licenseId))
      .length;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'license_mint');
    chain = await startLocalChain();
    const contracts = await deployLocalContracts(
      chain.rpcUrl,
      chain.privateKeys.deployer,
      chain.accounts.relayer,
    );
    proxy = await startRpcProxy(chain.rpcUrl);
    reader = await createChainClient({ rpcUrl: chain.rpcUrl, privateKey: chain.privateKeys.deployer });
    ledger = await LicenseLedger.connect(reader, contracts.LicenseLedger);

    designer = await createOrgWithKey(db.pool, ['designs:read', 'designs:write', 'licenses:write'], {
      kind: 'designer',
    });
    marketplace = await createOrgWithKey(db.pool, ['licenses:read', 'licenses:write']);
    holder = await createOrgWithKey(db.pool, ['licenses:read', 'printers:write'], { kind: 'licensee' });
    outsider = await createOrgWithKey(db.pool, ['licenses:read', 'licenses:write']);
    designId = await insertRegisteredDesign(db.pool, designer.orgId);
    await db.pool.query('INSERT INTO design_licensors (design_id, org_id) VALUES (?, ?)', [
      designId,
      marketplace.orgId,
    ]);

    const env = {
      MYSQL_URL: db.url,
      CHAIN_RPC_URL: proxy.url,
      CHAIN_RELAYER_KEY: chain.privateKeys.relayer,
      LICENSE_LEDGER_ADDRESS: contracts.LicenseLedger,
      MINT_WAIT_MS: '4000',
    };
    runner = new FnRunner(
      [
        bundledFunction(licenseMintManifest.name, env, licenseMintManifest.timeoutSeconds),
        bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
      ],
      { processesPerFunction: 4 },
    );
    gateway = await startGateway({
      runner,
      routes: licenseMintManifest.routes.map((route) => ({
        ...route,
        functionName: licenseMintManifest.name,
      })),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
      rateLimit: { perSecond: 10_000, burst: 10_000 },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    reader?.close();
    await proxy?.close();
    await chain?.stop();
    await db?.drop();
  });

  it('mints a license for a licensor and shows it on chain', async () => {
    // Act
    const response = await mint(marketplace.key, 'order-1001', terms());

    // Assess
    expect(response.status).toBe(201);
    const license = (await response.json()) as LicenseBody;
    expect(response.headers.get('location')).toBe(`/v1/licenses/${license.id}`);
    expect(license).toMatchObject({ status: 'active', prints: { total: 10, used: 0, left: 10 } });
    expect(license.chain.state).toBe('confirmed');
    expect(license.chain.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
    const onChain = await ledger.licenseOf(license.chain.tokenId as string);
    expect(onChain).toMatchObject({ exists: true, printsTotal: 10, printsUsed: 0, revoked: false });
    expect(onChain.holder.toLowerCase()).toBe(orgChainAddress(holder.orgId).toLowerCase());

    const shown = await request(holder.key, 'GET', `/licenses/${license.id}?chain=live`);
    expect(shown.status).toBe(200);
    const body = (await shown.json()) as LicenseBody;
    expect(body.chain.live).toEqual({ reachable: true, exists: true, printsUsed: 0, revoked: false });
  });

  it('mints once for one Idempotency-Key, however often and concurrently it is sent', async () => {
    // Act
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => mint(marketplace.key, 'order-1002', terms({ prints: 3 }))),
    );

    // Assess
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as LicenseBody[];
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    expect(await issuedEventsFor(bodies[0]?.id as string)).toBe(1);
  });

  it('refuses an Idempotency-Key reused for a different request, and a missing key', async () => {
    // Prepare
    expect((await mint(marketplace.key, 'order-1003', terms({ prints: 4 }))).status).toBe(201);

    // Act
    const reused = await mint(marketplace.key, 'order-1003', terms({ prints: 5 }));
    const missing = await request(marketplace.key, 'POST', '/licenses', terms());

    // Assess
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as LicenseBody).code).toBe('idempotency_key_reused');
    expect(missing.status).toBe(400);
  });

  it('refuses designs the caller may not license, unregistered designs, unknown holders and printers', async () => {
    // Prepare
    const unregistered = newId();
    await db.pool.query(
      `INSERT INTO designs (id, org_id, name, format, declared_bytes, status, upload_key)
       VALUES (?, ?, 'draft', 'stl', 84, 'validating', ?)`,
      [unregistered, designer.orgId, `designs/${unregistered}`],
    );

    // Act
    const notLicensor = await mint(outsider.key, 'o-1', terms());
    const notRegistered = await mint(designer.key, 'o-2', terms({ designId: unregistered }));
    const noHolder = await mint(marketplace.key, 'o-3', terms({ holderOrgId: newId() }));
    const noPrinter = await mint(marketplace.key, 'o-4', terms({ printerIds: [newId()] }));
    const past = await mint(marketplace.key, 'o-5', terms({ expiresAt: '2020-01-01T00:00:00Z' }));

    // Assess
    expect(notLicensor.status).toBe(404);
    expect(notRegistered.status).toBe(409);
    expect(((await notRegistered.json()) as LicenseBody).code).toBe('design_not_registered');
    expect(noHolder.status).toBe(422);
    expect(((await noHolder.json()) as LicenseBody).code).toBe('unknown_holder');
    expect(noPrinter.status).toBe(422);
    expect(((await noPrinter.json()) as LicenseBody).code).toBe('unknown_printer');
    expect(past.status).toBe(400);
    const [rows] = await db.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM licenses WHERE idempotency_key IN ('o-1','o-2','o-3','o-4','o-5')",
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('mints 50 concurrent licenses with contiguous nonces; a refused mint mid-stream takes no nonce', async () => {
    // Prepare: a pending license the ledger will refuse (its expiry passed before it was minted).
    const doomed = newId();
    await db.pool.query(
      `INSERT INTO licenses (id, issuer_org_id, holder_org_id, design_id, idempotency_key, request_sha256,
         prints_total, expires_at) VALUES (?, ?, ?, ?, 'doomed', UNHEX(SHA2('x', 256)), 5, NOW(3) - INTERVAL 1 DAY)`,
      [doomed, marketplace.orgId, holder.orgId, designId],
    );
    const [before] = await db.pool.query<RowDataPacket[]>(
      'SELECT COALESCE(MAX(nonce), -1) AS n FROM chain_transactions',
    );
    const firstNonce = Number(before[0]?.n) + 1;
    const relayerClient = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.relayer,
    });

    try {
      // Act
      const relayer = await TxRelayer.create(db.pool, relayerClient);
      const relayerLedger = await LicenseLedger.connect(relayerClient, ledger.address);
      const mints = Array.from({ length: 50 }, (_, index) =>
        mint(marketplace.key, `bulk-${index}`, terms({ prints: 1 + index })),
      );
      const refusal = advanceMint({ pool: db.pool, relayer, ledger: relayerLedger }, doomed, 2000);
      const [responses, refused] = await Promise.all([Promise.all(mints), refusal]);

      // Assess
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
      expect(refused.status).toBe('failed');
      expect(refused.failureReason).toContain('InvalidTerms');
      const [txs] = await db.pool.query<RowDataPacket[]>(
        'SELECT nonce, status, ref FROM chain_transactions WHERE nonce >= ? ORDER BY nonce',
        [firstNonce],
      );
      expect(txs.map((row) => Number(row.nonce))).toEqual(
        Array.from({ length: 50 }, (_, i) => firstNonce + i),
      );
      expect(txs.every((row) => row.status === 'mined')).toBe(true);
      expect(txs.some((row) => row.ref === doomed)).toBe(false);
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as LicenseBody[];
      expect(new Set(bodies.map((b) => b.chain.tokenId)).size).toBe(50);
    } finally {
      relayerClient.close();
    }
  });

  it('queues a mint while the chain is down and mints it exactly once when it returns', async () => {
    // Prepare
    proxy.setDown(true);

    // Act
    const whileDown = await mint(marketplace.key, 'order-outage', terms({ prints: 7 }));
    const pending = (await whileDown.json()) as LicenseBody;
    const retriedWhileDown = await mint(marketplace.key, 'order-outage', terms({ prints: 7 }));
    proxy.setDown(false);
    const afterOutage = await mint(marketplace.key, 'order-outage', terms({ prints: 7 }));
    const again = await mint(marketplace.key, 'order-outage', terms({ prints: 7 }));

    // Assess
    expect(whileDown.status).toBe(202);
    expect(pending.status).toBe('pending');
    expect(pending.chain.state).toBe('waiting_for_chain');
    expect(pending.statusUrl).toBe(`/v1/licenses/${pending.id}`);
    expect(retriedWhileDown.status).toBe(202);
    expect(afterOutage.status).toBe(201);
    expect(((await afterOutage.json()) as LicenseBody).id).toBe(pending.id);
    expect(again.status).toBe(201);
    expect(await issuedEventsFor(pending.id)).toBe(1);
  });

  it('revokes a license on chain for its issuer; others cannot see or revoke it', async () => {
    // Prepare
    const created = (await (await mint(marketplace.key, 'order-revoke', terms())).json()) as LicenseBody;

    // Act
    const byOutsider = await request(outsider.key, 'POST', `/licenses/${created.id}/revoke`, { reason: 'x' });
    const byHolder = await request(holder.key, 'POST', `/licenses/${created.id}/revoke`, { reason: 'x' });
    const byIssuer = await request(marketplace.key, 'POST', `/licenses/${created.id}/revoke`, {
      reason: 'chargeback',
    });

    // Assess
    expect(byOutsider.status).toBe(404);
    expect(byHolder.status).toBe(403);
    expect(byIssuer.status).toBe(200);
    expect(((await byIssuer.json()) as LicenseBody).status).toBe('revoked');
    await expect
      .poll(async () => (await ledger.licenseOf(created.chain.tokenId as string)).revoked)
      .toBe(true);
  });
});
