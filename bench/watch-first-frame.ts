/**
 * Watch page time to first frame (issue 16): the shows app's `/watch/:showId` for a ticket holder,
 * through the local cloud (web server, /v1 proxy, gateway, authorizer, show-access, the tokenised
 * CDN edge) ÷ the same page and the same HLS files on a bare static server (the page's API answers
 * recorded from the cloud and served as files, the playback URL pointing at a copy of the
 * stream's playlists and segments on that server). Both in headless Chromium with a cold HTTP
 * cache per sample, the same security headers, samples alternating so machine load drifts evenly.
 * First frame: the <video>'s `getVideoPlaybackQuality().totalVideoFrames` above 0, checked every
 * animation frame, in ms since navigation start. Target ≤ 1.2.
 *
 * `npm run bench watch-first-frame` (needs `node scripts/build.ts`).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureOperatorKey } from '../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../infra/local/cloud.ts';
import { securityHeaders } from '../infra/local/web/security-headers.ts';
import { appFileFor, contentTypeOf } from '../infra/local/web/static-files.ts';
import { newPersonContext, signIn } from '../test/support/browser.ts';
import { makeTestVideo } from '../test/support/videos.ts';
import { median, round } from './lib/stats.ts';
import { WEB_DIST } from './portal-browser.ts';

const SAMPLES = Number(process.env.BENCH_WATCH_SAMPLES ?? 9);
const TARGET_RATIO = 1.2;

/** ms since navigation start when the page's video had decoded a frame, else false (a function: the CSP forbids eval). */
function firstFrameAt(): number | false {
  const { document } = globalThis as unknown as {
    document: {
      querySelector(selector: string): { getVideoPlaybackQuality(): { totalVideoFrames: number } } | null;
    };
  };
  const video = document.querySelector('video');
  return video && video.getVideoPlaybackQuality().totalVideoFrames > 0 ? performance.now() : false;
}

async function timeToFirstFrame(context: BrowserContext, url: string): Promise<number> {
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(firstFrameAt, undefined, { polling: 'raf', timeout: 90_000 });
    return (await handle.jsonValue()) as number;
  } finally {
    await page.close();
  }
}

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function callFrom<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  return (await page.evaluate(
    async ([m, p, b]) => {
      const response = await fetch(`/v1${p}`, {
        method: m,
        headers: { 'content-type': 'application/json' },
        ...(b === undefined ? {} : { body: JSON.stringify(b) }),
      });
      return response.json();
    },
    [method, path, body] as const,
  )) as T;
}

