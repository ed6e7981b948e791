import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { spawnChild } from '../../infra/local/child-processes.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import { type CopyLadder, createCopyLadder } from '../../workers/live-ingest/whip/copy-ladder.ts';
import { createWhipReceiver, type WhipReceiver } from '../../workers/live-ingest/whip/receiver.ts';
import {
  assertChromiumWithinTestedGap,
  CHROMIUM_FLAGS,
  CHROMIUM_PATH,
  chromiumVersions,
} from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type PlayerServer, readPlayer, startPlayerServer, waitForFrames } from '../support/hls-player.ts';
import { createLiveShow, until } from '../support/live.ts';

declare const window: Record<string, unknown>;

const execFileAsync = promisify(execFile);
const KEY = `fcsk_${'b'.repeat(39)}rows`;

/**
 * The publisher page, served from another origin than the WHIP endpoint (CORS). It publishes
 * Chromium's fake camera and microphone the way a WHIP client in a browser does: sendonly
 * transceivers, H.264 preferred when the browser has it, the complete offer once ICE gathering
 * is done (the receiver does not take trickle PATCHes), the bearer stream key.
 */
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Go live</title></head>
<body><main><h1>Go live</h1><video id="preview" muted autoplay playsinline></video></main>
<script>
window.publish = async (url, key) => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
  document.getElementById('preview').srcObject = stream;
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) {
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    if (track.kind === 'video') {
      const codecs = RTCRtpSender.getCapabilities('video').codecs;
      const h264 = codecs.filter((c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine || ''));
      transceiver.setCodecPreferences([...h264, ...codecs.filter((c) => !h264.includes(c))]);
    }
  }
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    setTimeout(resolve, 5000);
  });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: 'Bearer ' + key },
    body: pc.localDescription.sdp,
  });
  const answer = await response.text();
  if (response.status !== 201) {
    pc.close();
    stream.getTracks().forEach((track) => track.stop());
    return { status: response.status, body: answer };
  }
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  window.whip = { pc, location: new URL(response.headers.get('Location'), url).toString() };
  return { status: response.status, location: window.whip.location, answer };
};
window.sent = async () => {
  const stats = await window.whip.pc.getStats();
  let bytes = 0, codec = '', available = 0, state = window.whip.pc.connectionState;
  stats.forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video') { bytes = s.bytesSent; codec = (stats.get(s.codecId) || {}).mimeType || ''; }
    if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) available = s.availableOutgoingBitrate;
  });
  return { bytes, codec, state, available };
};
window.unpublish = async () => {
  const response = await fetch(window.whip.location, { method: 'DELETE', headers: { Authorization: 'Bearer ${KEY}' } });
  window.whip.pc.close();
  return response.status;
};
</script></body></html>`;

describe('WHIP from Chromium (fake camera) to the receiver and a real ffmpeg', () => {
  let browser: Browser;
  let pageServer: Server;
  let whipServer: Server;
  let receiver: WhipReceiver;
  let ladder: CopyLadder;
  let dir: string;
  let pageUrl: string;
  let whipUrl: string;
  const logs: string[] = [];

  beforeAll(async () => {
    assertChromiumWithinTestedGap(chromiumVersions());
    dir = await mkdtemp(join(tmpdir(), 'live-whip-browser-'));
    ladder = createCopyLadder({
      dir,
      spawn: (command, args) => spawnChild(command, args, { stdio: 'ignore', parentDeathSignal: 'SIGKILL' }),
    });
    receiver = createWhipReceiver({
      workDir: dir,
      inputTimeoutMs: 5_000,
      log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
      authorize: async (key) =>
        key === KEY
          ? { ok: true, streamId: 'browser1', session: 1, publish: ladder.publish }
          : { ok: false, status: 401, code: 'unknown-key', detail: 'Unknown stream key' },
    });
    whipServer = createServer((req, res) => void receiver.handle(req, res));
    whipServer.listen(0, '127.0.0.1');
    pageServer = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    pageServer.listen(0, '127.0.0.1');
    await Promise.all([once(whipServer, 'listening'), once(pageServer, 'listening')]);
    whipUrl = `http://127.0.0.1:${(whipServer.address() as AddressInfo).port}/whip`;
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_FLAGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
      headless: true,
      timeout: 120_000,
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    whipServer?.close();
    pageServer?.close();
    ladder?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('publishes getUserMedia over WHIP from another origin; ffmpeg decodes the frames; DELETE ends it', async () => {
    // Prepare
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    try {
      const page = await context.newPage();
      await page.goto(pageUrl);

      // Act
      const published = (await page.evaluate(
        ([url, key]) => (window as never as Publisher).publish(url, key),
        [whipUrl, KEY] as const,
      )) as { status: number; location?: string; answer?: string; body?: string };
      expect(published.status, published.body).toBe(201);
      await waitFor(() => ladder.started.length === 1, 30_000, 'the ladder to start');
      const started = ladder.started[0];
      if (!started) throw new Error('no ladder');
      await waitFor(() => fileSize(started.output) > 150_000, 45_000, 'the ladder to write 150 kB');
      const sent = (await page.evaluate(() => (window as never as Publisher).sent())) as Sent;
      const deleted = await page.evaluate(() => (window as never as Publisher).unpublish());
      await waitFor(() => !isAlive(started.pid), 20_000, 'the ladder ffmpeg to exit');

      // Assess
      expect(published.location).toMatch(/\/whip\/[A-Za-z0-9_-]{20,}$/);
      expect(published.answer?.split('\r\n').filter((line) => /transport-(cc|wide)/.test(line))).toEqual([]);
      expect(published.answer).toMatch(/goog-remb/);
      expect(sent.state).toBe('connected');
      expect(sent.codec).toMatch(/^video\/(H264|VP8)$/);
      // Chrome's estimate follows the receiver's REMB (ceiling 4 Mb/s) instead of ramping from 300 kb/s.
      expect(sent.available).toBeGreaterThanOrEqual(1_000_000);
      expect(sent.available).toBeLessThanOrEqual(4_000_000);
      expect(deleted).toBe(204);
      expect(started.stopReasons).toEqual(['publisher-left']);
      const frames = await countVideoFrames(started.output ?? '');
      console.log(
        `chromium published ${sent.codec}, ${sent.bytes} bytes, estimate ${sent.available} b/s; ffmpeg decoded ${frames} frames`,
      );
      expect(frames).toBeGreaterThan(30);
      expect(await codecsOf(started.output ?? '')).toEqual(expect.arrayContaining(['opus']));
      expect(logs.join('\n')).not.toContain(KEY);
      expect(receiver.sessionCount).toBe(0);
    } finally {
      await context.close();
    }
  });
});

