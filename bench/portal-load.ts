import type { Browser, BrowserContext, Page } from 'playwright-core';
import { securityHeaders } from '../infra/local/web/security-headers.ts';
import { newPersonContext, type PortalCloud, personWithRole, signIn } from '../test/support/browser.ts';
import { median, round } from './lib/stats.ts';
import { type StaticAnswer, startBareStaticServer } from './portal-browser.ts';

const SAMPLES = Number(process.env.BENCH_PORTAL_SAMPLES ?? 21);
const TARGET_RATIO = 1.2;
/** The page a designer lands on after signing in. */
const PAGE_PATH = process.env.BENCH_PORTAL_PATH ?? '/designs';

/**
 * Interactive: the document and its scripts are loaded and the app has drawn the page's heading
 * inside its main landmark (a person can read it and the navigation beside it works). Checked in
 * the page on every animation frame; the value is ms since navigation start. A function, not a
 * string: the portal's CSP forbids eval, which a string predicate would need.
 */
function interactiveAt(): number | false {
  const { document } = globalThis as unknown as {
    document: { readyState: string; querySelector(selector: string): unknown };
  };
  return document.readyState === 'complete' && document.querySelector('main h1') ? performance.now() : false;
}

interface Sample {
  /** Navigation start → interactive. */
  readonly interactiveMs: number;
  /** Navigation start → the end of the last /v1 answer the page had by then (resource timing). */
  readonly apiDoneMs: number;
}

async function loadToInteractive(page: Page, url: string): Promise<Sample> {
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(interactiveAt, undefined, { polling: 'raf', timeout: 60_000 });
  const interactiveMs = (await handle.jsonValue()) as number;
  // A CDP expression, which the CSP does not apply to.
  const apiDoneMs = await page.evaluate<number>(
    "Math.max(0, ...performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith('/v1/')).map((e) => e.responseEnd))",
  );
  return { interactiveMs, apiDoneMs };
}

/**
 * Portal load to interactive for a signed-in designer, in headless Chromium with a cold HTTP cache
 * each time: through the local cloud (its web server, the /v1 proxy, gateway, session function and
 * database) ÷ the same dist/web on a bare static file server that also hands out, as static files,
 * the very API answers the cloud gave that page, with the same security headers the portal's
 * files carry (so the browser and the app do the same work and only the serving path differs; no
 * request interception in the browser, which would slow the baseline). A third setting, the bare
 * server without those headers, reports what the headers themselves cost (report only: that is a
 * policy's price, paid in production too, not the local cloud's). Samples rotate through the
 * settings so machine load drifts evenly.
 */
export async function benchPortalLoad(
  cloud: PortalCloud,
  browser: Browser,
): Promise<Record<string, unknown>> {
  const designer = personWithRole(cloud.people, 'designer');
  const signedIn = await newPersonContext(browser);
  const recorded = new Map<string, StaticAnswer>();
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
    await loadToInteractive(page, `${cloud.webUrl}${PAGE_PATH}`);
    await page.waitForLoadState('networkidle');
    sessionState = await signedIn.storageState();
  } finally {
    await signedIn.close();
  }
  const bare = await startBareStaticServer(recorded, { fileHeaders: securityHeaders([]) });
  const bareHeaderless = await startBareStaticServer(recorded);
  const sample = async (origin: string, signedIn: boolean): Promise<Sample> => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-GB',
      ...(signedIn ? { storageState: sessionState } : {}),
    });
    try {
      return await loadToInteractive(await context.newPage(), `${origin}${PAGE_PATH}`);
    } finally {
      await context.close();
    }
  };
  const cloudSamples: Sample[] = [];
  const bareSamples: Sample[] = [];
  const headerlessSamples: Sample[] = [];
  try {
    // One untimed round each to warm the servers and the browser's own caches of compiled code.
    await sample(cloud.webUrl, true);
    await sample(bare.url, false);
    await sample(bareHeaderless.url, false);
    for (let i = 0; i < SAMPLES; i += 1) {
      cloudSamples.push(await sample(cloud.webUrl, true));
      bareSamples.push(await sample(bare.url, false));
      headerlessSamples.push(await sample(bareHeaderless.url, false));
    }
  } finally {
    await bare.close();
    await bareHeaderless.close();
  }
  const throughCloud = cloudSamples.map((one) => one.interactiveMs);
  const onBareServer = bareSamples.map((one) => one.interactiveMs);
  const cloudMs = median(throughCloud);
  const bareMs = median(onBareServer);
  // Each pair ran back to back, so the machine's load drifts less within a pair than across the run.
  const pairRatio = median(throughCloud.map((ms, i) => ms / (onBareServer[i] as number)));
  return {
    page: PAGE_PATH,
    samples: SAMPLES,
    throughLocalCloudMs: { median: round(cloudMs, 1), min: round(Math.min(...throughCloud), 1) },
    bareStaticServerMs: { median: round(bareMs, 1), min: round(Math.min(...onBareServer), 1) },
    // Where the difference lies: when the page had its last API answer, in each setting.
    lastApiAnswerMs: {
      throughLocalCloud: round(median(cloudSamples.map((one) => one.apiDoneMs)), 1),
      bareStaticServer: round(median(bareSamples.map((one) => one.apiDoneMs)), 1),
    },
    ratioOfMedians: round(cloudMs / bareMs),
    // Report only: the same bare server without the portal's headers (COOP's process swap, CSP).
    bareWithoutSecurityHeadersMs: {
      median: round(median(headerlessSamples.map((one) => one.interactiveMs)), 1),
      securityHeadersCostMs: round(bareMs - median(headerlessSamples.map((one) => one.interactiveMs)), 1),
    },
    medianPairRatio: round(pairRatio),
    target: `<= ${TARGET_RATIO} (median pair ratio)`,
    met: pairRatio <= TARGET_RATIO,
    apiAnswersReplayed: [...recorded.keys()],
    ...(bare.unanswered.size > 0 ? { notRecordedOnBareServer: [...bare.unanswered] } : {}),
  };
}
