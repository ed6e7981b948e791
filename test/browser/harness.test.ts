import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessibilityError,
  assertChromiumWithinTestedGap,
  ChromiumUnavailableError,
  checkA11y,
  chromiumVersions,
  newPersonContext,
  SCREENSHOT_DIR,
  screenshot,
  seededPeople,
  TESTED_MAJORS_BEHIND,
  useBrowser,
  VIEWPORTS,
} from '../support/browser.ts';

/** The portal's own CSP shape: no inline script, so the harness must inject axe another way. */
const STRICT_CSP = "default-src 'self'; script-src 'self'; frame-ancestors 'none'";

const PAGES: Record<string, string> = {
  '/good': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Designs</title>
    <meta name="viewport" content="width=device-width, initial-scale=1"></head>
    <body><header><nav aria-label="Main"><a href="/good">Designs</a></nav></header>
    <main><h1>Designs</h1><p>No designs yet.</p>
    <label for="name">Name</label><input id="name">
    <button type="button">Upload a design</button></main></body></html>`,
  '/bad': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Broken</title></head>
    <body><main><h1>Broken</h1><img src="/nothing.png"><button type="button"></button>
    <input type="text"></main></body></html>`,
  '/long': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Long</title>
    <meta name="viewport" content="width=device-width, initial-scale=1"></head>
    <body><main><h1>Long</h1>${'<p>row</p>'.repeat(200)}</main></body></html>`,
};

describe('Browser harness (Debian chromium through playwright-core, on a static page)', () => {
  const browser = useBrowser();
  let server: Server;
  let origin: string;
  const seen: { path: string; cookie: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      seen.push({ path, cookie: request.headers.cookie });
      if (path === '/set-cookies') {
        response.writeHead(204, {
          'set-cookie': [
            'fc_session=secret-session-id; HttpOnly; SameSite=Lax; Path=/',
            'theme=dark; Path=/',
          ],
        });
        response.end();
        return;
      }
      const body = PAGES[path];
      response.writeHead(body ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': STRICT_CSP,
      });
      response.end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  describe('Function: chromiumVersions', () => {
    it('reads the installed and the expected Chromium, within the tested gap', () => {
      // Act
      const versions = chromiumVersions();

      // Assess
      console.log(
        `installed chromium ${versions.installedVersion}, playwright-core expects ${versions.expectedVersion}`,
      );
      expect(versions.installedMajor).toBeGreaterThan(100);
      expect(versions.expectedMajor).toBeGreaterThan(100);
      expect(() => assertChromiumWithinTestedGap(versions)).not.toThrow();
    });

    it('says what to install when chromium is missing', () => {
      expect(() => chromiumVersions('/nonexistent/chromium')).toThrow(ChromiumUnavailableError);
      expect(() => chromiumVersions('/nonexistent/chromium')).toThrow(/apt-get install chromium/);
    });

    it('refuses a Chromium outside the tested gap, naming both versions', () => {
      const tooOld = {
        expectedMajor: 159,
        expectedVersion: '159.0.8154.6',
        installedMajor: 159 - TESTED_MAJORS_BEHIND - 1,
        installedVersion: `${159 - TESTED_MAJORS_BEHIND - 1}.0.1.2`,
      };
      expect(() => assertChromiumWithinTestedGap(tooOld)).toThrow(/older than the 159\.0\.8154\.6/);
    });
  });

  describe('Function: launchChromium', () => {
    it('keeps an HttpOnly cookie away from page script while requests still carry it', async () => {
      // Prepare
      const context = await newPersonContext(browser(), origin);
      const page = await context.newPage();
      await page.goto('/set-cookies').catch(() => undefined);
      await page.goto('/good');

      // Act
      const visibleToScript = await page.evaluate<string>('document.cookie');

      // Assess
      expect(visibleToScript).toBe('theme=dark');
      expect(seen.findLast((request) => request.path === '/good')?.cookie).toContain(
        'fc_session=secret-session-id',
      );
      await context.close();
    });
  });

  describe('Function: screenshot', () => {
    it('writes a desktop and a narrow full-page PNG and puts the viewport back', async () => {
      // Prepare
      const context = await newPersonContext(browser(), origin);
      const page = await context.newPage();
      await page.goto('/long');
      await rm(`${SCREENSHOT_DIR}/harness-long-desktop.png`, { force: true });

      // Act
      const paths = await screenshot(page, 'harness-long');

      // Assess: PNG width at offset 16 (IHDR), full page taller than the viewport.
      expect(paths).toEqual([
        `${SCREENSHOT_DIR}/harness-long-desktop.png`,
        `${SCREENSHOT_DIR}/harness-long-narrow.png`,
      ]);
      const [desktop, narrow] = await Promise.all(paths.map((path) => readFile(path)));
      expect(desktop?.readUInt32BE(16)).toBe(VIEWPORTS.desktop.width);
      expect(narrow?.readUInt32BE(16)).toBe(VIEWPORTS.narrow.width);
      expect(narrow?.readUInt32BE(20)).toBeGreaterThan(VIEWPORTS.narrow.height);
      expect(page.viewportSize()).toEqual(VIEWPORTS.desktop);
      await context.close();
    });
  });

  describe('Function: checkA11y', () => {
    it('passes an accessible page served with a strict CSP', async () => {
      const context = await newPersonContext(browser(), origin);
      const page = await context.newPage();
      await page.goto('/good');
      await expect(checkA11y(page, 'good')).resolves.toBeUndefined();
      await context.close();
    });

    it('fails on serious or critical violations with a readable list', async () => {
      // Prepare
      const context = await newPersonContext(browser(), origin);
      const page = await context.newPage();
      await page.goto('/bad');

      // Act
      const failure = await checkA11y(page, 'bad').then(
        () => undefined,
        (err: unknown) => err,
      );

      // Assess
      expect(failure).toBeInstanceOf(AccessibilityError);
      const message = (failure as AccessibilityError).message;
      expect(message).toMatch(/^bad \(http:\/\/127\.0\.0\.1:\d+\/bad\): \d+ serious or critical/);
      const ids = (failure as AccessibilityError).violations.map((violation) => violation.id);
      expect(ids).toEqual(expect.arrayContaining(['image-alt', 'button-name', 'label']));
      expect(message).toMatch(/- \[critical\] image-alt: .+\n {4}at img/);
      await context.close();
    });
  });

  describe('Function: seededPeople', () => {
    it('accepts a list, or one shared password beside the people', () => {
      const person = { email: 'd@example.test', role: 'designer' };
      expect(seededPeople([{ ...person, password: 'pw' }])).toEqual([{ ...person, password: 'pw' }]);
      expect(seededPeople({ password: 'pw', people: [person] })).toEqual([{ ...person, password: 'pw' }]);
      expect(() => seededPeople({ people: [] })).toThrow(/no people/);
    });
  });
});
