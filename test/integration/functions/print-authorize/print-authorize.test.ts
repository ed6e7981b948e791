import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { printAuthorizeManifest } from '#functions/print-authorize/manifest.ts';
import { printersManifest } from '#functions/printers/manifest.ts';
import { createDesignDecipher } from '#shared/crypto/data-key.ts';
import { createLocalKeyWrapper } from '#shared/crypto/local-key-wrapper.ts';
import { unwrapOnPrinter } from '#shared/crypto/printer-key-wrap.ts';
import type { PrintGrant } from '#shared/licenses/print-grant.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import {
  createLicense,
  createSealedDesign,
  licenseCounts,
  type SealedTestDesign,
} from '#test/support/licenses.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';

interface Problem {
  type: string;
  status: number;
  code?: string;
  detail?: string;
  printsTotal?: number;
  printsUsed?: number;
  printsReserved?: number;
}

interface JobView {
  id: string;
  serial: string;
  licenseId: string;
  printerId: string;
  state: string;
  counted: boolean;
  refunded: boolean;
  failureReason: string | null;
}

interface TestPrinter {
  readonly id: string;
  readonly credential: string;
  readonly privateKey: KeyObject;
}

const VAULT = 'design-vault';
const S3 = { accessKeyId: 'PRINTKEY', secretAccessKey: 'print-secret', region: 'local-1' };

/**
 * print-authorize with the printers function and the authorizer behind the real gateway, on a
 * real MariaDB and the embedded S3 server, with printers that hold real RSA private keys.
 */
