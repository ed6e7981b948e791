import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.ts';
import {
  LOCAL_CLOUD_MAIN,
  type LocalCloudProcess,
  leftoversAfter,
  localCloudEnv,
  spawnLocalCloud,
} from './local-cloud-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Debian's chromium (the set-up installs it); never a browser downloaded by Playwright. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless, no sandbox (tests may run as root), and nothing that talks to the network on its own
 * (updates, sync, QUIC probes), so a run depends only on the local cloud. Playwright's `launch`
 * gives every browser a fresh temporary profile (`--user-data-dir`) and removes it on close.
 */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/**
 * How far Debian's Chromium may be from the one this playwright-core was built against. Playwright
 * speaks CDP, which Chromium keeps compatible for a while; Debian trails Chrome for Testing by a
 * few majors. Measured here: playwright-core 1.65.2 expects 159, Debian 12 ships 156 (3 behind),
 * and every browser test passes. One more major behind is allowed for Debian's update cadence;
 * ahead by more than one is untested (Chromium removes CDP members Playwright may still use).
 */
export const TESTED_MAJORS_BEHIND = 4;
export const TESTED_MAJORS_AHEAD = 1;

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  narrow: { width: 390, height: 844 },
} as const;

export const SCREENSHOT_DIR = join(ROOT, 'dist', 'screenshots');

export class ChromiumUnavailableError extends Error {
  override readonly name = 'ChromiumUnavailableError';
}

export interface ChromiumVersions {
  /** Chromium major playwright-core was released with (its browsers.json). */
  readonly expectedMajor: number;
  readonly expectedVersion: string;
  readonly installedMajor: number;
  readonly installedVersion: string;
}

/** Both versions, read without launching anything. */
export function chromiumVersions(executablePath = CHROMIUM_PATH): ChromiumVersions {
  if (!existsSync(executablePath)) {
    throw new ChromiumUnavailableError(
      `Chromium is missing at ${executablePath}: the browser tests drive Debian's chromium. ` +
        'Install it with `apt-get install chromium` (npm test runs scripts/setup.sh --test, which does), ' +
        'or set CHROMIUM_PATH to another Chromium.',
    );
  }
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', 'playwright-core', 'browsers.json'), 'utf8'),
  ) as { browsers: { name: string; browserVersion?: string }[] };
  const expectedVersion = manifest.browsers.find((browser) => browser.name === 'chromium')?.browserVersion;
  if (!expectedVersion) throw new ChromiumUnavailableError('playwright-core names no Chromium version');
  let printed: string;
  try {
    // Debian's wrapper script writes shell noise to stderr on some machines; only stdout counts.
    printed = execFileSync(executablePath, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    });
  } catch (err) {
    throw new ChromiumUnavailableError(`${executablePath} --version failed`, { cause: err });
  }
  const installedVersion = /(\d+\.\d+\.\d+\.\d+)/.exec(printed)?.[1];
  if (!installedVersion)
    throw new ChromiumUnavailableError(`${executablePath} --version printed no version: ${printed.trim()}`);
  return {
    expectedMajor: Number(expectedVersion.split('.')[0]),
    expectedVersion,
    installedMajor: Number(installedVersion.split('.')[0]),
    installedVersion,
  };
}

/** Throws a sentence naming both versions when the gap is outside what was tested. */
export function assertChromiumWithinTestedGap(versions: ChromiumVersions): void {
  const behind = versions.expectedMajor - versions.installedMajor;
  if (behind > TESTED_MAJORS_BEHIND || -behind > TESTED_MAJORS_AHEAD) {
    throw new ChromiumUnavailableError(
      `Chromium ${versions.installedVersion} at ${CHROMIUM_PATH} is ${Math.abs(behind)} major version(s) ` +
        `${behind > 0 ? 'older' : 'newer'} than the ${versions.expectedVersion} playwright-core was built for; ` +
        `tested: ${TESTED_MAJORS_BEHIND} older to ${TESTED_MAJORS_AHEAD} newer. Update chromium or move ` +
        'playwright-core to a release whose Chromium is within that range.',
    );
  }
}

/** One browser per test file: checks the versions, prints both, launches headless. */
export async function launchChromium(): Promise<Browser> {
  const versions = chromiumVersions();
  console.log(
    `chromium ${versions.installedVersion} (${CHROMIUM_PATH}); playwright-core built for ${versions.expectedVersion}`,
  );
  assertChromiumWithinTestedGap(versions);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS],
    headless: true,
    timeout: 120_000,
  });
}

