import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { printAuthorizeManifest } from '#functions/print-authorize/manifest.ts';
import { printersManifest } from '#functions/printers/manifest.ts';
import { insertApiKey } from '#shared/accounts/api-key-store.ts';
import { issueApiKey } from '#shared/accounts/api-keys.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';

interface PrinterView {
  id: string;
  name: string;
  status: string;
  publicKeyPem: string;
  publicKeySha256: string;
  createdAt: string;
  retiredAt: string | null;
  credential?: string;
}

interface Problem {
  type: string;
  status: number;
  code?: string;
  detail?: string;
}

const rsaPublicPem = (bits = 2048) =>
  generateKeyPairSync('rsa', { modulusLength: bits })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();

/** The printers function and the authorizer behind the real gateway, on a real database. */
describe('Function: printers', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let licensee: { orgId: string; key: string };
  let reader: { orgId: string; key: string };
  let stranger: { orgId: string; key: string };

  const call = (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });

  const register = (key: string, body: unknown) =>
    call('/printers', key, { method: 'POST', body: JSON.stringify(body) });

  async function registered(name = 'Prusa XL #1'): Promise<PrinterView> {
    const response = await register(licensee.key, { name, publicKeyPem: rsaPublicPem() });
    expect(response.status).toBe(201);
    return (await response.json()) as PrinterView;
  }

  /** A printer credential that authenticates reaches the function, which knows no such job: 404, not 401. */
  const printerCall = (credential: string) => call(`/print-jobs/${'0'.repeat(26)}`, credential);

  async function countPrinters(): Promise<number> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM printers');
    return Number(rows[0]?.n);
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'printers');
    licensee = await createOrgWithKey(db.pool, ['printers:write', 'licenses:read'], { kind: 'licensee' });
    stranger = await createOrgWithKey(db.pool, ['printers:write'], { kind: 'licensee' });
    // A second, read-only key of the licensee.
    const readOnly = issueApiKey();
    await insertApiKey(db.pool, {
      keyId: readOnly.keyId,
      orgId: licensee.orgId,
      name: 'read only',
      secretHash: readOnly.secretHash,
      scopes: ['licenses:read'],
    });
    reader = { orgId: licensee.orgId, key: readOnly.plaintext };
    runner = new FnRunner([
      bundledFunction('printers', { MYSQL_URL: db.url }),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
      // Only for "does this printer credential authenticate": it makes no storage call here.
      bundledFunction('print-authorize', {
        MYSQL_URL: db.url,
        S3_ENDPOINT: 'http://127.0.0.1:9',
        S3_REGION: 'local-1',
        S3_ACCESS_KEY_ID: 'unused',
        S3_SECRET_ACCESS_KEY: 'unused',
        VAULT_BUCKET: 'design-vault',
        MASTER_KEY_BASE64: randomBytes(32).toString('base64'),
      }),
    ]);
    gateway = await startGateway({
      runner,
      routes: routesOf(printersManifest, printAuthorizeManifest),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  describe('Method: register', () => {
    it('registers a printer and shows its credential once, stored only as a hash', async () => {
      // Act
      const response = await register(licensee.key, { name: 'Bambu X1 bay 3', publicKeyPem: rsaPublicPem() });

      // Assess
      expect(response.status).toBe(201);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const printer = (await response.json()) as PrinterView;
      expect(response.headers.get('location')).toBe(`/v1/printers/${printer.id}`);
      expect(printer).toMatchObject({ name: 'Bambu X1 bay 3', status: 'active', retiredAt: null });
      expect(printer.publicKeySha256).toMatch(/^[0-9a-f]{64}$/);
      expect(printer.credential).toMatch(new RegExp(`^fcp_${printer.id.toLowerCase()}_[A-Za-z0-9_-]{43}$`));

      const shown = await call(`/printers/${printer.id}`, licensee.key);
      expect(shown.status).toBe(200);
      const text = await shown.text();
      const secret = (printer.credential as string).slice(-43);
      expect(text).not.toContain(secret);
      expect(JSON.parse(text)).not.toHaveProperty('credential');
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT org_id, credential_hash FROM printers WHERE id = ?',
        [printer.id],
      );
      expect(rows[0]?.org_id).toBe(licensee.orgId);
      const stored = rows[0]?.credential_hash as Buffer;
      expect(stored).toHaveLength(32);
      expect(Buffer.from(printer.credential as string).includes(stored)).toBe(false);
      expect((await printerCall(printer.credential as string)).status).toBe(404);
    });

    it.each([
      ['malformed PEM', '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----', /well-formed/],
      ['not PEM at all', 'ssh-rsa AAAAB3NzaC1yc2E printer@shop', /PEM/],
      [
        'an EC key',
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
        /must be RSA.*not ec/,
      ],
      ['a 1024-bit RSA key', rsaPublicPem(1024), /2048.*1024/],
      [
        'a private key',
        generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        /BEGIN PUBLIC KEY/,
      ],
      [
        'a PKCS#1 key',
        generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
          type: 'pkcs1',
          format: 'pem',
        }),
        /BEGIN PUBLIC KEY/,
      ],
      ['a PEM over 4 KiB', `${rsaPublicPem()}${' '.repeat(4096)}`, /4096 bytes/],
    ])('refuses %s with a 400 that says why, and stores nothing', async (_what, publicKeyPem, reason) => {
      // Prepare
      const before = await countPrinters();

      // Act
      const response = await register(licensee.key, { name: 'bad key', publicKeyPem: String(publicKeyPem) });

      // Assess
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.code).toBe('invalid_public_key');
      expect(problem.type).toMatch(/\/invalid-public-key$/);
      expect(problem.detail).toMatch(reason);
      expect(await countPrinters()).toBe(before);
    });

    it('refuses a body over 8 KiB with 413 before reading the key', async () => {
      // Prepare
      const before = await countPrinters();

      // Act
      const response = await register(licensee.key, { name: 'x'.repeat(9000), publicKeyPem: rsaPublicPem() });

      // Assess
      expect(response.status).toBe(413);
      expect(((await response.json()) as Problem).type).toMatch(/\/payload-too-large$/);
      expect(await countPrinters()).toBe(before);
    });

    it('refuses a missing name with 400 naming the field', async () => {
      // Act
      const response = await register(licensee.key, { publicKeyPem: rsaPublicPem() });

      // Assess
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: Array<{ pointer: string }> }).errors[0]?.pointer).toBe(
        '/name',
      );
    });

    it('needs printers:write: a licenses:read key may look but not register (403)', async () => {
      // Prepare
      const printer = await registered('visible to readers');

      // Act
      const refused = await register(reader.key, { name: 'reader', publicKeyPem: rsaPublicPem() });
      const read = await call(`/printers/${printer.id}`, reader.key);

      // Assess
      expect(refused.status).toBe(403);
      expect(read.status).toBe(200);
    });
  });

  describe('Method: list and read', () => {
    it('pages through an organisation’s printers newest first, and never another’s', async () => {
      // Prepare
      const mine = [await registered('page a'), await registered('page b'), await registered('page c')];
      const theirs = (await (
        await register(stranger.key, { name: 'theirs', publicKeyPem: rsaPublicPem() })
      ).json()) as PrinterView;

      // Act
      const first = (await (await call('/printers?limit=2', licensee.key)).json()) as {
        items: PrinterView[];
        nextCursor: string | null;
      };
      const second = (await (
        await call(`/printers?limit=2&cursor=${first.nextCursor}`, licensee.key)
      ).json()) as {
        items: PrinterView[];
      };

      // Assess
      expect(first.items.map((p) => p.id)).toEqual([mine[2]?.id, mine[1]?.id]);
      expect(first.nextCursor).toBe(mine[1]?.id);
      expect(second.items[0]?.id).toBe(mine[0]?.id);
      expect([...first.items, ...second.items].map((p) => p.id)).not.toContain(theirs.id);
      expect((await call(`/printers/${theirs.id}`, licensee.key)).status).toBe(404);
      expect((await call('/printers/not-an-id', licensee.key)).status).toBe(400);
    });
  });

  describe('Method: rotate credential', () => {
    it('issues a new credential; the old one is refused at once (401)', async () => {
      // Prepare
      const printer = await registered('rotating');
      const old = printer.credential as string;

      // Act
      const response = await call(`/printers/${printer.id}/credential`, licensee.key, { method: 'POST' });

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const rotated = (await response.json()) as { id: string; credential: string };
      expect(rotated.id).toBe(printer.id);
      expect(rotated.credential).not.toBe(old);
      expect(rotated.credential.startsWith(`fcp_${printer.id.toLowerCase()}_`)).toBe(true);
      expect((await printerCall(old)).status).toBe(401);
      expect((await printerCall(rotated.credential)).status).toBe(404);
    });

    it('does not rotate another organisation’s printer (404), whose credential keeps working', async () => {
      // Prepare
      const printer = await registered('not yours');

      // Act
      const response = await call(`/printers/${printer.id}/credential`, stranger.key, { method: 'POST' });

      // Assess
      expect(response.status).toBe(404);
      expect((await printerCall(printer.credential as string)).status).toBe(404);
    });
  });

  describe('Method: retire', () => {
    it('retires a printer: 204, its credential is refused (401), and it stays listed as retired', async () => {
      // Prepare
      const printer = await registered('retiring');
      expect((await printerCall(printer.credential as string)).status).toBe(404);

      // Act
      const response = await call(`/printers/${printer.id}`, licensee.key, { method: 'DELETE' });

      // Assess
      expect(response.status).toBe(204);
      const unauthorised = await printerCall(printer.credential as string);
      expect(unauthorised.status).toBe(401);
      const shown = (await (await call(`/printers/${printer.id}`, licensee.key)).json()) as PrinterView;
      expect(shown.status).toBe('retired');
      expect(shown.retiredAt).not.toBeNull();
      expect((await call(`/printers/${printer.id}`, licensee.key, { method: 'DELETE' })).status).toBe(404);
      const rotate = await call(`/printers/${printer.id}/credential`, licensee.key, { method: 'POST' });
      expect(rotate.status).toBe(404);
    });

    it('does not let another organisation retire a printer (404)', async () => {
      // Prepare
      const printer = await registered('kept');

      // Act
      const response = await call(`/printers/${printer.id}`, stranger.key, { method: 'DELETE' });

      // Assess
      expect(response.status).toBe(404);
      const [rows] = await db.pool.query<RowDataPacket[]>('SELECT status FROM printers WHERE id = ?', [
        printer.id,
      ]);
      expect(rows[0]?.status).toBe('active');
    });
  });
});