describe('Function: print-authorize', () => {
  let db: TestDatabase;
  let s3: S3TestServer;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let design: SealedTestDesign;
  let designer: { orgId: string };
  let licensee: { orgId: string; key: string };
  let otherLicensee: { orgId: string; key: string };
  let printer: TestPrinter;
  let sibling: TestPrinter;
  let foreignPrinter: TestPrinter;

  const call = (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  const requestPrint = (who: { credential: string }, licenseId: string) =>
    call('/print-jobs', who.credential, { method: 'POST', body: JSON.stringify({ licenseId }) });
  const complete = (who: { credential: string }, jobId: string, body: unknown) =>
    call(`/print-jobs/${jobId}/complete`, who.credential, { method: 'POST', body: JSON.stringify(body) });

  async function grantFor(who: TestPrinter, licenseId: string): Promise<PrintGrant> {
    const response = await requestPrint(who, licenseId);
    expect(response.status).toBe(201);
    return (await response.json()) as PrintGrant;
  }

  async function registerPrinter(apiKey: string, name: string): Promise<TestPrinter> {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const response = await call('/printers', apiKey, {
      method: 'POST',
      body: JSON.stringify({ name, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) }),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; credential: string };
    return { id: created.id, credential: created.credential, privateKey };
  }

  const license = (options: Partial<Parameters<typeof createLicense>[1]> = {}) =>
    createLicense(db.pool, {
      issuerOrgId: designer.orgId,
      holderOrgId: licensee.orgId,
      designId: design.designId,
      printsTotal: 5,
      ...options,
    });

  async function jobState(jobId: string): Promise<string> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT state FROM print_jobs WHERE id = ?', [jobId]);
    return rows[0]?.state as string;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'print_authorize');
    s3 = await startS3TestServer({ tempPrefix: 'fc-print-', ...S3, buckets: [VAULT] });
    const masterKey = randomBytes(32);
    const store = createS3ObjectStore({ endpoint: s3.server.endpoint, ...S3 });
    designer = await createOrgWithKey(db.pool, ['designs:write'], { kind: 'designer' });
    licensee = await createOrgWithKey(db.pool, ['printers:write', 'licenses:read', 'prints:authorize'], {
      kind: 'licensee',
    });
    otherLicensee = await createOrgWithKey(db.pool, ['printers:write', 'licenses:read'], {
      kind: 'licensee',
    });
    design = await createSealedDesign(db.pool, store, {
      orgId: designer.orgId,
      vaultBucket: VAULT,
      keys: createLocalKeyWrapper(masterKey),
    });

    runner = new FnRunner([
      bundledFunction('printers', { MYSQL_URL: db.url }, 30),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }, 30),
      bundledFunction(
        'print-authorize',
        {
          MYSQL_URL: db.url,
          S3_ENDPOINT: s3.server.endpoint,
          S3_REGION: S3.region,
          S3_ACCESS_KEY_ID: S3.accessKeyId,
          S3_SECRET_ACCESS_KEY: S3.secretAccessKey,
          VAULT_BUCKET: VAULT,
          KEY_WRAPPER: 'local',
          MASTER_KEY_BASE64: masterKey.toString('base64'),
        },
        30,
      ),
    ]);
    gateway = await startGateway({
      runner,
      routes: routesOf(printersManifest, printAuthorizeManifest),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
      rateLimit: { perSecond: 100_000, burst: 100_000 },
    });
    printer = await registerPrinter(licensee.key, 'bay 1');
    sibling = await registerPrinter(licensee.key, 'bay 2');
    foreignPrinter = await registerPrinter(otherLicensee.key, 'elsewhere');
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await s3?.stop();
    await db?.drop();
  });

  describe('Method: authorize', () => {
    it('hands out a grant whose download and content key give back exactly the design', async () => {
      // Prepare
      const licenseId = await license();

      // Act
      const response = await requestPrint(printer, licenseId);

      // Assess
      expect(response.status).toBe(201);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const grant = (await response.json()) as PrintGrant;
      expect(response.headers.get('location')).toBe(`/v1/print-jobs/${grant.jobId}`);
      expect(grant).toMatchObject({ licenseId, designId: design.designId, serial: `FC-${licenseId}-000001` });
      expect(Date.parse(grant.expiresAt)).toBeGreaterThan(Date.now() + 3_000_000);
      expect(grant.download.method).toBe('GET');
      expect(grant.contentKey).toMatchObject({
        consumerId: printer.id,
        wrappingAlgorithm: 'http://www.w3.org/2009/xmlenc11#rsa-oaep',
        mgfAlgorithm: 'http://www.w3.org/2009/xmlenc11#mgf1sha256',
        digestMethod: 'http://www.w3.org/2001/04/xmlenc#sha256',
        cekParams: { encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm' },
      });
      const registered = (await (await call(`/printers/${printer.id}`, licensee.key)).json()) as {
        publicKeySha256: string;
      };
      expect(grant.contentKey.keyId).toBe(registered.publicKeySha256);

      // As the printer: fetch the ciphertext, open the content key, decrypt.
      const download = await fetch(grant.download.url);
      expect(download.status).toBe(200);
      const ciphertext = Buffer.from(await download.arrayBuffer());
      expect(ciphertext.equals(design.plaintext)).toBe(false);
      const contentKey = unwrapOnPrinter(
        printer.privateKey,
        Buffer.from(grant.contentKey.cipherValue, 'base64'),
      );
      const { iv, tag, aad } = grant.contentKey.cekParams;
      const decipher = createDesignDecipher(
        contentKey,
        Buffer.from(iv, 'base64'),
        Buffer.from(tag, 'base64'),
        Buffer.from(aad, 'base64'),
      );
      const plaintext = Buffer.concat(await decipher.end(ciphertext).toArray());
      expect(plaintext.equals(design.plaintext)).toBe(true);

      // Another printer's key cannot open it.
      expect(() =>
        unwrapOnPrinter(sibling.privateKey, Buffer.from(grant.contentKey.cipherValue, 'base64')),
      ).toThrow();
      // The ledger holds the reservation and the event.
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 1, printsUsed: 0 });
      const [events] = await db.pool.query<RowDataPacket[]>(
        "SELECT payload FROM outbox WHERE event_type = 'print.authorized' AND aggregate_id = ?",
        [licenseId],
      );
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]?.payload as string)).toMatchObject({
        jobId: grant.jobId,
        licenseId,
        printerId: printer.id,
      });
      // The grant is not stored: nothing in the database holds the plaintext key.
      const [jobs] = await db.pool.query<RowDataPacket[]>('SELECT * FROM print_jobs WHERE id = ?', [
        grant.jobId,
      ]);
      expect(JSON.stringify(jobs[0])).not.toContain(contentKey.toString('base64'));
    });

    it('authorizes exactly 10 of 200 concurrent requests on a 10-print license', async () => {
      // Prepare
      const licenseId = await license({ printsTotal: 10 });

      // Act
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) => requestPrint(i % 2 === 0 ? printer : sibling, licenseId)),
      );

      // Assess
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(10);
      expect(statuses.filter((status) => status === 409)).toHaveLength(190);
      const bodies = await Promise.all(responses.map((response) => response.json()));
      const refusals = bodies.filter((_, i) => statuses[i] === 409) as Problem[];
      for (const refusal of refusals) {
        expect(refusal).toMatchObject({ code: 'prints_exhausted', printsTotal: 10 });
        expect((refusal.printsUsed ?? 0) + (refusal.printsReserved ?? 0)).toBe(10);
      }
      const serials = (bodies.filter((_, i) => statuses[i] === 201) as PrintGrant[]).map((g) => g.serial);
      expect(new Set(serials).size).toBe(10);
      expect(serials.sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `FC-${licenseId}-${String(i + 1).padStart(6, '0')}`),
      );
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 10, printsUsed: 0 });
      const [jobs] = await db.pool.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM print_jobs WHERE license_id = ?',
        [licenseId],
      );
      expect(Number(jobs[0]?.n)).toBe(10);
      // A refused request leaves nothing behind: its event was rolled back with it.
      const [events] = await db.pool.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'print.authorized' AND aggregate_id = ?",
        [licenseId],
      );
      expect(Number(events[0]?.n)).toBe(10);
    });

    it('answers a printer of another organisation 404, as for a license that does not exist', async () => {
      // Prepare
      const licenseId = await license();

      // Act
      const foreign = await requestPrint(foreignPrinter, licenseId);
      const missing = await requestPrint(printer, '01ARZ3NDEKTSV4RRFFQ69G5FAV');

      // Assess
      expect(foreign.status).toBe(404);
      expect(missing.status).toBe(404);
      const [foreignProblem, missingProblem] = (await Promise.all([
        foreign.json(),
        missing.json(),
      ])) as Problem[];
      expect(foreignProblem?.type).toBe(missingProblem?.type);
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 0, printSeq: 0 });
    });

    it('refuses a printer outside the approved set (403 printer_not_approved) and serves one inside it', async () => {
      // Prepare
      const licenseId = await license({ printerIds: [sibling.id] });

      // Act
      const refused = await requestPrint(printer, licenseId);
      const approved = await requestPrint(sibling, licenseId);

      // Assess
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as Problem).code).toBe('printer_not_approved');
      expect(approved.status).toBe(201);
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 1 });
    });

    it.each([
      ['an expired license', 'license_expired', { expiresAt: new Date(Date.now() - 60_000) }],
      ['a revoked license', 'license_revoked', { revoked: true }],
      ['a pending license', 'license_pending', { status: 'pending' as const }],
    ])('refuses %s with 409 %s and reserves nothing', async (_what, code, terms) => {
      // Prepare
      const licenseId = await license(terms);

      // Act
      const response = await requestPrint(printer, licenseId);

      // Assess
      expect(response.status).toBe(409);
      const problem = (await response.json()) as Problem;
      expect(problem.code).toBe(code);
      expect(problem.type).toBe(`https://forgecast.dev/problems/${code.replaceAll('_', '-')}`);
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 0, printSeq: 0 });
    });

    it('refuses a retired printer’s credential (401)', async () => {
      // Prepare
      const retiring = await registerPrinter(licensee.key, 'retiring');
      const licenseId = await license();
      expect((await requestPrint(retiring, licenseId)).status).toBe(201);
      expect((await call(`/printers/${retiring.id}`, licensee.key, { method: 'DELETE' })).status).toBe(204);

      // Act
      const response = await requestPrint(retiring, licenseId);

      // Assess
      expect(response.status).toBe(401);
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 1 });
    });

    it('refuses an API key, even one holding prints:authorize (403): grants are for printers', async () => {
      // Prepare
      const licenseId = await license();

      // Act
      const response = await call('/print-jobs', licensee.key, {
        method: 'POST',
        body: JSON.stringify({ licenseId }),
      });

      // Assess
      expect(response.status).toBe(403);
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 0 });
    });

    it('answers an invalid license id with 400', async () => {
      // Act
      const response = await requestPrint(printer, 'license-1');

      // Assess
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: Array<{ pointer: string }> }).errors[0]?.pointer).toBe(
        '/licenseId',
      );
    });
  });

  describe('Method: complete', () => {
    it('counts a successful print once; completing the same grant again is 409 grant_already_used', async () => {
      // Prepare
      const licenseId = await license({ printsTotal: 2 });
      const grant = await grantFor(printer, licenseId);
      const settlement = new MySqlWorkQueue({ pool: db.pool, name: 'settlement' });

      // Act
      const first = await complete(printer, grant.jobId, { outcome: 'succeeded' });
      const replay = await complete(printer, grant.jobId, { outcome: 'succeeded' });

      // Assess
      expect(first.status).toBe(200);
      expect((await first.json()) as JobView).toMatchObject({
        state: 'succeeded',
        counted: true,
        refunded: false,
      });
      expect(replay.status).toBe(409);
      expect(((await replay.json()) as Problem).code).toBe('grant_already_used');
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 0, printsUsed: 1 });
      const nudges = await settlement.receive({ visibilitySeconds: 30, limit: 20 });
      expect(nudges.map((message) => JSON.parse(message.content))).toContainEqual({ jobId: grant.jobId });
      const [events] = await db.pool.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'print.completed' AND aggregate_id = ?",
        [licenseId],
      );
      expect(Number(events[0]?.n)).toBe(1);
    });

    it('answers another printer 404 for a job that is not its own, and leaves the job granted', async () => {
      // Prepare
      const licenseId = await license();
      const grant = await grantFor(printer, licenseId);

      // Act
      const bySibling = await complete(sibling, grant.jobId, { outcome: 'succeeded' });
      const byForeign = await complete(foreignPrinter, grant.jobId, { outcome: 'succeeded' });

      // Assess
      expect(bySibling.status).toBe(404);
      expect(byForeign.status).toBe(404);
      expect(await jobState(grant.jobId)).toBe('granted');
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 1, printsUsed: 0 });
    });

    it('gives failed prints back within the failure allowance and counts them beyond it', async () => {
      // Prepare
      const licenseId = await license({ printsTotal: 2, failureAllowance: 1 });
      const first = await grantFor(printer, licenseId);

      // Act
      const refunded = await complete(printer, first.jobId, { outcome: 'failed', reason: 'nozzle clog' });
      const afterRefund = await licenseCounts(db.pool, licenseId);
      const second = await grantFor(printer, licenseId);
      const counted = await complete(printer, second.jobId, { outcome: 'failed', reason: 'warped bed' });

      // Assess
      expect(refunded.status).toBe(200);
      expect((await refunded.json()) as JobView).toMatchObject({
        state: 'failed',
        counted: false,
        refunded: true,
        failureReason: 'nozzle clog',
      });
      expect(afterRefund).toMatchObject({ printsUsed: 0, printsReserved: 0, failuresRefunded: 1 });
      expect(counted.status).toBe(200);
      expect((await counted.json()) as JobView).toMatchObject({
        state: 'failed',
        counted: true,
        refunded: false,
      });
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({
        printsUsed: 1,
        printsReserved: 0,
        failuresRefunded: 1,
      });
    });

    it('releases an expired grant so its print can be authorized again; completing it is 409 grant_expired', async () => {
      // Prepare
      const licenseId = await license({ printsTotal: 1 });
      const lapsed = await grantFor(printer, licenseId);
      const exhausted = await requestPrint(printer, licenseId);
      expect(exhausted.status).toBe(409);
      await db.pool.query(
        'UPDATE print_jobs SET grant_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?',
        [lapsed.jobId],
      );

      // Act
      const again = await requestPrint(printer, licenseId);
      const late = await complete(printer, lapsed.jobId, { outcome: 'succeeded' });

      // Assess
      expect(again.status).toBe(201);
      expect(((await again.json()) as PrintGrant).serial).toBe(`FC-${licenseId}-000002`);
      expect(await jobState(lapsed.jobId)).toBe('expired');
      expect(late.status).toBe(409);
      expect(((await late.json()) as Problem).code).toBe('grant_expired');
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 1, printsUsed: 0 });
    });

    it('expires a lapsed grant on completion, giving its print back (409 grant_expired)', async () => {
      // Prepare
      const licenseId = await license({ printsTotal: 1 });
      const grant = await grantFor(printer, licenseId);
      await db.pool.query(
        'UPDATE print_jobs SET grant_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?',
        [grant.jobId],
      );

      // Act
      const response = await complete(printer, grant.jobId, { outcome: 'succeeded' });

      // Assess
      expect(response.status).toBe(409);
      expect(((await response.json()) as Problem).code).toBe('grant_expired');
      expect(await jobState(grant.jobId)).toBe('expired');
      expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 0, printsUsed: 0 });
    });

    it('answers an unknown outcome with 400', async () => {
      // Prepare
      const grant = await grantFor(printer, await license());

      // Act
      const response = await complete(printer, grant.jobId, { outcome: 'maybe' });

      // Assess
      expect(response.status).toBe(400);
      expect(await jobState(grant.jobId)).toBe('granted');
    });
  });

  describe('Method: read', () => {
    it('shows a job to its printer and to the holder’s licenses:read key, and to no one else', async () => {
      // Prepare
      const grant = await grantFor(printer, await license());

      // Act
      const byPrinter = await call(`/print-jobs/${grant.jobId}`, printer.credential);
      const byHolder = await call(`/print-jobs/${grant.jobId}`, licensee.key);
      const bySibling = await call(`/print-jobs/${grant.jobId}`, sibling.credential);
      const byOtherOrg = await call(`/print-jobs/${grant.jobId}`, otherLicensee.key);

      // Assess
      expect(byPrinter.status).toBe(200);
      const job = (await byPrinter.json()) as JobView;
      expect(job).toMatchObject({
        id: grant.jobId,
        serial: grant.serial,
        printerId: printer.id,
        state: 'granted',
      });
      expect(JSON.stringify(job)).not.toContain(grant.contentKey.cipherValue);
      expect(byHolder.status).toBe(200);
      expect(bySibling.status).toBe(404);
      expect(byOtherOrg.status).toBe(404);
    });
  });
});