/** Registers beforeAll/afterAll for one browser in this file; call `browser()` inside tests. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser is not running (beforeAll failed?)');
    return browser;
  };
}

/** A fresh context (cookies, storage) per person, desktop-sized, with generous timeouts. */
export async function newPersonContext(browser: Browser, baseURL?: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: VIEWPORTS.desktop,
    locale: 'en-GB',
    ...(baseURL ? { baseURL } : {}),
  });
  // A loaded 2-core machine shared by several test files: be patient, never sleep.
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(90_000);
  return context;
}

/**
 * Full-page screenshots at 1280×800 and 390×844 into dist/screenshots/<name>-desktop.png and
 * -narrow.png; the page's viewport is put back afterwards. Returns the two paths.
 */
export async function screenshot(page: Page, name: string): Promise<string[]> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize();
  const paths: string[] = [];
  try {
    for (const [viewport, size] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(size);
      // Let layout settle at the new width (media queries, fonts) before capturing.
      await page.evaluate(
        'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))',
      );
      const path = join(SCREENSHOT_DIR, `${name}-${viewport}.png`);
      await page.screenshot({ path, fullPage: true, animations: 'disabled' });
      paths.push(path);
    }
  } finally {
    if (before) await page.setViewportSize(before);
  }
  return paths;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly helpUrl: string;
  readonly nodes: { target: string[]; failureSummary?: string }[];
}

export class AccessibilityError extends Error {
  override readonly name = 'AccessibilityError';
  readonly violations: readonly AxeViolation[];
  constructor(message: string, violations: readonly AxeViolation[]) {
    super(message);
    this.violations = violations;
  }
}

let axeSource: string | undefined;

