import {
  constants,
  createDecipheriv,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
} from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LicenseLedger } from '#shared/chain/license-ledger.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { binaryStlCube } from '../support/design-files.ts';

interface Grant {
  jobId: string;
  serial: string;
  download: { url: string };
  contentKey: { cipherValue: string; cekParams: { iv: string; tag: string; aad: string } };
}

interface LicenseView {
  id: string;
  status: string;
  prints: { used: number; reserved: number; left: number; settledOnChain: number };
  chain: { state: string; tokenId: string };
}

/**
 * The licensing story as its users live it, through the local cloud: a designer registers a
 * model and names a marketplace as licensor; the marketplace sells a two-print license to a
 * print shop bound to one printer; the printer prints, decrypting the design with the key only
 * it can unwrap; the settler writes the print to the chain; the indexer finds no drift; a
 * revocation stops the next print.
 */
describe('Licensing end to end (local cloud, as its clients)', () => {
  let dataDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let reader: ChainClient;
  let ledger: LicenseLedger;
  let operator: string;

  const api = (
    key: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${cloud.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  async function createOrg(kind: string, scopes: string[]): Promise<{ id: string; key: string }> {
    const response = await api(operator, 'POST', '/orgs', { name: `${kind} org`, kind, scopes });
    expect(response.status).toBe(201);
    const org = (await response.json()) as { id: string; apiKey: { key: string } };
    return { id: org.id, key: org.apiKey.key };
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-licensing-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'licensing');
    cloud = await startLocalCloud({
      dataDir,
      mysqlUrl: db.url,
      logLevel: 'warn',
      authorizerCacheMs: 0,
      schedules: { autoStart: false },
      blockIntervalMs: 200,
    });
    operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
    reader = await createChainClient({
      rpcUrl: cloud.chainRpcUrl,
      privateKey: cloud.platformEnv.CHAIN_RELAYER_KEY as string,
    });
    ledger = await LicenseLedger.connect(reader, cloud.contracts.LicenseLedger as string);
  });

  afterAll(async () => {
    reader?.close();
    await cloud?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('licenses a design, authorizes and settles a print, reconciles, and stops printing on revocation', async () => {
    // A designer registers a model.
    const designer = await createOrg('designer', ['designs:write', 'designs:read']);
    const marketplace = await createOrg('integrator', ['licenses:write', 'licenses:read']);
    const shop = await createOrg('licensee', ['printers:write', 'licenses:read']);
    const file = binaryStlCube(20);
    const created = await api(designer.key, 'POST', '/designs', {
      name: 'hinge',
      format: 'stl',
      sizeBytes: file.length,
    });
    const design = (await created.json()) as {
      id: string;
      upload: { url: string; headers: Record<string, string> };
    };
    expect(
      (await fetch(design.upload.url, { method: 'PUT', headers: design.upload.headers, body: file })).status,
    ).toBe(200);
    await cloud.events.idle();
    expect(
      ((await (await api(designer.key, 'GET', `/designs/${design.id}`)).json()) as { status: string }).status,
    ).toBe('registered');

    // The marketplace may not sell it until the designer says so.
    const terms = {
      designId: design.id,
      holderOrgId: shop.id,
      prints: 2,
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    };
    expect(
      (await api(marketplace.key, 'POST', '/licenses', terms, { 'idempotency-key': 'po-1' })).status,
    ).toBe(404);
    expect((await api(designer.key, 'PUT', `/designs/${design.id}/licensors/${marketplace.id}`)).status).toBe(
      204,
    );

    // The shop registers its printer; the marketplace sells a license bound to it.
    const printerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const registered = await api(shop.key, 'POST', '/printers', {
      name: 'Line 1',
      publicKeyPem: printerKeys.publicKey.export({ type: 'spki', format: 'pem' }),
    });
    expect(registered.status).toBe(201);
    const printer = (await registered.json()) as { id: string; credential: string };
    const sold = await api(
      marketplace.key,
      'POST',
      '/licenses',
      { ...terms, printerIds: [printer.id] },
      {
        'idempotency-key': 'po-2',
      },
    );
    expect(sold.status).toBe(201);
    const license = (await sold.json()) as LicenseView;
    expect(license.chain.state).toBe('confirmed');

    // The printer gets a one-time grant and opens the design with its private key.
    const granted = await api(printer.credential, 'POST', '/print-jobs', { licenseId: license.id });
    expect(granted.status).toBe(201);
    const grant = (await granted.json()) as Grant;
    expect(grant.serial).toMatch(/^FC-/);
    const ciphertext = Buffer.from(await (await fetch(grant.download.url)).arrayBuffer());
    expect(openDesign(ciphertext, grant, printerKeys.privateKey).equals(file)).toBe(true);
    const completed = await api(printer.credential, 'POST', `/print-jobs/${grant.jobId}/complete`, {
      outcome: 'succeeded',
    });
    expect(completed.status).toBe(200);

    // Settlement writes the print to the ledger; the API never waited for it.
    expect((await cloud.scheduler.runNow('settler')).kind).toBe('ok');
    expect((await ledger.licenseOf(license.chain.tokenId)).printsUsed).toBe(1);
    const afterSettle = (await (await api(shop.key, 'GET', `/licenses/${license.id}`)).json()) as LicenseView;
    expect(afterSettle.prints).toMatchObject({ used: 1, reserved: 0, left: 1, settledOnChain: 1 });

    // The indexer follows the chain and finds the two ledgers in agreement.
    await new Promise((resolve) => setTimeout(resolve, 600)); // a few empty blocks: confirmations
    expect((await cloud.scheduler.runNow('chain-indexer')).kind).toBe('ok');
    const reconciliation = await api(operator, 'GET', '/ledger/reconciliation');
    expect(reconciliation.status).toBe(200);
    expect(((await reconciliation.json()) as { driftCount: number }).driftCount).toBe(0);

    // Revocation takes effect at once off chain, and reaches the chain.
    const revoked = await api(marketplace.key, 'POST', `/licenses/${license.id}/revoke`, {
      reason: 'refund',
    });
    expect(revoked.status).toBe(200);
    const refused = await api(printer.credential, 'POST', '/print-jobs', { licenseId: license.id });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe('license_revoked');
    await expect.poll(async () => (await ledger.licenseOf(license.chain.tokenId)).revoked).toBe(true);
  });
});

/** What a printer does with a grant: unwrap the content key, then AES-256-GCM-decrypt the design. */
function openDesign(ciphertext: Buffer, grant: Grant, privateKey: KeyObject): Buffer {
  const dataKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(grant.contentKey.cipherValue, 'base64'),
  );
  const { iv, tag, aad } = grant.contentKey.cekParams;
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}
