import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newPersonContext, type PortalCloud, personWithRole, signIn } from '../test/support/browser.ts';
import { median, round } from './lib/stats.ts';
import { startBareStaticServer } from './portal-browser.ts';

const SAMPLES = Number(process.env.BENCH_PORTAL_SAMPLES ?? 15);
const TARGET_RATIO = 1.2;
/** The page a designer lands on after signing in. */
const PAGE_PATH = process.env.BENCH_PORTAL_PATH ?? '/';

/**
 * Interactive: the document and its scripts are loaded and the app has drawn the page's heading
 * inside its main landmark (a person can read it and the navigation beside it works). Evaluated
 * in the page on every animation frame; the value is ms since navigation start.
 */
const INTERACTIVE = `document.readyState === 'complete' && document.querySelector('main h1') ? performance.now() : false`;

interface RecordedAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

async function loadToInteractiveMs(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(INTERACTIVE, undefined, { polling: 'raf', timeout: 60_000 });
  return (await handle.jsonValue()) as number;
}

/**
 * Portal load to interactive for a signed-in designer, in headless Chromium with a cold HTTP cache
 * each time: through the local cloud (its web server, the /v1 proxy, gateway, session function and
 * database) ÷ the same dist/web on a bare static file server whose page gets the very API answers
 * the cloud gave, replayed by the browser without any server (so only the serving path differs).
 * Samples alternate between the two so machine load drifts evenly.
 */
export async function benchPortalLoad(
  cloud: PortalCloud,
  browser: Browser,
): Promise<Record<string, unknown>> {
  const designer = personWithRole(cloud.people, 'designer');
  const signedIn = await newPersonContext(browser);
  const recorded = new Map<string, RecordedAnswer>();
  let sessionState: Awaited<ReturnType<BrowserContext['storageState']>>;
  try {
    const page = await signedIn.newPage();
    await signIn(page, designer, cloud.webUrl, PAGE_PATH);
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (url.origin !== cloud.webUrl || !url.pathname.startsWith('/v1/')) return;
      try {
        recorded.set(url.pathname + url.search, {
          status: response.status(),
          contentType: response.headers()['content-type'] ?? 'application/json',
          body: await response.body(),
        });
      } catch {
        // a redirect or an aborted request has no body to replay
      }
    });
    await loadToInteractiveMs(page, `${cloud.webUrl}${PAGE_PATH}`);
    await page.waitForLoadState('networkidle');
    sessionState = await signedIn.storageState();
  } finally {
    await signedIn.close();
  }
  const bare = await startBareStaticServer();
  const unrecorded = new Set<string>();
  const sample = async (origin: string, replay: boolean): Promise<number> => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-GB',
      ...(replay ? {} : { storageState: sessionState }),
    });
    try {
      if (replay) {
        await context.route(`${origin}/v1/**`, async (route) => {
          const url = new URL(route.request().url());
          const answer = recorded.get(url.pathname + url.search);
          if (!answer) unrecorded.add(url.pathname + url.search);
          await route.fulfill(
            answer
              ? { status: answer.status, contentType: answer.contentType, body: answer.body }
              : { status: 404, contentType: 'application/problem+json', body: '{"status":404}' },
          );
        });
      }
      return await loadToInteractiveMs(await context.newPage(), `${origin}${PAGE_PATH}`);
    } finally {
      await context.close();
    }
  };
  const throughCloud: number[] = [];
  const onBareServer: number[] = [];
  try {
    // One untimed round each to warm both servers and the browser's own caches of compiled code.
    await sample(cloud.webUrl, false);
    await sample(bare.url, true);
    for (let i = 0; i < SAMPLES; i += 1) {
      throughCloud.push(await sample(cloud.webUrl, false));
      onBareServer.push(await sample(bare.url, true));
    }
  } finally {
    await bare.close();
  }
  const cloudMs = median(throughCloud);
  const bareMs = median(onBareServer);
  return {
    page: PAGE_PATH,
    samples: SAMPLES,
    throughLocalCloudMs: { median: round(cloudMs, 1), min: round(Math.min(...throughCloud), 1) },
    bareStaticServerMs: { median: round(bareMs, 1), min: round(Math.min(...onBareServer), 1) },
    ratio: round(cloudMs / bareMs),
    target: `<= ${TARGET_RATIO}`,
    met: cloudMs / bareMs <= TARGET_RATIO,
    apiAnswersReplayed: [...recorded.keys()],
    ...(unrecorded.size > 0 ? { notRecordedOnBareServer: [...unrecorded] } : {}),
  };
}
