import { generateKeyPairSync } from 'node:crypto';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkA11y,
  newPersonContext,
  personWithRole,
  SCREENSHOT_DIR,
  type SeededPerson,
  screenshot,
  signIn,
  useBrowser,
  usePortalCloud,
} from '../support/browser.ts';
import { binaryStlCube } from '../support/design-files.ts';

/** Screenshots (desktop and narrow) and axe-core on the page as it is now. */
async function record(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await checkA11y(page, name);
}

/**
 * The portal as its people use it, in Debian's Chromium against the whole local cloud (`npm start`
 * with port 0s): each person signs in through the local OpenID provider in a browser context of
 * their own. The steps build on each other (the designer's design is the one the licensor licenses
 * and the print shop prints), so they run in order in one file, with one cloud.
 */
describe('Portal in a real browser (local cloud, seeded people)', () => {
  const browser = useBrowser();
  const cloud = usePortalCloud('browser-portal');
  const contexts: BrowserContext[] = [];
  const designName = `Hinge ${Date.now().toString(36)}`;
  let designer: { person: SeededPerson; page: Page };
  let designId = '';
  /** Uncaught errors and console errors in any person's pages, shown when a step fails. */
  const pageErrors: string[] = [];
  let licenseId = '';

  async function personPage(role: string): Promise<{ person: SeededPerson; page: Page }> {
    const context = await newPersonContext(browser(), cloud().webUrl);
    contexts.push(context);
    context.on('weberror', (error) => pageErrors.push(`${role}: ${error.error().message}`));
    context.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${role} console: ${message.text()}`);
    });
    return { person: personWithRole(cloud().people, role), page: await context.newPage() };
  }

  // A failed step leaves a picture of every open page, to see what the person saw.
  afterEach(async (test) => {
    if (test.task.result?.state !== 'fail') return;
    if (pageErrors.length > 0) console.log(`errors in the pages so far:\n${pageErrors.join('\n')}`);
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries())
      await page
        .screenshot({ path: `${SCREENSHOT_DIR}/failed-${index}.png`, fullPage: true })
        .then(() => console.log(`failed step: page ${index} at ${page.url()} in failed-${index}.png`))
        .catch(() => undefined);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
  });

  describe('Signed out', () => {
    it('is sent to the sign-in form from a portal page, and the form is accessible', async () => {
      // Prepare
      const { page } = await personPage('designer');

      // Act
      await page.goto('/designs');

      // Assess: the provider's form, with the page to come back to remembered.
      await page.getByLabel(/e-?mail/i).waitFor();
      expect(new URL(page.url()).origin).not.toBe(cloud().webUrl);
      await record(page, 'sign-in');
      await page.context().close();
    });
  });

  describe('Signing in', () => {
    beforeAll(async () => {
      designer = await personPage('designer');
    });

    it('signs a designer in through the provider and keeps the session cookie away from scripts', async () => {
      // Prepare: every request the page makes to the API, with the headers the browser sent.
      const apiRequests: Request[] = [];
      designer.page.on('request', (request) => {
        if (request.url() === `${cloud().webUrl}/v1/session`) apiRequests.push(request);
      });

      // Act
      await signIn(designer.page, designer.person, cloud().webUrl, '/designs');

      // Assess: back where they started, the cookie HttpOnly and Lax, invisible to page script
      // and sent with the page's own API calls.
      await designer.page.waitForURL(`${cloud().webUrl}/designs`);
      const cookies = await designer.page.context().cookies(cloud().webUrl);
      const session = cookies.find((cookie) => cookie.name === 'fc_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(await designer.page.evaluate<string>('document.cookie')).not.toContain('fc_session');
      await expect.poll(() => apiRequests.some((request) => request.method() === 'GET')).toBe(true);
      const sessionRead = apiRequests.find((request) => request.method() === 'GET') as Request;
      expect((await sessionRead.allHeaders()).cookie).toContain(`fc_session=${session?.value}`);
      const answer = await sessionRead.response();
      expect(answer?.status()).toBe(200);
    });

    it('refuses a write carrying the session cookie from a foreign Origin', async () => {
      // Act: the same request twice, with the browser's cookie; only the Origin differs. The body
      // is one the designs function refuses (400), so the portal's own request proves it got
      // through the gateway without creating anything.
      const attempt = (origin: string) =>
        designer.page.request.post(`${cloud().webUrl}/v1/designs`, {
          headers: { origin, 'content-type': 'application/json' },
          data: { name: '', format: 'stl', sizeBytes: 0 },
          failOnStatusCode: false,
        });
      const forged = await attempt('https://attacker.example');
      const own = await attempt(cloud().webUrl);

      // Assess
      expect(forged.status()).toBe(403);
      expect(((await forged.json()) as { type: string }).type).toMatch(/\/origin-refused$/);
      expect(own.status()).toBe(400);
    });
  });

  describe('Designer', () => {
    it('uploads an STL, sees it registered with its thumbnail, and names a licensor', async () => {
      // Prepare
      const { page } = designer;
      const licensorOrg = personWithRole(cloud().people, 'licensing_manager').org as { id: string };
      await page.goto('/designs');
      await page.getByText('No designs yet.').waitFor();
      await record(page, 'designs-empty');
      await page.getByRole('link', { name: 'Upload a design' }).first().click();
      await page.waitForURL('**/designs/new');
      await record(page, 'design-upload');

      // Act: choose the file, name it, upload.
      await page.getByLabel('Design file').setInputFiles({
        name: 'hinge.stl',
        mimeType: 'model/stl',
        buffer: binaryStlCube(20),
      });
      await page.getByLabel('Name', { exact: true }).fill(designName);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();

      // Assess: the detail page follows it to registered, with a thumbnail that actually loaded.
      await page.waitForURL(/\/designs\/[0-9A-Z]{26}$/);
      designId = new URL(page.url()).pathname.split('/').pop() as string;
      await page.getByText(/^Registered /).waitFor({ timeout: 180_000 });
      const thumbnailAlt = `Isometric preview of ${designName}`;
      await page.getByRole('img', { name: thumbnailAlt }).waitFor();
      const thumbnailWidth = `(() => {
        const img = [...document.images].find((image) => image.alt === ${JSON.stringify(thumbnailAlt)});
        return img && img.complete ? img.naturalWidth : 0;
      })()`;
      await expect.poll(() => page.evaluate<number>(thumbnailWidth), { timeout: 30_000 }).toBeGreaterThan(0);
      await record(page, 'design-detail');

      // Act: name the print shop's organisation as licensor.
      await page.getByLabel('Organisation id of the licensor').fill(licensorOrg.id);
      await page.getByRole('button', { name: 'Name licensor' }).click();

      // Assess
      await page.getByText('Licensor named.').waitFor();
      await page.goto('/designs');
      await page.getByRole('link', { name: designName }).waitFor();
      await record(page, 'designs');
    }, 300_000);
  });

  describe('Licensor', () => {
    it('mints one license with a double click', async () => {
      // Prepare
      expect(designId, 'the designer step registered no design').not.toBe('');
      const { person, page } = await personPage('licensing_manager');
      const holderOrg = personWithRole(cloud().people, 'print_shop_operator').org as { id: string };
      await signIn(page, person, cloud().webUrl, '/licensor');
      await page.getByRole('link', { name: `Mint a license for ${designName}` }).waitFor();
      await record(page, 'licensor');
      await page.getByRole('link', { name: `Mint a license for ${designName}` }).click();
      await page.waitForURL('**/licensor/mint**');
      await page.getByLabel('Holder organisation id').fill(holderOrg.id);
      await page.getByLabel('Number of prints').fill('3');
      const lastDay = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      await page.getByLabel(/^Valid until/).fill(lastDay);
      await record(page, 'licensor-mint');
      const mints: Request[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url() === `${cloud().webUrl}/v1/licenses`)
          mints.push(request);
      });

      // Act: an impatient double click.
      await page.getByRole('button', { name: 'Mint license' }).dblclick();

      // Assess: the result, every request with one Idempotency-Key, one license for the design.
      await page.getByRole('heading', { name: /^License [0-9A-Z]{26}$/ }).waitFor({ timeout: 120_000 });
      await page.getByText('The license is active and written to the ledger.').waitFor({ timeout: 120_000 });
      licenseId = (await page.getByRole('heading', { name: /^License / }).textContent())?.split(' ')[1] ?? '';
      expect(mints.length).toBeGreaterThan(0);
      const keys = new Set(
        await Promise.all(mints.map(async (m) => (await m.allHeaders())['idempotency-key'])),
      );
      expect([...keys]).toHaveLength(1);
      expect([...keys][0]).toBeTruthy();
      const issued = await page.request.get(`${cloud().webUrl}/v1/licenses?as=issuer&limit=100`);
      const items = ((await issued.json()) as { items: { id: string; designId: string }[] }).items;
      expect(items.filter((license) => license.designId === designId).map((l) => l.id)).toEqual([licenseId]);
      await record(page, 'licensor-minted');
      await page.goto('/licensor');
      await page.getByText(licenseId).first().waitFor();
      await record(page, 'licensor-licenses');
    }, 300_000);
  });

  describe('Print shop', () => {
    it('sees the license, registers a printer from its public key, and sees the print job it asked for', async () => {
      // Prepare
      expect(licenseId, 'the licensor step minted no license').not.toBe('');
      const { person, page } = await personPage('print_shop_operator');
      await signIn(page, person, cloud().webUrl, '/print-shop');
      await page.getByText(licenseId).first().waitFor();
      await record(page, 'print-shop-licenses');

      // Act 1: register a printer by uploading its public key file.
      await page.getByRole('link', { name: 'Printers' }).first().click();
      await page.waitForURL('**/print-shop/printers');
      await page.getByText('No printer is registered yet.', { exact: false }).waitFor();
      await record(page, 'printers-empty');
      const printerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await page.getByLabel('Printer name').fill('Line 1');
      await page.getByLabel('Public key file (PEM)').setInputFiles({
        name: 'printer-public.pem',
        mimeType: 'application/x-pem-file',
        buffer: Buffer.from(printerKeys.publicKey.export({ type: 'spki', format: 'pem' })),
      });
      const registered = page.waitForResponse(
        (response) => response.request().method() === 'POST' && response.url().endsWith('/v1/printers'),
      );
      await page.getByRole('button', { name: 'Register printer' }).click();

      // Assess 1: the credential is on the page, once.
      const credential = ((await (await registered).json()) as { credential: string }).credential;
      expect(credential).toMatch(/^fcp_/);
      await page.getByText(credential).first().waitFor();
      // the form is empty again, the chosen key file included
      expect(await page.getByLabel('Public key file (PEM)').inputValue()).toBe('');
      await record(page, 'printer-credential');
      await page.getByRole('button', { name: 'Done' }).click();
      await expect.poll(() => page.getByText(credential).count()).toBe(0);
      await record(page, 'printers');

      // Act 2: the printer asks for a grant, as its firmware would, with its credential.
      const granted = await fetch(`${cloud().gatewayUrl}/print-jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
        body: JSON.stringify({ licenseId }),
      });
      expect(granted.status).toBe(201);
      const grant = (await granted.json()) as { serial: string };

      // Assess 2: the job with its serial on the print jobs page.
      await page.getByRole('link', { name: 'Print jobs' }).first().click();
      await page.waitForURL('**/print-shop/jobs**');
      await page.getByText(grant.serial).waitFor();
      await record(page, 'print-jobs');
    }, 300_000);
  });

  describe('Platform operator', () => {
    it('sees organisations, the ledger drift report and provenance conflicts', async () => {
      const { person, page } = await personPage('platform_operator');
      await signIn(page, person, cloud().webUrl, '/');
      await settled(page);
      await record(page, 'home');
      for (const [path, name] of [
        ['/operator', 'operator-organisations'],
        ['/operator/reconciliation', 'operator-reconciliation'],
        ['/operator/provenance', 'operator-provenance'],
      ] as const) {
        await page.goto(path);
        await settled(page);
        await record(page, name);
      }
      // The seeded organisations are listed by name.
      await page.goto('/operator');
      await page.getByText('Studio Rossi Design').first().waitFor();
    }, 300_000);
  });

  describe('Keyboard', () => {
    it('lets the operator skip to the content and open the drift report without a mouse', async () => {
      // Prepare
      const { person, page } = await personPage('platform_operator');
      await signIn(page, person, cloud().webUrl, '/operator');
      await settled(page);
      const focused = () =>
        page.evaluate<string>(
          "(document.activeElement && (document.activeElement.getAttribute('aria-label') || document.activeElement.textContent || '')).trim()",
        );

      // Act 1: the first Tab on the page reaches the skip link; Enter follows it.
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Skip to content');
      await page.keyboard.press('Enter');

      // Act 2: Tab on (bounded) to the section link, then Enter.
      let steps = 0;
      while ((await focused()) !== 'Ledger drift' && steps < 40) {
        await page.keyboard.press('Tab');
        steps += 1;
      }
      expect(await focused()).toBe('Ledger drift');
      await page.keyboard.press('Enter');

      // Assess
      await page.waitForURL('**/operator/reconciliation');
      await settled(page);
    }, 120_000);
  });

  describe('Organisation admin', () => {
    it('removes a member, whose next request in their own browser is refused', async () => {
      // Prepare: the designer is still signed in (their context from the steps above).
      expect((await designer.page.request.get(`${cloud().webUrl}/v1/designs`)).status()).toBe(200);
      const { person, page } = await personPage('org_admin');
      await signIn(page, person, cloud().webUrl, '/admin');
      await settled(page);
      await record(page, 'admin-members');
      await page.goto('/admin/api-keys');
      await settled(page);
      await record(page, 'admin-api-keys');
      await page.goto('/admin');
      const who = String(designer.person.name ?? designer.person.email);

      // Act: remove, then confirm in the dialog.
      await page.getByRole('button', { name: `Remove ${who}` }).click();
      const dialog = page.getByRole('dialog');
      await record(page, 'admin-remove-member');
      await dialog.getByRole('button', { name: 'Confirm' }).click();
      await page.getByText(`${who} was removed.`).waitFor();

      // Assess: the designer's very next request is refused. Their page goes through sign-in again
      // (the provider still knows them, so it comes straight back) and shows no designs: they are
      // no longer in the studio.
      const refused = await designer.page.request.get(`${cloud().webUrl}/v1/designs`);
      expect(refused.status()).toBe(401);
      await designer.page.goto('/designs');
      await designer.page.getByRole('heading', { name: 'Not available for your role' }).waitFor();
      expect(await designer.page.getByText('Studio Rossi Design').count()).toBe(0);
      await record(designer.page, 'member-removed');
    }, 300_000);
  });
});

/** The page has its heading and nothing is loading any more. */
async function settled(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await expect.poll(() => page.getByText(/^Loading/).count(), { timeout: 60_000 }).toBe(0);
}
