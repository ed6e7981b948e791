/**
 * Helpers for browser tests of the shows app that span the viewer pages, the studio and the chat
 * (test/browser/shows-viewer.test.ts, shows-live-chat.test.ts, shows-refund.test.ts,
 * studio-creator.test.ts): the local cloud they run against, what a failed step leaves behind,
 * people signing up and paying on the local Stripe page, what the watch page showed over time,
 * and what its player fetched.
 */
import { chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Page,
  type Request,
  type Response,
} from 'playwright-core';
import { inject } from 'vitest';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../infra/local/cloud.ts';
import { WEB_DIST_DIR } from '../../scripts/build.ts';
import {
  assertChromiumWithinTestedGap,
  CHROMIUM_FLAGS,
  CHROMIUM_PATH,
  checkA11y,
  chromiumVersions,
  SCREENSHOT_DIR,
  screenshot,
} from './browser.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { until } from './live.ts';

export interface ShowsCloud {
  readonly dataDir: string;
  readonly db: TestDatabase;
  readonly cloud: LocalCloud;
  /** Stops the cloud, drops the database, removes the data folder. */
  stop(): Promise<void>;
}

/**
 * The local cloud on a test database of its own (`name`, also the data folder's prefix) and a
 * fresh data folder holding a copy of the built app (another build of this checkout during the
 * run empties dist/web). `nobodyBelow`: the folder opens to others (0711), as the live ingest
 * worker's nginx and ffmpeg run as nobody below it.
 */
export async function startShowsCloud(
  name: string,
  options: Omit<LocalCloudOptions, 'dataDir' | 'webRoot' | 'mysqlUrl'> & { readonly nobodyBelow?: boolean },
): Promise<ShowsCloud> {
  const { nobodyBelow, ...cloudOptions } = options;
  const dataDir = await mkdtemp(join(tmpdir(), `fc-${name.replaceAll('_', '-')}-`));
  if (nobodyBelow) await chmod(dataDir, 0o711);
  const db = await createTestDatabase(inject('mysqlUrl'), name);
  let cloud: LocalCloud;
  try {
    const webRoot = join(dataDir, 'web');
    await cp(WEB_DIST_DIR, webRoot, { recursive: true });
    cloud = await startLocalCloud({ ...cloudOptions, dataDir, webRoot, mysqlUrl: db.url });
  } catch (error) {
    await db.drop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    dataDir,
    db,
    cloud,
    async stop() {
      await cloud.stop();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium with a fake camera and microphone that need no permission prompt (WHIP). */
export async function launchChromiumWithCamera(): Promise<Browser> {
  assertChromiumWithinTestedGap(chromiumVersions());
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    headless: true,
    timeout: 120_000,
  });
}

/** Keeps the page errors and console errors of `context` in `into`, under the person's name. */
export function collectPageErrors(context: BrowserContext, name: string, into: string[]): void {
  context.on('weberror', (error) => into.push(`${name}: ${error.error().message}`));
  context.on('console', (message) => {
    if (message.type() === 'error') into.push(`${name} console: ${message.text()}`);
  });
}

/**
 * For afterEach: after a failed step, prints the page errors so far and leaves a full-page
 * picture of every open page (`<prefix>-<n>.png` in dist/screenshots), to see what each person saw.
 */
export async function keepFailedPages(
  test: { readonly task: { readonly result?: { readonly state?: string } } },
  contexts: readonly BrowserContext[],
  pageErrors: readonly string[],
  prefix: string,
): Promise<void> {
  if (test.task.result?.state !== 'fail') return;
  if (pageErrors.length > 0) console.log(`errors in the pages so far:\n${pageErrors.join('\n')}`);
  const pages = contexts.flatMap((context) => context.pages());
  for (const [index, page] of pages.entries()) {
    const name = `${prefix}-${index}.png`;
    await page
      .screenshot({ path: `${SCREENSHOT_DIR}/${name}`, fullPage: true })
      .then(() => console.log(`failed step: page ${index} at ${page.url()} in ${name}`))
      .catch(() => undefined);
  }
}

/** Screenshots (desktop and 390 px) and axe-core (serious and critical fail) on the page as it is now. */
export async function record(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await checkA11y(page, name);
}

/** A JSON call from the page, with its session cookie, as the app makes it (same origin). */
export async function callFrom<T>(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  return page.evaluate(
    async ([m, p, b]) => {
      const response = await fetch(`/v1${p}`, {
        method: m,
        // never an answer the browser kept (public show answers may be cached for 5 s)
        cache: 'no-store',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        ...(b === undefined ? {} : { body: JSON.stringify(b) }),
      } as RequestInit);
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : null };
    },
    [method, path, body] as const,
  ) as Promise<{ status: number; json: T }>;
}

