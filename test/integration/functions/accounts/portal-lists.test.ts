import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountsManifest } from '#functions/accounts/manifest.ts';
import { designsManifest } from '#functions/designs/manifest.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { licenseMintManifest } from '#functions/license-mint/manifest.ts';
import { printAuthorizeManifest } from '#functions/print-authorize/manifest.ts';
import { SCOPES } from '#shared/accounts/api-keys.ts';
import { grantLicensor } from '#shared/designs/design-repository.ts';
import { newId } from '#shared/ids.ts';
import { insertReconciliationReport } from '#shared/ledger/reconciliation-reports.ts';
import { authorizePrint } from '#shared/licenses/print-ledger.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { createLicense, insertPrinter, insertRegisteredDesign } from '#test/support/licenses.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface OrganisationView {
  id: string;
  name: string;
  kind: string;
  createdAt: string;
}

interface LicensableView {
  id: string;
  owner: { orgId: string; name: string };
  own: boolean;
  licensorSince: string | null;
}

interface JobView {
  id: string;
  serial: string;
  licenseId: string;
  printerId: string;
  state: string;
}

interface Org {
  orgId: string;
  key: string;
}

/**
 * The list routes the portal's pages read (issue 14): organisations for operators, designs a
 * licensor may license, licenses by side, a holder's print jobs, and the reconciliation report.
 * Each function as built for Fn, behind the real gateway and authorizer, on a real database.
 */