/** axe-core's violations of the page as it is now (every impact). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, so the portal's CSP (no inline script) does not block it.
  await page.evaluate(axeSource);
  // A string, not a function: this program has no DOM types, and the page's code is plain JS anyway.
  return page.evaluate<AxeViolation[]>(`(async () => {
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      helpUrl: violation.helpUrl,
      nodes: violation.nodes.map((node) => ({
        target: node.target.map(String),
        failureSummary: node.failureSummary,
      })),
    }));
  })()`);
}

/** Fails with a readable list when axe-core finds a serious or critical violation. */
export async function checkA11y(page: Page, name: string): Promise<void> {
  const blocking = (await axeViolations(page)).filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  if (blocking.length === 0) return;
  const list = blocking
    .map(
      (violation) =>
        `- [${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n` +
        violation.nodes
          .slice(0, 5)
          .map(
            (node) =>
              `    at ${node.target.join(' ')}${node.failureSummary ? `: ${oneLine(node.failureSummary)}` : ''}`,
          )
          .join('\n'),
    )
    .join('\n');
  throw new AccessibilityError(
    `${name} (${page.url()}): ${blocking.length} serious or critical accessibility violation(s):\n${list}`,
    blocking,
  );
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A person the local cloud seeded (`<dataDir>/seeded-people.json`). */
export interface SeededPerson {
  readonly email: string;
  readonly password: string;
  readonly role: string;
  readonly [more: string]: unknown;
}

/** The seeded person with `role`; the error lists who there is. */
export function personWithRole(people: readonly SeededPerson[], role: string): SeededPerson {
  const found = people.find((person) => person.role === role);
  if (!found)
    throw new Error(
      `no seeded person with role ${role}; seeded: ${people.map((p) => `${p.email} (${p.role})`).join(', ')}`,
    );
  return found;
}

/**
 * Signs `person` in as a person does: opens a portal page, is sent to the local OpenID provider,
 * types the e-mail address and password into its form and submits (approving the first-party
 * consent if the provider asks); resolves once the browser is back on the portal.
 */
export async function signIn(
  page: Page,
  person: Pick<SeededPerson, 'email' | 'password'>,
  portalUrl: string,
  returnTo = '/',
): Promise<void> {
  const portalOrigin = new URL(portalUrl).origin;
  await page.goto(`${portalOrigin}/v1/session/login?returnTo=${encodeURIComponent(returnTo)}`);
  await page.getByLabel(/e-?mail/i).fill(person.email);
  await page.getByLabel(/password|parola/i).fill(person.password);
  await page.getByRole('button', { name: /sign in|log in|accedi/i }).click();
  const consent = page.getByRole('button', { name: /^(continue|allow|authori[sz]e|consent|continua)/i });
  await Promise.race([
    page.waitForURL((url) => url.origin === portalOrigin, { timeout: 90_000 }),
    consent.waitFor({ timeout: 90_000 }).then(
      () => consent.click(),
      () => undefined,
    ),
  ]);
  await page.waitForURL((url) => url.origin === portalOrigin, { timeout: 90_000 });
}

export interface PortalCloud {
  /** The portal (web server) origin, e.g. http://127.0.0.1:41234 */
  readonly webUrl: string;
  /** The API gateway, ending in /v1. */
  readonly gatewayUrl: string;
  readonly dataDir: string;
  readonly people: readonly SeededPerson[];
  readonly operatorKey: string;
  readonly process: LocalCloudProcess;
}

/** The banner line naming the web server (`portal` or `web`), whichever wording it uses. */
const WEB_BANNER = /^\s*(?:web portal|portal|web(?: app| server)?)\s+(http:\/\/\S+?)\/?(?:\s|$)/im;

/**
 * The whole local cloud as `npm start` runs it (infra/local/main.ts), every port 0, a temporary
 * data folder, and a database of its own on `mysqlServerUrl` (tests: the run's MariaDB) or else a
 * private MariaDB as `npm start` makes; ready once the banner is out.
 * Needs `node scripts/build.ts` first (function bundles and dist/web).
 */
export async function startPortalCloud(
  name: string,
  options: { mysqlServerUrl?: string; env?: Record<string, string> } = {},
): Promise<PortalCloud & { stop(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), `fc-${name}-`));
  let database: TestDatabase | undefined;
  let cloud: LocalCloudProcess | undefined;
  const stop = async () => {
    if (cloud && cloud.child.exitCode === null && cloud.child.signalCode === null) {
      process.kill(-(cloud.child.pid as number), 'SIGINT');
      const ended = await Promise.race([
        cloud.exited.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 90_000)),
      ]);
      if (!ended) process.kill(-(cloud.child.pid as number), 'SIGKILL');
    }
    for (const { pid } of await leftoversAfter(dataDir, 30_000)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    if (options.mysqlServerUrl) database = await createTestDatabase(options.mysqlServerUrl, name);
    cloud = spawnLocalCloud(process.execPath, [LOCAL_CLOUD_MAIN, '--data-dir', dataDir], {
      env: localCloudEnv({
        ...(database ? { MYSQL_URL: database.url } : {}),
        IDP_PORT: '0',
        WEB_PORT: '0',
        TRANSCODER_WORKERS: '1',
        ...options.env,
      }),
      cwd: ROOT,
    });
    const gatewayUrl = (await cloud.ready(240_000)).replace(/\/$/, '');
    const webUrl = WEB_BANNER.exec(cloud.output())?.[1];
    if (!webUrl) throw new Error(`the banner names no web portal URL:\n${cloud.output()}`);
    const people = seededPeople(JSON.parse(await readFile(join(dataDir, 'seeded-people.json'), 'utf8')));
    const operatorKey = (await readFile(join(dataDir, 'operator-key'), 'utf8')).trim();
    return {
      webUrl: new URL(webUrl).origin,
      gatewayUrl,
      dataDir,
      people,
      operatorKey,
      process: cloud,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Registers beforeAll/afterAll for one local cloud in this file; always stopped in afterAll. */
export function usePortalCloud(name: string): () => PortalCloud {
  let cloud: (PortalCloud & { stop(): Promise<void> }) | undefined;
  beforeAll(async () => {
    cloud = await startPortalCloud(name, { mysqlServerUrl: inject('mysqlUrl') });
  }, 300_000);
  afterAll(async () => {
    await cloud?.stop();
  }, 180_000);
  return () => {
    if (!cloud) throw new Error('the local cloud is not running (beforeAll failed?)');
    return cloud;
  };
}

/**
 * The seeded-people file as a list: either a list of people each with a password, or
 * `{ password, people }` with one shared password.
 */
export function seededPeople(parsed: unknown): SeededPerson[] {
  const file = parsed as
    | { password?: string; people?: Record<string, unknown>[] }
    | Record<string, unknown>[];
  const list = Array.isArray(file) ? file : (file.people ?? []);
  const shared = Array.isArray(file) ? undefined : file.password;
  const people = list.map((person) => ({ ...person, password: person.password ?? shared }) as SeededPerson);
  if (
    people.length === 0 ||
    people.some((p) => typeof p.email !== 'string' || typeof p.password !== 'string')
  )
    throw new Error(`seeded-people.json lists no people with e-mail and password: ${JSON.stringify(parsed)}`);
  return people;
}
