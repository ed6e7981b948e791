import { generateKeyPairSync } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkA11y,
  newPersonContext,
  personWithRole,
  screenshot,
  signIn,
  useBrowser,
  usePortalCloud,
  VIEWPORTS,
} from '../support/browser.ts';
import { binaryStlCube } from '../support/design-files.ts';

/** Polls `check` every half second until it holds; fails after `timeoutMs` (a loaded machine is slow, never idle). */
async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** How wide the page's content is: more than the viewport means the whole page scrolls sideways. */
const pageWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Every visible button's box in the page, read at one moment, to check a notice lies over none. */
function buttonBoxes(page: Page): Promise<Box[]> {
  return page.getByRole('button').evaluateAll((buttons) =>
    buttons
      .filter((button) => !button.closest('.toast')) // a notice's own Dismiss button is inside it
      .map((button) => button.getBoundingClientRect())
      .filter((rect) => rect.width > 0 && rect.height > 0)
      .map(({ x, y, width, height }) => ({ x, y, width, height })),
  );
}

/**
 * Details of the licensor, print-shop, admin and operator pages that the main portal walk-through
 * (portal.test.ts) does not look at: they fit a 390 px phone with rows in their tables, a printer's
 * private key is refused without ever being kept in the page, and a double click registers one
 * printer. Data comes through the API (the operator's key) so each case starts from a known state.
 */