describe('Portal list routes', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let operator: Org;
  let designer: Org;
  let marketplace: Org;
  let shop: Org;
  let otherShop: Org;
  let namedDesign: string;
  let unnamedDesign: string;
  let designerOwnLicense: string;
  let marketplaceLicense: string;

  const get = async <T>(path: string, key: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    // Prepare
    db = await createTestDatabase(inject('mysqlUrl'), 'portal_lists');
    operator = await createOrgWithKey(db.pool, SCOPES, { kind: 'operator' });
    designer = await createOrgWithKey(db.pool, ['designs:read', 'designs:write', 'licenses:write'], {
      kind: 'designer',
    });
    marketplace = await createOrgWithKey(db.pool, ['licenses:read', 'licenses:write']);
    shop = await createOrgWithKey(db.pool, ['licenses:read', 'printers:write'], { kind: 'licensee' });
    otherShop = await createOrgWithKey(db.pool, ['licenses:read', 'printers:write'], { kind: 'licensee' });
    namedDesign = await insertRegisteredDesign(db.pool, designer.orgId);
    unnamedDesign = await insertRegisteredDesign(db.pool, designer.orgId);
    expect(await grantLicensor(db.pool, namedDesign, marketplace.orgId)).toBe(true);
    marketplaceLicense = await createLicense(db.pool, {
      issuerOrgId: marketplace.orgId,
      holderOrgId: shop.orgId,
      designId: namedDesign,
      printsTotal: 5,
    });
    designerOwnLicense = await createLicense(db.pool, {
      issuerOrgId: designer.orgId,
      holderOrgId: marketplace.orgId,
      designId: unnamedDesign,
      printsTotal: 1,
    });

    const unused = 'http://127.0.0.1:9';
    const storage = {
      S3_ENDPOINT: unused,
      S3_REGION: 'local-1',
      S3_ACCESS_KEY_ID: 'unused',
      S3_SECRET_ACCESS_KEY: 'unused',
    };
    runner = new FnRunner([
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
      bundledFunction('accounts', { MYSQL_URL: db.url }),
      bundledFunction('designs', {
        MYSQL_URL: db.url,
        ...storage,
        INCOMING_BUCKET: 'incoming-designs',
        MEDIA_BUCKET: 'media',
      }),
      // The list and report routes never reach the chain: these addresses are never dialled.
      bundledFunction('license-mint', {
        MYSQL_URL: db.url,
        CHAIN_RPC_URL: unused,
        CHAIN_RELAYER_KEY: `0x${randomBytes(32).toString('hex')}`,
        LICENSE_LEDGER_ADDRESS: `0x${'1'.repeat(40)}`,
      }),
      bundledFunction('print-authorize', {
        MYSQL_URL: db.url,
        ...storage,
        VAULT_BUCKET: 'design-vault',
        MASTER_KEY_BASE64: randomBytes(32).toString('base64'),
      }),
    ]);
    gateway = await startGateway({
      runner,
      routes: routesOf(accountsManifest, designsManifest, licenseMintManifest, printAuthorizeManifest),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
      rateLimit: { perSecond: 10_000, burst: 10_000 },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  describe('Route: GET /v1/orgs', () => {
    it('lists every organisation newest first, a page at a time, to operators', async () => {
      // Act
      const first = await get<Page<OrganisationView>>('/orgs?limit=2', operator.key);
      const cursor = first.body.nextCursor ?? '';
      const rest = await get<Page<OrganisationView>>(`/orgs?limit=100&cursor=${cursor}`, operator.key);

      // Assess: ids descending (ULIDs made in the same millisecond sort by their random part).
      const newestFirst = [operator, designer, marketplace, shop, otherShop]
        .map((org) => org.orgId)
        .sort()
        .reverse();
      expect(first.status).toBe(200);
      expect(first.body.items.map((org) => org.id)).toEqual(newestFirst.slice(0, 2));
      expect(rest.body.items.map((org) => org.id)).toEqual(newestFirst.slice(2));
      expect(rest.body.nextCursor).toBeNull();
      const shopRow = [...first.body.items, ...rest.body.items].find((org) => org.id === shop.orgId);
      expect(shopRow).toMatchObject({ kind: 'licensee', name: `org ${shop.orgId}` });
      expect(Date.parse(shopRow?.createdAt ?? '')).not.toBeNaN();
    });

    it('is refused to a key without the admin scope', async () => {
      // Act
      const refused = await get<{ status: number }>('/orgs', marketplace.key);

      // Assess
      expect(refused.status).toBe(403);
    });
  });

  describe('Route: GET /v1/licensable-designs', () => {
    it('shows a marketplace the designs it was named licensor of, with their owner, and no others', async () => {
      // Act
      const page = await get<Page<LicensableView>>('/licensable-designs', marketplace.key);

      // Assess
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(1);
      expect(page.body.items[0]).toMatchObject({
        id: namedDesign,
        own: false,
        owner: { orgId: designer.orgId, name: `org ${designer.orgId}` },
      });
      expect(page.body.items[0]?.licensorSince).not.toBeNull();
    });

    it('shows a designer that sells its own licenses its registered designs only', async () => {
      // Prepare: a design still awaiting its upload cannot be licensed.
      const draft = newId();
      await db.pool.query(
        `INSERT INTO designs (id, org_id, name, format, declared_bytes, status, upload_key)
         VALUES (?, ?, 'draft', 'stl', 84, 'awaiting_upload', ?)`,
        [draft, designer.orgId, `designs/${draft}/source`],
      );

      // Act
      const page = await get<Page<LicensableView>>('/licensable-designs', designer.key);

      // Assess
      expect(page.body.items.map((design) => design.id)).toEqual(
        [unnamedDesign, namedDesign].sort().reverse(),
      );
      expect(page.body.items.every((design) => design.own && design.licensorSince === null)).toBe(true);
    });

    it('is refused to a key that cannot issue licenses', async () => {
      // Act
      const refused = await get<{ status: number }>('/licensable-designs', shop.key);

      // Assess
      expect(refused.status).toBe(403);
    });
  });

  describe('Route: GET /v1/licenses?as=', () => {
    it('lists one side of the licenses an organisation issued or holds', async () => {
      // Act
      const issued = await get<Page<{ id: string }>>('/licenses?as=issuer', marketplace.key);
      const held = await get<Page<{ id: string }>>('/licenses?as=holder', marketplace.key);
      const both = await get<Page<{ id: string }>>('/licenses', marketplace.key);

      // Assess
      expect(issued.body.items.map((license) => license.id)).toEqual([marketplaceLicense]);
      expect(held.body.items.map((license) => license.id)).toEqual([designerOwnLicense]);
      expect(both.body.items.map((license) => license.id).sort()).toEqual(
        [marketplaceLicense, designerOwnLicense].sort(),
      );
    });

    it('names the design and both organisations beside their ids, for the portal to show', async () => {
      // Act
      const held = await get<Page<{ designName: string; issuerName: string; holderName: string }>>(
        '/licenses?as=holder',
        shop.key,
      );

      // Assess
      expect(held.body.items).toEqual([
        expect.objectContaining({
          designName: 'bracket',
          issuerName: `org ${marketplace.orgId}`,
          holderName: `org ${shop.orgId}`,
        }),
      ]);
    });
  });

  describe('Route: GET /v1/print-jobs', () => {
    it('lists the holder its print jobs newest first, with serials, optionally for one license', async () => {
      // Prepare: two prints from the marketplace's license, one from a second license.
      const printerId = await insertPrinter(db.pool, shop.orgId, 'Line 1');
      const secondLicense = await createLicense(db.pool, {
        issuerOrgId: marketplace.orgId,
        holderOrgId: shop.orgId,
        designId: namedDesign,
        printsTotal: 2,
      });
      const grant = (licenseId: string) =>
        authorizePrint(db.pool, {
          licenseId,
          printerId,
          orgId: shop.orgId,
          designId: namedDesign,
          grantTtlSeconds: 3600,
        });
      const granted = [
        await grant(marketplaceLicense),
        await grant(marketplaceLicense),
        await grant(secondLicense),
      ];
      const jobIds = granted.map((authorization) =>
        authorization.granted ? authorization.jobId : 'refused',
      );

      // Act
      const all = await get<Page<JobView>>('/print-jobs', shop.key);
      const firstPage = await get<Page<JobView>>(
        `/print-jobs?licenseId=${marketplaceLicense}&limit=1`,
        shop.key,
      );
      const secondPage = await get<Page<JobView>>(
        `/print-jobs?licenseId=${marketplaceLicense}&limit=1&cursor=${firstPage.body.nextCursor ?? ''}`,
        shop.key,
      );
      const stranger = await get<Page<JobView>>('/print-jobs', otherShop.key);
      const issuer = await get<{ status: number }>('/print-jobs', designer.key);

      // Assess
      expect(all.status).toBe(200);
      expect(all.body.items.map((job) => job.id)).toEqual([...jobIds].sort().reverse());
      expect(all.body.items.find((job) => job.id === jobIds[0])).toMatchObject({
        licenseId: marketplaceLicense,
        printerId,
        state: 'granted',
        serial: `FC-${marketplaceLicense}-000001`,
      });
      const ofLicense = [jobIds[0], jobIds[1]].sort().reverse();
      expect(firstPage.body.items.map((job) => job.id)).toEqual([ofLicense[0]]);
      expect(secondPage.body.items.map((job) => job.id)).toEqual([ofLicense[1]]);
      expect(secondPage.body.nextCursor).toBeNull();
      expect(stranger.body.items).toEqual([]);
      expect(issuer.status).toBe(403);
    });

    it('refuses a malformed license filter as a validation problem', async () => {
      // Act
      const refused = await get<{ status: number }>('/print-jobs?licenseId=nope', shop.key);

      // Assess
      expect(refused.status).toBe(400);
    });
  });

  describe('Route: GET /v1/ledger/reconciliation', () => {
    it('answers the drift list as a JSON array, not the stored text', async () => {
      // Prepare
      const drift = [
        {
          kind: 'prints-settled-mismatch' as const,
          licenseId: marketplaceLicense,
          tokenId: `0x${'ab'.repeat(32)}`,
          offChain: { printsSettled: 2 },
          onChain: { printsUsed: 3 },
        },
      ];
      await insertReconciliationReport(db.pool, {
        chainInstance: `0x${'cd'.repeat(32)}`,
        headBlock: 42,
        licensesChecked: 7,
        drift,
      });

      // Act
      const report = await get<{ driftCount: number; headBlock: number; drift: unknown }>(
        '/ledger/reconciliation',
        operator.key,
      );

      // Assess
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({ driftCount: 1, headBlock: 42, licensesChecked: 7 });
      expect(report.body.drift).toEqual(drift);
    });
  });
});