/**
 * A video as the studio makes one, for the signed-in creator of `page`: `POST /v1/videos`, the
 * bytes PUT to its presigned URL, then `GET /v1/videos/{id}` until it is ready or failed.
 * Resolves with the video's id and final status.
 */
export async function uploadVideo(
  page: Page,
  title: string,
  bytes: Uint8Array,
  timeoutMs: number,
): Promise<{ id: string; status: string }> {
  const created = await callFrom<{ id: string; upload: { url: string; headers: Record<string, string> } }>(
    page,
    'POST',
    '/videos',
    { title, contentType: 'video/mp4', sizeBytes: bytes.length },
  );
  if (created.status !== 201)
    throw new Error(`POST /v1/videos answered ${created.status}: ${JSON.stringify(created.json)}`);
  const put = await fetch(created.json.upload.url, {
    method: 'PUT',
    headers: created.json.upload.headers,
    body: bytes,
  });
  if (put.status !== 200) throw new Error(`the presigned PUT answered ${put.status}`);
  const video = await until(
    async () => (await callFrom<{ status: string }>(page, 'GET', `/videos/${created.json.id}`)).json,
    (value) => value.status === 'ready' || value.status === 'failed',
    timeoutMs,
    'the video to be ready',
  );
  return { id: created.json.id, status: video.status };
}

/**
 * Signs a new person up on the local identity provider's sign-up page (as a person does from the
 * app's "create an account" link) and comes back to `returnTo` on the portal.
 */
export async function signUp(
  page: Page,
  portalUrl: string,
  person: { name: string; email: string },
  returnTo = '/shows',
): Promise<void> {
  const portal = new URL(portalUrl).origin;
  await page.goto(`${portal}/v1/session/register?returnTo=${encodeURIComponent(returnTo)}`);
  await page.getByLabel(/your name|il tuo nome/i).fill(person.name);
  await page.getByLabel(/e-?mail/i).fill(person.email);
  await page.getByLabel(/password/i).fill('correct horse battery');
  await page.getByRole('button', { name: /create account|crea account/i }).click();
  await page.waitForURL((url) => url.origin === portal, { timeout: 90_000 });
}

export interface BoughtTicket {
  readonly ticketId: string;
  readonly holdId: string;
  /** The Stripe Checkout Session (its payment_intent is what a refund names). */
  readonly sessionId: string;
}

/**
 * One ticket for the signed-in person of `page`: the hold asked for as the show page does
 * (`POST /v1/shows/{id}/checkout` with the session cookie), paid on the local Stripe's Pay page in
 * this browser, back on the app's purchase page; resolves once the ticket is listed as valid.
 * (The show page's own Buy button is exercised by test/browser/shows-viewer.test.ts.)
 */
export async function buyOnStripePage(page: Page, portalUrl: string, showId: string): Promise<BoughtTicket> {
  const portal = new URL(portalUrl).origin;
  const checkout = await callFrom<{ holdId: string; sessionId: string; checkoutUrl: string }>(
    page,
    'POST',
    `/shows/${showId}/checkout`,
    { quantity: 1 },
  );
  if (checkout.status !== 201)
    throw new Error(`checkout answered ${checkout.status}: ${JSON.stringify(checkout.json)}`);
  await page.goto(checkout.json.checkoutUrl);
  await page.getByRole('button', { name: /^pay$/i }).click();
  await page.waitForURL((url) => url.origin === portal && url.pathname.endsWith('/bought'), {
    timeout: 90_000,
  });
  const tickets = await until(
    () => callFrom<{ items?: { id: string; showId: string; status: string }[] }>(page, 'GET', '/tickets'),
    (answer) =>
      answer.status === 200 &&
      (answer.json?.items ?? []).some((ticket) => ticket.showId === showId && ticket.status === 'valid'),
    90_000,
    'the paid ticket in GET /v1/tickets',
  );
  const ticket = tickets.json?.items?.find((one) => one.showId === showId && one.status === 'valid');
  return { ticketId: ticket?.id ?? '', holdId: checkout.json.holdId, sessionId: checkout.json.sessionId };
}

/**
 * Refunds a Checkout Session's payment at the local Stripe server as the Dashboard or the API
 * does (`POST /v1/refunds`); Stripe then tells the platform (`charge.refunded`).
 */
