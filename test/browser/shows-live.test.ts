import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import {
  checkA11y,
  newPersonContext,
  SCREENSHOT_DIR,
  screenshot,
  signIn,
  useBrowser,
} from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createLiveShow, type LiveShow, publishRtmp, type RtmpPublisher, until } from '../support/live.ts';

declare const document: { querySelector(selector: string): unknown };

async function record(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await checkA11y(page, name);
}

async function framesOf(page: Page): Promise<number> {
  return page.evaluate(() => {
    const video = document.querySelector('video') as {
      getVideoPlaybackQuality(): { totalVideoFrames: number };
    } | null;
    return video ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
  });
}

/**
 * A live show on the watch page, in Debian's Chromium against the local cloud with its live ingest
 * worker: a ticket holder (a person, signed in) opens the page before the creator's encoder is on
 * and reads "not started"; the encoder publishes over RTMP and the page starts playing by itself,
 * with the live-latency indicator; the encoder stops, the reconnect window passes, and the page
 * says the show has ended and the replay is coming.
 */
describe('Shows app watch page for a live show (local cloud, RTMP)', () => {
  const browser = useBrowser();
  const contexts: BrowserContext[] = [];
  const publishers: RtmpPublisher[] = [];
  const pageErrors: string[] = [];
  let dataDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let live: LiveShow;
  let viewer: Page;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-shows-live-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'shows_live_browser');
    cloud = await startLocalCloud({
      dataDir,
      mysqlUrl: db.url,
      logLevel: 'warn',
      schedules: { everyMs: { 'live-watchdog': 1000 } },
      transcoders: { count: 1, env: { TRANSCODE_PRESET: 'ultrafast' } },
      // the page renews its URL every ~15 s, which is also when it learns the show has ended
      functionEnv: { PLAYBACK_TTL_SECONDS: '30' },
    });
    const operator = (await ensureOperatorKey(cloud.mysqlUrl, dataDir)).plaintext;
    live = await createLiveShow(cloud.gatewayUrl, operator, {
      reconnectWindowSeconds: 8,
      title: 'Live at the shows app',
    });
  }, 300_000);

  afterEach(async (test) => {
    if (test.task.result?.state !== 'fail') return;
    if (pageErrors.length > 0) console.log(`errors in the pages so far:\n${pageErrors.join('\n')}`);
    for (const [index, page] of contexts.flatMap((context) => context.pages()).entries())
      await page
        .screenshot({ path: `${SCREENSHOT_DIR}/failed-shows-live-${index}.png`, fullPage: true })
        .catch(() => undefined);
  });

  afterAll(async () => {
    for (const publisher of publishers) await publisher.stop();
    for (const context of contexts) await context.close().catch(() => undefined);
    await cloud?.stop();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 180_000);

  it('a ticket holder waits on "not started", then the page plays the live stream with its delay', async () => {
    // Prepare: the seeded viewer buys a seat in their own browser
    const person = cloud.identity.seededPeople.find((one) => one.role === 'viewer');
    if (!person) throw new Error('no seeded viewer');
    const context = await newPersonContext(browser(), cloud.webUrl);
    contexts.push(context);
    context.on('weberror', (error) => pageErrors.push(error.error().message));
    viewer = await context.newPage();
    await signIn(
      viewer,
      { email: person.email, password: cloud.identity.seededPassword },
      cloud.webUrl,
      `/shows/${live.showId}`,
    );
    await viewer.getByRole('button', { name: /buy a ticket for|compra un biglietto/i }).click();
    await viewer.getByRole('button', { name: /^pay$/i }).click();
    await viewer.getByRole('img', { name: /qr/i }).first().waitFor({ timeout: 90_000 });

    // Act: the watch page before the encoder is on
    await viewer.goto(`/watch/${live.showId}`);
    await viewer
      .locator('.watch-state')
      .getByText(/non è ancora iniziato|has not started yet/i)
      .waitFor();
    await record(viewer, 'shows-watch-not-started');
    const publisher = publishRtmp(live.stream.ingest.rtmp, live.streamKey);
    publishers.push(publisher);
    await until(
      () => live.read(),
      (stream) => stream.status === 'live',
      90_000,
      'status live',
    );
    await viewer.locator('video').waitFor({ timeout: 90_000 });
    await until(
      () => framesOf(viewer),
      (frames) => frames > 30,
      90_000,
      'frames decoded',
    );
    const latency = viewer.locator('.latency').getByText(/s behind live|s di ritardo/i);
    await latency.waitFor({ timeout: 30_000 });

    // Assess
    expect(await latency.textContent()).toMatch(/\d+[.,]\d s/);
    await viewer.getByRole('button', { name: /go to live|vai alla diretta/i }).waitFor();
    await record(viewer, 'shows-watch-live');
  }, 300_000);

  it('says the show has ended and the replay is coming once the stream ends (or plays the recording)', async () => {
    // Act: the encoder stops; the reconnect window (8 s) passes; the stream ends
    await publishers[0]?.stop();
    await until(
      () => live.read(),
      (stream) => stream.status !== 'live' && stream.status !== 'reconnecting',
      90_000,
      'ended',
    );
    // "replay coming" until the recording is ready, then the recording itself (a short show's
    // recording may be ready by the next renewal already)
    await viewer
      .locator('.watch-state')
      .getByText(/replay is being prepared|replica è in preparazione|not ready yet|non è ancora pronto/i)
      .or(viewer.locator('.latency').getByText(/^on demand$/i))
      .first()
      .waitFor({ timeout: 60_000 });

    // Assess
    await record(viewer, 'shows-watch-replay-pending');
  }, 180_000);
});
