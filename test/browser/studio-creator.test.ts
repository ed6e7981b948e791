import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../infra/local/cloud.ts';
import { signIn, VIEWPORTS } from '../support/browser.ts';
import { until } from '../support/live.ts';
import {
  collectPageErrors,
  keepFailedPages,
  launchChromiumWithCamera,
  record,
  type ShowsCloud,
  startShowsCloud,
} from '../support/shows-browser.ts';
import { makeTestVideo } from '../support/videos.ts';

declare const window: Record<string, unknown> & { __studio: StudioTrace };
declare const document: {
  querySelector(selector: string): unknown;
  querySelectorAll(selector: string): unknown;
  activeElement: unknown;
};

interface StudioTrace {
  progress: number[];
  transcoding: string[];
}

/**
 * Records, from the first paint, every upload progress value and every "transcoding N %" the
 * page shows, so the test can say what the creator saw between two of its own looks.
 */
const TRACE_SCRIPT = `(() => {
  window.__studio = { progress: [], transcoding: [] };
  const look = () => {
    for (const bar of document.querySelectorAll('progress[value]')) {
      const value = Number(bar.value) / Number(bar.max || 1);
      const seen = window.__studio.progress;
      if (seen[seen.length - 1] !== value) seen.push(value);
    }
    const text = document.querySelector('[data-testid="transcoding-progress"]');
    const seen = window.__studio.transcoding;
    if (text && seen[seen.length - 1] !== text.textContent) seen.push(text.textContent);
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();`;

/**
 * The creator studio as its people use it, in Debian's Chromium against the local cloud
 * (startLocalCloud with its transcoder and live ingest worker): the seeded creator uploads a
 * video (progress, then transcoding in percent, then ready), makes a show of it, makes a live
 * show and goes live from the browser's fake camera over WHIP; the seeded viewer, in another
 * browser context, buys a ticket and watches the live stream. axe-core and screenshots on every
 * studio page.
 */