export async function refundAtStripe(
  stripe: { url: string; session(id: string): { payment_intent?: unknown } | undefined },
  secretKey: string,
  sessionId: string,
): Promise<number> {
  const paymentIntent = stripe.session(sessionId)?.payment_intent;
  if (typeof paymentIntent !== 'string') throw new Error(`session ${sessionId} has no payment intent`);
  const refund = await fetch(`${stripe.url}/v1/refunds`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${secretKey}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ payment_intent: paymentIntent, reason: 'requested_by_customer' }),
  });
  return refund.status;
}

/** What the page's <video> decoded so far (0 frames and `present: false` without one). */
export interface VideoReading {
  readonly present: boolean;
  readonly frames: number;
  readonly time: number;
  readonly paused: boolean;
}

export async function videoReading(page: Page): Promise<VideoReading> {
  return page.evaluate(`(() => {
    const video = document.querySelector('video');
    if (!video) return { present: false, frames: 0, time: 0, paused: true };
    return {
      present: true,
      frames: video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality().totalVideoFrames : 0,
      time: video.currentTime,
      paused: video.paused,
    };
  })()`);
}

/** Waits until the page's <video> has decoded more than `frames` frames. */
export async function waitForDecodedFrames(
  page: Page,
  frames: number,
  timeoutMs = 120_000,
): Promise<VideoReading> {
  return until(
    () => videoReading(page),
    (reading) => reading.frames > frames,
    timeoutMs,
    `the player to decode more than ${frames} frames`,
  );
}

/**
 * Installed before any page script: keeps, with times (this machine's clock, the test's too),
 * every text the watch page's state region and the chat panel's status showed, and every
 * WebSocket the page opened with how it closed (code and reason: the chat server closes a revoked
 * holder's socket with 4410 `revoked`). A test reads it with `watchTrace(page)`.
 */
const TRACE_SCRIPT = `(() => {
  const trace = { states: [], sockets: [] };
  Object.defineProperty(window, '__watchTrace', { value: trace });
  const Native = window.WebSocket;
  class Traced extends Native {
    constructor(...args) {
      super(...args);
      const entry = { url: String(args[0]), openedAt: Date.now(), closedAt: null, code: null, reason: null };
      trace.sockets.push(entry);
      this.addEventListener('close', (event) => {
        entry.closedAt = Date.now();
        entry.code = event.code;
        entry.reason = event.reason;
      });
    }
  }
  window.WebSocket = Traced;
  const last = {};
  const look = () => {
    for (const [key, selector] of [['watch', '.watch-state'], ['chat', '.chat-status']]) {
      const element = document.querySelector(selector);
      const text = element ? element.textContent.replace(/\\s+/g, ' ').trim() : null;
      if (last[key] === text) continue;
      last[key] = text;
      trace.states.push({ key, text, at: Date.now() });
    }
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
})();`;

export interface WatchTrace {
  readonly states: readonly { key: 'watch' | 'chat'; text: string | null; at: number }[];
  readonly sockets: readonly {
    url: string;
    openedAt: number;
    closedAt: number | null;
    code: number | null;
    reason: string | null;
  }[];
}

export async function traceWatchPage(context: BrowserContext): Promise<void> {
  await context.addInitScript(TRACE_SCRIPT);
}

export async function watchTrace(page: Page): Promise<WatchTrace> {
  return page.evaluate('window.__watchTrace ?? { states: [], sockets: [] }') as Promise<WatchTrace>;
}

/** One HLS request of the player (playlist or segment) and how the edge answered it. */
export interface MediaFetch {
  readonly url: string;
  readonly kind: 'playlist' | 'segment';
  readonly requestedAt: number;
  answeredAt: number | null;
  status: number | null;
}

/**
 * Keeps every playlist and segment request the page makes to the CDN edge, with the time it was
 * made and the edge's status (null while in flight or if it failed at the network level).
 */
export function recordMediaFetches(page: Page, edgeUrl: string): MediaFetch[] {
  const edge = new URL(edgeUrl).origin;
  const fetches: MediaFetch[] = [];
  const byRequest = new Map<Request, MediaFetch>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== edge) return;
    const kind = url.pathname.endsWith('.m3u8') ? 'playlist' : 'segment';
    const entry: MediaFetch = {
      url: url.pathname,
      kind,
      requestedAt: Date.now(),
      answeredAt: null,
      status: null,
    };
    fetches.push(entry);
    byRequest.set(request, entry);
  });
  page.on('response', (response: Response) => {
    const entry = byRequest.get(response.request());
    if (!entry) return;
    entry.answeredAt = Date.now();
    entry.status = response.status();
  });
  return fetches;
}