/** Every playlist and segment of an HLS tree, fetched from `masterUrl` into `dir` under the same relative paths. */
async function copyHls(masterUrl: string, dir: string): Promise<number> {
  const base = new URL('.', masterUrl);
  const seen = new Set<string>();
  let bytes = 0;
  const copy = async (url: URL): Promise<void> => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url.pathname}: ${response.status}`);
    const body = Buffer.from(await response.arrayBuffer());
    bytes += body.length;
    const relative = url.href.slice(base.href.length);
    const target = join(dir, relative);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, body);
    if (!relative.endsWith('.m3u8')) return;
    const text = body.toString('utf8');
    const uris = [
      ...text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')),
      ...[...text.matchAll(/URI="([^"]+)"/g)].map((match) => match[1] ?? ''),
    ];
    for (const uri of uris) await copy(new URL(uri.trim(), url));
  };
  await copy(new URL(masterUrl));
  return bytes;
}

/**
 * The baseline: dist/web's files (shows.html for the shows app's addresses, as the web server
 * answers), the recorded API answers, the playback answer pointing at `/media/…`, and the copied
 * HLS files; the portal's security headers on every answer; nothing else.
 */
async function startBareWatchServer(
  answers: ReadonlyMap<string, string>,
  mediaDir: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const headers = securityHeaders([]);
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const answer = answers.get(`${request.method} ${url.pathname}`);
    if (url.pathname.startsWith('/v1/')) {
      request.resume();
      response.writeHead(answer === undefined ? 404 : 200, {
        'content-type': answer === undefined ? 'application/problem+json' : 'application/json',
      });
      response.end(answer ?? '{"type":"about:blank","title":"Not found","status":404}');
      return;
    }
    const media = url.pathname.startsWith('/media/');
    const root = media ? mediaDir : WEB_DIST;
    const relative = media ? url.pathname.slice('/media/'.length) : url.pathname;
    const file = normalize(join(root, decodeURIComponent(relative)));
    try {
      if (!file.startsWith(root) || file.endsWith(sep)) throw new Error('not a file');
      const body = await readFile(file);
      response.writeHead(200, { ...headers, 'content-type': contentTypeFor(file) });
      response.end(body);
    } catch {
      const body = await readFile(join(WEB_DIST, appFileFor(url.pathname)));
      response.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
      response.end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function contentTypeFor(file: string): string {
  if (file.endsWith('.m3u8')) return 'application/vnd.apple.mpegurl';
  if (file.endsWith('.m4s')) return 'video/iso.segment';
  if (file.endsWith('.mp4')) return 'video/mp4';
  if (file.endsWith('.ts')) return 'video/mp2t';
  return contentTypeOf(file);
}

/** A cloud of its own: a ready 10 s video, a show playing it, and the seeded viewer holding a ticket. */
async function prepare(browser: Browser): Promise<{
  cloud: LocalCloud;
  viewerState: Awaited<ReturnType<BrowserContext['storageState']>>;
  showId: string;
  close(): Promise<void>;
}> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fc-bench-watch-'));
  const cloud = await startLocalCloud({
    dataDir,
    ...(process.env.MYSQL_URL ? { mysqlUrl: process.env.MYSQL_URL } : {}),
    logLevel: 'warn',
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    transcoders: { count: 1, env: { TRANSCODE_PRESET: 'ultrafast' } },
    liveIngest: { enabled: false },
  });
  const close = async () => {
    await cloud.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
    const api = async <T>(key: string, method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${cloud.gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const creator = (
      await api<{ apiKey: { key: string } }>(operator, 'POST', '/orgs', {
        name: 'Bench creator',
        kind: 'creator',
        scopes: ['videos:write', 'videos:read', 'shows:write'],
      })
    ).apiKey.key;
    const source = await makeTestVideo(dataDir, { width: 640, height: 360, seconds: 10, audio: true });
    const bytes = await readFile(source);
    const video = await api<{ id: string; upload: { url: string; headers: Record<string, string> } }>(
      creator,
      'POST',
      '/videos',
      { title: 'Bench', contentType: 'video/mp4', sizeBytes: bytes.length },
    );
    await fetch(video.upload.url, { method: 'PUT', headers: video.upload.headers, body: bytes });
    const ready = await until(
      () => api<{ status: string }>(creator, 'GET', `/videos/${video.id}`),
      (value) => value.status === 'ready' || value.status === 'failed',
    );
    if (ready.status !== 'ready') throw new Error('the bench video failed to transcode');
    const show = await api<{ id: string }>(creator, 'POST', '/shows', {
      title: 'Bench show',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      capacity: 10,
      price: { amount: 500, currency: 'eur' },
      videoId: video.id,
    });

    const viewer = cloud.identity.seededPeople.find((person) => person.role === 'viewer');
    if (!viewer) throw new Error('no seeded viewer');
    const context = await newPersonContext(browser, cloud.webUrl);
    try {
      const page = await context.newPage();
      await signIn(
        page,
        { email: viewer.email, password: cloud.identity.seededPassword },
        cloud.webUrl,
        '/shows',
      );
      const checkout = await callFrom<{ holdId: string; checkoutUrl: string }>(
        page,
        'POST',
        `/shows/${show.id}/checkout`,
        { quantity: 1 },
      );
      await fetch(checkout.checkoutUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'choice=pay',
        redirect: 'manual',
      });
      await cloud.stripe.flush();
      await until(
        () => callFrom<{ status: string }>(page, 'GET', `/holds/${checkout.holdId}`),
        (hold) => hold.status === 'paid',
      );
      return { cloud, viewerState: await context.storageState(), showId: show.id, close };
    } finally {
      await context.close();
    }
  } catch (err) {
    await close();
    throw err;
  }
}

export async function benchWatchFirstFrame(browser: Browser): Promise<Record<string, unknown>> {
  const { cloud, viewerState, showId, close } = await prepare(browser);
  const mediaDir = await mkdtemp(join(tmpdir(), 'fc-bench-watch-media-'));
  let bare: { url: string; close(): Promise<void> } | undefined;
  try {
    // Record the page's API answers from the cloud, and copy the stream it plays.
    const recorder = await browser.newContext({ storageState: viewerState, baseURL: cloud.webUrl });
    const answers = new Map<string, string>();
    let playbackUrl = '';
    try {
      recorder.on('response', async (response) => {
        const url = new URL(response.url());
        if (url.origin !== cloud.webUrl || !url.pathname.startsWith('/v1/') || !response.ok()) return;
        const method = response.request().method();
        try {
          const body = (await response.body()).toString('utf8');
          if (url.pathname.endsWith('/playback')) playbackUrl = (JSON.parse(body) as { url: string }).url;
          answers.set(`${method} ${url.pathname}`, body);
        } catch {
          // no body (a redirect): not needed by the page
        }
      });
      await timeToFirstFrame(recorder, `${cloud.webUrl}/watch/${showId}`);
    } finally {
      await recorder.close();
    }
    if (!playbackUrl) throw new Error('the watch page asked for no playback URL');
    const mediaBytes = await copyHls(playbackUrl, mediaDir);
    const master = playbackUrl.slice(new URL('.', playbackUrl).href.length);
    bare = await startBareWatchServer(answers, mediaDir);
    answers.set(
      `POST /v1/shows/${showId}/playback`,
      JSON.stringify({
        url: `${bare.url}/media/${master}`,
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        live: false,
      }),
    );
    // the chat is a separate connection that does not hold up the first frame: refused on both
    answers.delete(`POST /v1/shows/${showId}/chat-token`);

    const cloudSamples: number[] = [];
    const bareSamples: number[] = [];
    for (let index = 0; index < SAMPLES; index += 1) {
      for (const [target, samples] of [
        [cloud.webUrl, cloudSamples],
        [bare.url, bareSamples],
      ] as const) {
        const context = await browser.newContext({
          storageState: viewerState,
          viewport: { width: 1280, height: 800 },
        });
        try {
          samples.push(await timeToFirstFrame(context, `${target}/watch/${showId}`));
        } finally {
          await context.close();
        }
      }
    }
    const cloudMs = median(cloudSamples);
    const bareMs = median(bareSamples);
    return {
      samples: SAMPLES,
      'first frame through the cloud and edge, median (ms)': round(cloudMs, 1),
      'first frame from a bare static server, median (ms)': round(bareMs, 1),
      ratio: round(cloudMs / bareMs),
      target: TARGET_RATIO,
      withinTarget: cloudMs / bareMs <= TARGET_RATIO,
      'HLS copied (bytes)': mediaBytes,
    };
  } finally {
    await bare?.close();
    await rm(mediaDir, { recursive: true, force: true });
    await close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { launchChromium } = await import('../test/support/browser.ts');
  const browser = await launchChromium();
  try {
    console.log(
      '\n# Watch page: time to first frame through the local cloud and edge vs a bare static server',
    );
    console.log(JSON.stringify(await benchWatchFirstFrame(browser), null, 2));
  } finally {
    await browser.close();
  }
}