describe('Creator studio in a real browser (local cloud, fake camera)', () => {
  let shows: ShowsCloud;
  let cloud: LocalCloud;
  let browser: Browser;
  let creator: Page;
  let creatorContext: BrowserContext;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const cloudLog: string[] = [];
  const stamp = Date.now().toString(36);
  let videoId = '';
  let videoShowId = '';
  let liveShowId = '';

  const person = (role: string) => {
    const found = cloud.identity.seededPeople.find((candidate) => candidate.role === role);
    if (!found) throw new Error(`no seeded ${role}`);
    return found;
  };

  async function newContext(name: string, options: { camera?: boolean } = {}) {
    // as newPersonContext, in a zone away from UTC so the start time's conversion shows
    const context = await browser.newContext({
      viewport: VIEWPORTS.desktop,
      locale: 'en-GB',
      timezoneId: 'Europe/Rome',
      baseURL: cloud.webUrl,
    });
    context.setDefaultTimeout(60_000);
    context.setDefaultNavigationTimeout(90_000);
    if (options.camera) await context.grantPermissions(['camera', 'microphone'], { origin: cloud.webUrl });
    collectPageErrors(context, name, pageErrors);
    contexts.push(context);
    return context;
  }

  beforeAll(async () => {
    shows = await startShowsCloud('studio_browser', {
      nobodyBelow: true,
      logLevel: 'warn',
      authorizerCacheMs: 0,
      // progress is written with each heartbeat (15 s by default): every second, so a 20 s clip's
      // transcode shows its percentage climbing
      transcoders: { env: { TRANSCODE_HEARTBEAT_SECONDS: '1' } },
      // the platform's warnings and errors, shown when a step fails
      log: (source, line) =>
        cloudLog.push(`${source}: ${typeof line === 'string' ? line : JSON.stringify(line)}`.slice(0, 600)),
    });
    cloud = shows.cloud;
    browser = await launchChromiumWithCamera();
    creatorContext = await newContext('creator', { camera: true });
    await creatorContext.addInitScript(TRACE_SCRIPT);
    creator = await creatorContext.newPage();
    await signIn(creator, person('creator'), cloud.webUrl, '/studio');
  }, 300_000);

  afterEach(async (test) => {
    if (test.task.result?.state === 'fail')
      console.log(`the cloud's last log lines:\n${cloudLog.slice(-40).join('\n')}`);
    const step = test.task.name
      .split(' ')
      .slice(0, 3)
      .join('-')
      .replace(/[^a-z-]/gi, '');
    await keepFailedPages(test, contexts, pageErrors, `studio-failed-${step}`);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await shows?.stop();
  }, 180_000);

  it('opens the studio overview for a creator, empty at first', async () => {
    // Act
    await creator.goto('/studio');

    // Assess
    await creator.getByRole('heading', { level: 1, name: 'Studio' }).waitFor();
    await creator.getByText('No shows yet.').waitFor();
    await record(creator, 'studio-overview-empty');
  }, 120_000);

  it('uploads a video with a real progress bar, then follows transcoding in percent until ready', async () => {
    // Prepare: a 20 s 720p clip, and a slow uplink so the bar has steps to show.
    const file = await makeTestVideo(shows.dataDir, { width: 1280, height: 720, seconds: 20, audio: true });
    const bytes = await readFile(file);
    await creator.goto('/studio/videos/new');
    await creator.getByRole('heading', { level: 1, name: 'Upload a video' }).waitFor();
    await record(creator, 'studio-upload');
    const cdp = await creatorContext.newCDPSession(creator);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: Math.max(bytes.length / 3, 200_000), // about 3 s
    });

    // Act
    await creator
      .getByLabel('Video file')
      .setInputFiles({ name: 'opening-night.mp4', mimeType: 'video/mp4', buffer: bytes });
    await expect.poll(() => creator.getByLabel('Title', { exact: true }).inputValue()).toBe('opening-night');
    await creator.getByLabel('Title', { exact: true }).fill(`Opening night ${stamp}`);
    // a first try is cancelled half-way, then the upload starts again
    await creator.getByRole('button', { name: 'Upload', exact: true }).click();
    await creator.getByRole('button', { name: 'Cancel the upload' }).click();
    await creator.getByText('Upload cancelled. Press Upload to start again.').waitFor();
    await creator.getByRole('button', { name: 'Upload', exact: true }).click();
    await creator.waitForURL(/\/studio\/videos\/new\?video=/, { timeout: 120_000 });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    videoId = new URL(creator.url()).searchParams.get('video') ?? '';
    await creator.locator('#video-processing ~ [role="status"] .badge').waitFor({ timeout: 60_000 });
    await record(creator, 'studio-video-processing');
    await creator.getByText(/is ready to watch/).waitFor({ timeout: 300_000 });
    await record(creator, 'studio-video-ready');

    // Assess: the bar moved through values below 100 % before the end, and the percentage was shown.
    const trace = (await creator.evaluate(() => window.__studio)) as StudioTrace;
    console.log(
      `upload progress seen: ${trace.progress.map((value) => Math.round(value * 100)).join(', ')}; transcoding: ${trace.transcoding.join(' | ')}`,
    );
    expect(videoId).toMatch(/^[0-9A-Z]{26}$/);
    expect(trace.progress.some((value) => value > 0 && value < 1)).toBe(true);
    expect(trace.progress).toContain(1);
    expect(new Set(trace.transcoding).size).toBeGreaterThan(1);
    expect(trace.transcoding.every((text) => /^transcoding \d{1,3} %$/.test(text))).toBe(true);
  }, 600_000);

  it('creates a show for the video in the creator’s time zone and price, then edits it', async () => {
    // Prepare
    await creator.getByRole('link', { name: 'Create a show with this video' }).click();
    await creator.waitForURL(/\/studio\/shows\/new\?video=/);
    await creator.getByRole('heading', { level: 1, name: 'New show' }).waitFor();
    await expect.poll(() => creator.getByLabel('Video', { exact: true }).inputValue()).toBe(videoId);

    // Act: a past start and an over-precise price are refused at their fields first.
    await creator.getByLabel('Title', { exact: true }).fill(`Premiere ${stamp}`);
    await creator.getByLabel('Starts at').fill('2020-05-01T19:30');
    await creator.getByLabel('Price per ticket').fill('12,505');
    await creator.getByRole('button', { name: 'Create show' }).click();
    await creator.getByText('The start must be in the future.').waitFor();
    await creator.getByText('EUR has 2 decimal places; round the price.').waitFor();
    // the first field in error has the focus, so its message is read out with it
    await expect
      .poll(() => creator.getByLabel('Starts at').evaluate((field) => field === document.activeElement))
      .toBe(true);
    await record(creator, 'studio-show-errors');
    await creator.getByLabel('Starts at').fill('2030-05-01T19:30');
    await creator.getByLabel('Seats').fill('40');
    await creator.getByLabel('Price per ticket').fill('12,50');
    await creator.getByRole('button', { name: 'Create show' }).click();
    await creator.waitForURL(/\/studio\/shows\/[0-9A-Z]{26}\?created=1/);
    videoShowId = /\/studio\/shows\/([0-9A-Z]{26})/.exec(creator.url())?.[1] ?? '';
    await creator.getByText('Show created.').waitFor();
    await record(creator, 'studio-show-edit');
    await creator.getByLabel('Price per ticket').fill('15');
    await creator.getByRole('button', { name: 'Save changes' }).click();
    await creator.getByText('Changes saved.').waitFor();

    // Assess: 19:30 in the browser's zone (Europe/Rome: 17:30 UTC in May) as UTC,
    // the price in cents, the video attached.
    const show = (await (await creator.request.get(`/v1/shows/${videoShowId}`)).json()) as {
      startsAt: string;
      capacity: number;
      price: { amount: number; currency: string };
      videoId: string;
    };
    expect(Date.parse(show.startsAt)).toBe(Date.parse('2030-05-01T17:30:00Z'));
    expect(show.capacity).toBe(40);
    expect(show.price).toEqual({ amount: 1500, currency: 'eur' });
    expect(show.videoId).toBe(videoId);
  }, 180_000);

  it('makes a live show, shows the stream key once, goes live from the browser; a ticket holder watches it', async () => {
    // Prepare: the live show, from the form, then its stream.
    await creator.goto('/studio/shows/new');
    await creator.getByLabel('Title', { exact: true }).fill(`Live jam ${stamp}`);
    await creator.getByLabel(/A live stream/).check();
    const soon = await creator.evaluate(() => {
      const at = new Date(Date.now() + 2 * 3600_000);
      const pad = (value: number) => String(value).padStart(2, '0');
      return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
    });
    await creator.getByLabel('Starts at').fill(soon);
    await creator.getByLabel('Seats').fill('10');
    await creator.getByLabel('Price per ticket').fill('9');
    await creator.getByRole('button', { name: 'Create show' }).click();
    await creator.waitForURL(/\/studio\/live\?show=/);
    liveShowId = new URL(creator.url()).searchParams.get('show') ?? '';
    await creator.getByRole('heading', { level: 1, name: 'Go live' }).waitFor();
    await expect.poll(() => creator.getByLabel('Stream title').inputValue()).toBe(`Live jam ${stamp}`);
    await record(creator, 'studio-live-new');
    await creator.getByRole('button', { name: 'Create the live stream' }).click();
    const key = (await creator.locator('.secret-value').textContent({ timeout: 60_000 })) ?? '';
    await creator.getByText('Waiting for a broadcast').waitFor();
    await record(creator, 'studio-live-created');

    // The viewer buys a ticket as themselves (session cookie) on the local Stripe page.
    const viewerContext = await newContext('viewer');
    const viewer = await viewerContext.newPage();
    await signIn(viewer, person('viewer'), cloud.webUrl, '/shows');
    const checkout = await viewer.request.post(`/v1/shows/${liveShowId}/checkout`, {
      headers: { origin: cloud.webUrl },
      data: { quantity: 1 },
      failOnStatusCode: false,
    });
    expect(checkout.status(), await checkout.text()).toBe(201);
    const { checkoutUrl } = (await checkout.json()) as { checkoutUrl: string };
    const paid = await fetch(checkoutUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choice=pay',
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    await until(
      async () => (await (await viewer.request.get('/v1/tickets')).json()) as { items: unknown[] },
      (page) => page.items.length > 0,
      60_000,
      'the viewer’s ticket',
    );

    // Act: go live from the browser.
    await creator.getByRole('button', { name: 'Go live from this browser' }).click();
    await creator.getByText('Broadcasting from this browser.').waitFor({ timeout: 120_000 });
    await creator.locator('.badge', { hasText: /^Live$/ }).waitFor({ timeout: 120_000 });
    const previewPlaying = await creator.evaluate(() => {
      const video = document.querySelector('video.studio-preview') as { videoWidth: number; paused: boolean };
      return { width: video.videoWidth, paused: video.paused };
    });
    await creator.getByRole('link', { name: 'Watch as a ticket holder does' }).waitFor();
    await record(creator, 'studio-live-on-air');

    // The ticket holder's watch page plays it.
    await viewer.goto(`/watch/${liveShowId}`);
    const frames = await until(
      () =>
        viewer.evaluate(() => {
          const video = document.querySelector('video') as {
            getVideoPlaybackQuality?: () => { totalVideoFrames: number };
          } | null;
          return video?.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
        }),
      (count) => count > 30,
      120_000,
      'the viewer’s player to decode 30 frames',
    );

    // Stop: the WHIP session is deleted and the stream waits for the publisher to come back.
    await creator.getByRole('button', { name: 'Stop broadcasting' }).click();
    await creator.getByText(/^Stopped\./).waitFor();
    await creator.locator('.badge', { hasText: /^Reconnecting$/ }).waitFor({ timeout: 60_000 });

    // Assess
    console.log(`viewer decoded ${frames} frames of the browser-published live show`);
    expect(key).toMatch(/^fcsk_/);
    expect(previewPlaying.width).toBeGreaterThan(0);
    expect(previewPlaying.paused).toBe(false);
    expect(frames).toBeGreaterThan(30);
    // the key is shown on the page that made it, and nowhere else: after a reload the show's
    // stream offers a new key instead, and that one is another
    await creator.reload();
    await creator.getByText(/This show already has its live stream/).waitFor();
    expect(await creator.content()).not.toContain(key);
    await record(creator, 'studio-live-existing');
    await creator.getByRole('button', { name: 'Get a new stream key' }).click();
    const rotated = (await creator.locator('.secret-value').textContent()) ?? '';
    expect(rotated).toMatch(/^fcsk_/);
    expect(rotated).not.toBe(key);
  }, 600_000);

  it('lists both shows with seats and revenue, and charts the audience with a table beside', async () => {
    // Act
    await creator.goto('/studio');
    await creator
      .getByRole('link', { name: `Premiere ${stamp}` })
      .first()
      .waitFor();
    await creator
      .getByRole('link', { name: `Live jam ${stamp}` })
      .first()
      .waitFor();
    await record(creator, 'studio-overview');
    // The local edge keeps no access log: a batch as Fastly's log streaming posts it (the format
    // of shared/cdn/fastly-log.ts) says two people watched the recording yesterday and today.
    const assetId = (
      (await (await creator.request.get(`/v1/shows/${liveShowId}`)).json()) as { videoId: string }
    ).videoId;
    const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 19);
    const line = (at: string, ip: string, file: string, bytes: number) =>
      JSON.stringify({
        timestamp: `${at}+0000`,
        client_ip: ip,
        method: 'GET',
        url: `/t/1_x/videos/${assetId}/${file}`,
        status: 200,
        bytes,
        user_agent: 'Chromium',
        service_id: cloud.platformEnv.FASTLY_SERVICE_ID,
      });
    const batch = [
      line(day(1), '203.0.113.7', 'live/master.m3u8', 900),
      line(day(1), '203.0.113.7', 'live/s1/720p/seg-000001.m4s', 2_000_000),
      line(day(0), '203.0.113.7', 'live/master.m3u8', 900),
      line(day(0), '198.51.100.4', 'live/master.m3u8', 900),
      line(day(0), '198.51.100.4', 'live/s1/480p/seg-000001.m4s', 1_000_000),
    ].join('\n');
    // a cold function on a busy machine may fail to start once (502/503): the log streamer retries too
    const ingested = await until(
      () =>
        fetch(`${cloud.gatewayUrl}/cdn-logs`, {
          method: 'POST',
          headers: {
            'x-log-secret': cloud.platformEnv.CDN_LOG_SECRET ?? '',
            'content-type': 'application/json',
          },
          body: batch,
        }),
      (response) => response.status < 500,
      60_000,
      'the log batch to be taken',
    );
    expect(ingested.status, await ingested.text()).toBe(200);
    await creator.goto(`/studio/shows/${liveShowId}/audience`);
    await creator.getByRole('heading', { level: 2, name: 'Tickets and revenue' }).waitFor();
    await creator.locator('.studio-chart canvas').first().waitFor({ timeout: 60_000 });
    await creator.getByRole('table', { name: /Tickets sold and revenue per day/ }).waitFor();
    // the views section has its figures (or says there are none) before the picture is taken
    await creator.locator('.studio-totals').nth(1).waitFor({ timeout: 60_000 });
    await record(creator, 'studio-audience');
    const totals = await creator.locator('.studio-totals').first().textContent();
    const views = await creator.locator('.studio-totals').nth(1).textContent();
    await creator.getByRole('table', { name: /Views, unique viewers and data delivered per day/ }).waitFor();
    await creator.locator('.studio-chart canvas').nth(2).waitFor();
    // a seat is sold: the price is locked, and the server's refusal is shown at the price field
    await creator.goto(`/studio/shows/${liveShowId}`);
    await creator.getByLabel('Price per ticket').fill('10');
    await creator.getByRole('button', { name: 'Save changes' }).click();
    const priceError = await creator.locator('.field-invalid .field-error').textContent();
    await record(creator, 'studio-show-price-locked');
    // the same studio in Italian
    await creator.goto('/studio');
    await creator.getByLabel('Language').selectOption('it');
    await creator.getByRole('table', { name: /I tuoi spettacoli, dal più recente/ }).waitFor();
    await record(creator, 'studio-overview-it');
    await creator.getByLabel('Lingua').selectOption('en');

    // Assess: the sale is in the totals, in words.
    expect(totals).toContain('1');
    expect(totals).toContain('€9.00');
    expect(priceError).toBe(
      'Seats were sold, or are being bought, at the current price, so it can no longer change.',
    );
    expect(views).toMatch(/Views\s*3\s*Unique viewers\s*2\s*Data delivered\s*3 MB/);
  }, 180_000);
});