/**
 * The show as its people live it over WHIP: the local cloud with its ingest worker, a creator's
 * live stream for a show, Chromium's fake camera publishing from a page to the stream's WHIP URL,
 * the stream going live, and a ticket holder's page (another context) playing the live HLS with
 * hls.js through the tokenised edge. Then the publisher leaves (DELETE) and the stream waits in
 * `reconnecting`; the key is in no file of the worker's folder.
 */
describe('Live show published from Chromium over WHIP, watched with hls.js (local cloud)', () => {
  let dataDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let browser: Browser;
  let player: PlayerServer;
  let pageServer: Server;
  let pageUrl: string;

  beforeAll(async () => {
    assertChromiumWithinTestedGap(chromiumVersions());
    dataDir = await mkdtemp(join(tmpdir(), 'fc-live-whip-'));
    await chmod(dataDir, 0o711); // the ingest worker's nginx and ffmpeg run as nobody below it
    db = await createTestDatabase(inject('mysqlUrl'), 'live_whip_browser');
    cloud = await startLocalCloud({ dataDir, mysqlUrl: db.url, logLevel: 'warn', authorizerCacheMs: 0 });
    player = await startPlayerServer();
    pageServer = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    pageServer.listen(0, '127.0.0.1');
    await once(pageServer, 'listening');
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_FLAGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
      headless: true,
      timeout: 120_000,
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await player?.close();
    pageServer?.close();
    await cloud?.stop();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('goes live from the browser, plays for a ticket holder, and waits in reconnecting after DELETE', async () => {
    // Prepare
    expect(cloud.liveIngest, 'the local cloud runs a live ingest worker').toBeDefined();
    const operator = (await ensureOperatorKey(cloud.mysqlUrl, dataDir)).plaintext;
    const live = await createLiveShow(cloud.gatewayUrl, operator, { reconnectWindowSeconds: 60 });
    await live.buyTicket();
    const publisherContext = await browser.newContext({ permissions: ['camera', 'microphone'] });
    const viewerContext = await browser.newContext();
    try {
      const publisherPage = await publisherContext.newPage();
      await publisherPage.goto(pageUrl);

      // Act: publish. A 503 says "try again shortly" (the agent gives the control plane 800 ms and a
      // cold function can take longer); when that slow authorize did go through, the stream stays
      // `starting` and the retry gets 409 already-live until the watchdog (about 15 s) frees it.
      const publishOnce = async () =>
        (await publisherPage.evaluate(([url, key]) => (window as never as Publisher).publish(url, key), [
          live.stream.ingest.whip,
          live.streamKey,
        ] as const)) as { status: number; body?: string };
      let published = await publishOnce();
      const retryUntil = Date.now() + 90_000;
      while ((published.status === 503 || published.status === 409) && Date.now() < retryUntil) {
        console.log(`WHIP publish answered ${published.status}; trying again in 2 s`);
        await publisherPage.waitForTimeout(2_000);
        published = await publishOnce();
      }
      expect(published.status, published.body).toBe(201);
      await until(
        () => live.read(),
        (stream) => stream.status === 'live',
        90_000,
        'status live',
      );
      const playback = await until(
        () => live.playback(),
        (response) => response.status === 200,
        30_000,
        'a playback URL',
      );
      const { url } = (await playback.json()) as { url: string };
      const viewerPage = await viewerContext.newPage();
      await viewerPage.goto(player.pageFor(url));
      const watched = await waitForFrames(viewerPage, 30, 90_000);
      const behind: number[] = [];
      for (let i = 0; i < 10; i += 1) {
        const reading = await readPlayer(viewerPage);
        if (reading.behindLiveMs !== null) behind.push(reading.behindLiveMs);
        await viewerPage.waitForTimeout(500);
      }
      behind.sort((a, b) => a - b);
      console.log(
        `WHIP glass-to-glass (wall clock - on-screen frame's PDT): median ${behind[behind.length >> 1]} ms`,
      );
      const deleted = await publisherPage.evaluate(() => (window as never as Publisher).unpublish());
      const after = await until(
        () => live.read(),
        (stream) => stream.status === 'reconnecting',
        60_000,
        'reconnecting',
      );

      // Assess
      expect(watched.fatal).toBeNull();
      expect(deleted).toBe(204);
      expect(after.assetId).toBe(live.stream.assetId);
      const workerFiles = await readdir(join(dataDir, 'live-ingest'), {
        recursive: true,
        withFileTypes: true,
      });
      for (const entry of workerFiles) {
        const path = join(entry.parentPath, entry.name);
        expect(path).not.toContain(live.streamKey);
        if (entry.isFile()) expect((await readFile(path)).includes(live.streamKey), path).toBe(false);
      }
    } finally {
      await publisherContext.close();
      await viewerContext.close();
    }
  }, 600_000);
});

interface Sent {
  readonly bytes: number;
  /** Chrome's send-side estimate (bits/s): REMB and loss based, no TWCC. */
  readonly available: number;
  readonly codec: string;
  readonly state: string;
}

interface Publisher {
  publish(url: string, key: string): Promise<unknown>;
  sent(): Promise<Sent>;
  unpublish(): Promise<number>;
}

async function countVideoFrames(path: string): Promise<number> {
  const { stdout } = await execFileAsync('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'json',
    path,
  ]);
  const parsed = JSON.parse(stdout) as { streams?: { nb_read_frames?: string }[] };
  return Number(parsed.streams?.[0]?.nb_read_frames ?? 0);
}

async function codecsOf(path: string): Promise<string[]> {
  const { stdout } = await execFileAsync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name',
    '-of',
    'json',
    path,
  ]);
  return (
    (JSON.parse(stdout) as { streams?: { codec_name: string }[] }).streams?.map((s) => s.codec_name) ?? []
  );
}

function fileSize(path: string | undefined): number {
  try {
    return path ? statSync(path).size : 0;
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