describe('Portal pages for licensors and print shops (local cloud, seeded people)', () => {
  const browser = useBrowser();
  const cloud = usePortalCloud('browser-pages');
  const contexts: BrowserContext[] = [];
  const designName = `Bracket ${Date.now().toString(36)}`;

  async function personPage(role: string, path: string): Promise<Page> {
    const context = await newPersonContext(browser(), cloud().webUrl);
    contexts.push(context);
    const page = await context.newPage();
    await signIn(page, personWithRole(cloud().people, role), cloud().webUrl, path);
    return page;
  }

  beforeAll(async () => {
    // Prepare: a registered design of the operator's, sold by the print shop's organisation and
    // licensed to it, so every table below has a row.
    const api = cloud().gatewayUrl;
    const headers = { authorization: `Bearer ${cloud().operatorKey}`, 'content-type': 'application/json' };
    const shopOrg = personWithRole(cloud().people, 'print_shop_operator').org as { id: string };
    const stl = binaryStlCube(21);
    const created = await fetch(`${api}/designs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: designName, format: 'stl', sizeBytes: stl.length }),
    });
    expect(created.status).toBe(201);
    const design = (await created.json()) as {
      id: string;
      upload: { url: string; headers: Record<string, string> };
    };
    expect(
      (await fetch(design.upload.url, { method: 'PUT', headers: design.upload.headers, body: stl })).ok,
    ).toBe(true);
    await waitUntil(
      async () =>
        ((await (await fetch(`${api}/designs/${design.id}`, { headers })).json()) as { status: string })
          .status === 'registered',
      120_000,
    );
    const named = await fetch(`${api}/designs/${design.id}/licensors/${shopOrg.id}`, {
      method: 'PUT',
      headers,
    });
    expect(named.status).toBe(204);
    const minted = await fetch(`${api}/licenses`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': `pages-${design.id}` },
      body: JSON.stringify({
        designId: design.id,
        holderOrgId: shopOrg.id,
        prints: 5,
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      }),
    });
    expect([201, 202]).toContain(minted.status);
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
  });

  it('fits the licensor’s and the print shop’s lists on a 390 px phone, the tables scrolling inside', async () => {
    // Prepare
    const licensor = await personPage('licensing_manager', '/licensor');
    await licensor.getByRole('link', { name: `Mint a license for ${designName}` }).waitFor();
    const shop = await personPage('print_shop_operator', '/print-shop');
    await shop
      .getByRole('link', { name: /^Print jobs of license / })
      .first()
      .waitFor();

    // Act
    await licensor.setViewportSize(VIEWPORTS.narrow);
    await shop.setViewportSize(VIEWPORTS.narrow);

    // Assess
    expect(await pageWidth(licensor)).toBeLessThanOrEqual(VIEWPORTS.narrow.width);
    expect(await pageWidth(shop)).toBeLessThanOrEqual(VIEWPORTS.narrow.width);
  });

  it('names the licensed design and the organisations, not their ids', async () => {
    // Prepare: each session answer is held until the page has asked for its list (bounded), so
    // "the list was asked before the session answer ended" depends on the app, not on which of
    // the two answers a loaded machine happens to finish first.
    const context = await newPersonContext(browser(), cloud().webUrl);
    contexts.push(context);
    const shop = await context.newPage();
    let listAsked = false;
    shop.on('request', (request) => {
      if (request.isNavigationRequest()) listAsked = false;
      if (request.url().includes('/v1/licenses?as=holder')) listAsked = true;
    });
    await shop.route(
      (url) => url.pathname === '/v1/session',
      async (route) => {
        for (let waited = 0; !listAsked && waited < 15_000; waited += 50) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await route.continue();
      },
    );
    await signIn(shop, personWithRole(cloud().people, 'print_shop_operator'), cloud().webUrl, '/print-shop');
    const licensor = await personPage('licensing_manager', '/licensor');

    // Act
    await shop.getByRole('cell', { name: designName }).first().waitFor();
    await licensor.getByRole('link', { name: `Mint a license for ${designName}` }).waitFor();

    // Assess 1: the page's list was asked for while the session read was still under way (it
    // waited for it before), each once: the <link rel=preload> and the prefetch were used.
    const requests = await shop.evaluate<{ path: string; startTime: number; responseEnd: number }[]>(
      "performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith('/v1/')).map((e) => ({ path: new URL(e.name).pathname + new URL(e.name).search, startTime: e.startTime, responseEnd: e.responseEnd }))",
    );
    const sessionReads = requests.filter((request) => request.path === '/v1/session');
    const listReads = requests.filter((request) => request.path === '/v1/licenses?as=holder&limit=20');
    expect(sessionReads).toHaveLength(1);
    expect(listReads).toHaveLength(1);
    expect(listReads[0]?.startTime).toBeLessThan(sessionReads[0]?.responseEnd ?? 0);

    // Assess 2: the shop reads the design and who issued it; no shortened id ("…ZSBJTB8A") left.
    const shortened = shop.locator('td').filter({ hasText: /^…/ });
    expect(await shortened.count()).toBe(0);
    const licensorShortened = licensor.locator('td').filter({ hasText: /^…/ });
    expect(await licensorShortened.count()).toBe(0);
  });

  it('shows admin members as cards on a phone, with no Remove for oneself, and notices that cover no button', async () => {
    // Prepare
    const page = await personPage('org_admin', '/admin');
    const adminName = String(personWithRole(cloud().people, 'org_admin').name);
    const creatorName = String(personWithRole(cloud().people, 'creator').name);
    await page.setViewportSize(VIEWPORTS.narrow);
    const removeCreator = page.getByRole('button', { name: new RegExp(`^Remove ${creatorName}`) });
    await removeCreator.waitFor();

    // Assess 1: no sideways scrolling, the row's actions on screen, none for oneself but why.
    expect(await pageWidth(page)).toBeLessThanOrEqual(VIEWPORTS.narrow.width);
    const table = await page.locator('.table-scroll').boundingBox();
    expect(await page.locator('.table-scroll').evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
    const removeBox = await removeCreator.boundingBox();
    expect(removeBox && table && removeBox.x + removeBox.width <= table.x + table.width).toBe(true);
    expect(await page.getByRole('button', { name: new RegExp(`^Remove ${adminName}`) }).count()).toBe(0);
    await page.getByText('You cannot remove yourself').waitFor();

    // Act 1: remove the creator.
    await removeCreator.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    const notice = page.getByText(`${creatorName} was removed.`);
    await notice.waitFor();
    await removeCreator.waitFor({ state: 'detached' });

    // Assess 2: the notice lies over no button (both measured against the viewport).
    const noticeBox = await notice.evaluate((element) => {
      const rect = element.closest('.toast')?.getBoundingClientRect();
      return rect
        ? { x: rect.x, y: rect.y, width: rect.width, height: rect.height }
        : { x: 0, y: 0, width: 0, height: 0 };
    });
    expect(noticeBox.width).toBeGreaterThan(0);
    for (const box of await buttonBoxes(page)) expect(overlaps(noticeBox, box)).toBe(false);
    await screenshot(page, 'admin-members-removed');
    await checkA11y(page, 'admin-members-removed');

    // Act 2: another tab.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();

    // Assess 3: the notice was about the other page.
    expect(await page.getByText(`${creatorName} was removed.`).count()).toBe(0);
  });

  it('speaks Italian throughout once switched (the print shop, a phone and a desktop)', async () => {
    // Prepare
    const page = await personPage('print_shop_operator', '/print-shop');
    await page.getByRole('cell', { name: designName }).first().waitFor();

    // Act
    await page.getByLabel('Language').selectOption('it');
    await page.getByRole('heading', { level: 1, name: 'Licenze detenute' }).waitFor();

    // Assess
    await screenshot(page, 'print-shop-licenses-it');
    await page.getByRole('link', { name: 'Stampanti' }).click();
    await page.getByRole('heading', { level: 2, name: /Registra una stampante/ }).waitFor();
    // the list read, not its loading line, in the picture
    await page.getByText(/Caricamento delle stampanti/).waitFor({ state: 'hidden' });
    await screenshot(page, 'printers-it');
    await checkA11y(page, 'printers-it');
  });

  it('refuses a private key without keeping it in the page, and registers one printer on a double click', async () => {
    // Prepare
    const page = await personPage('print_shop_operator', '/print-shop/printers');
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = page.getByLabel('Public key file (PEM)');
    await page.getByLabel('Printer name').fill('Bay 7');

    // Act 1: the private key file by mistake.
    await keyFile.setInputFiles({
      name: 'printer.pem',
      mimeType: 'application/x-pem-file',
      buffer: Buffer.from(keys.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    });

    // Assess 1: said in words; nothing of the key in the text box, the file input or the page.
    await page.getByText('This is a PRIVATE key.').waitFor();
    expect(await page.getByLabel('Or paste the public key').inputValue()).toBe('');
    expect(await keyFile.inputValue()).toBe('');
    expect(await page.content()).not.toContain('PRIVATE KEY-----');

    // Act 2: the public key, and an impatient double click.
    await keyFile.setInputFiles({
      name: 'printer-public.pem',
      mimeType: 'application/x-pem-file',
      buffer: Buffer.from(keys.publicKey.export({ type: 'spki', format: 'pem' })),
    });
    await page.getByText('RSA public key, 2048 bits.').waitFor();
    await page.getByRole('button', { name: 'Register printer' }).dblclick();

    // Assess 2: one credential shown, one printer registered.
    await page.getByText(/^fcp_/).first().waitFor();
    const printers = await page.request.get(`${cloud().webUrl}/v1/printers?limit=100`);
    const names = ((await printers.json()) as { items: { name: string }[] }).items.map(
      (printer) => printer.name,
    );
    expect(names.filter((name) => name === 'Bay 7')).toHaveLength(1);
  });
});
