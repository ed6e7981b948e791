import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '#events/buckets.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import { launchChromium } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type PlayerServer, readPlayer, startPlayerServer, waitForFrames } from '../support/hls-player.ts';
import {
  apiClient,
  createLiveShow,
  mapUris,
  playlistUris,
  publishRtmp,
  type RtmpPublisher,
  until,
} from '../support/live.ts';

const PLAYBACK_TTL_SECONDS = 30;

/**
 * A live show as its people live it, through the local cloud and its ingest worker: a creator
 * makes a show and a live stream for it, publishes over RTMP with ffmpeg (as OBS would), a
 * ticket holder gets a tokenised live URL and every playlist names segments the edge can serve;
 * a viewer without a ticket is refused; the creator stops, comes back within the reconnect window
 * (same asset, a discontinuity), stops again, and once the window passes the recording becomes a
 * VOD asset exactly once, played through the same show.
 */
describe('Live show end to end (local cloud, RTMP publish, edge, live to VOD)', () => {
  let dataDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let operator: string;
  let stranger: string;
  const publishers: RtmpPublisher[] = [];
  let browser: Browser | undefined;
  let player: PlayerServer | undefined;

  const call = (key: string | undefined, method: string, path: string, body?: unknown) =>
    apiClient(cloud.gatewayUrl)(key, method, path, body);
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-live-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'live_e2e');
    cloud = await startLocalCloud({
      dataDir,
      mysqlUrl: db.url,
      logLevel: 'warn',
      authorizerCacheMs: 0,
      // The watchdog ticks often so the reconnect window's end is seen promptly.
      schedules: { everyMs: { 'live-watchdog': 1000 } },
      transcoders: { count: 1, env: { TRANSCODE_PRESET: 'ultrafast' } },
      // Short playback tokens, so the player has to renew one while the show goes on.
      functionEnv: { PLAYBACK_TTL_SECONDS: String(PLAYBACK_TTL_SECONDS) },
    });
    browser = await launchChromium();
    player = await startPlayerServer();
    operator = (await ensureOperatorKey(cloud.mysqlUrl, dataDir)).plaintext;
    const response = await call(operator, 'POST', '/orgs', {
      name: 'Someone without a ticket',
      kind: 'viewer',
      scopes: ['tickets:buy', 'tickets:read'],
    });
    expect(response.status).toBe(201);
    stranger = ((await response.json()) as { apiKey: { key: string } }).apiKey.key;
  }, 180_000);

  afterAll(async () => {
    for (const publisher of publishers) await publisher.stop();
    await browser?.close();
    await player?.close();
    await cloud?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }, 120_000);

  /** Every URI of the master and its variants answers 200 through the tokenised edge. */
  async function assertLivePlaylistsServable(masterUrl: string): Promise<string[]> {
    const master = await fetch(masterUrl);
    expect(master.status).toBe(200);
    const variants = playlistUris(await master.text(), masterUrl);
    expect(variants).toHaveLength(3);
    const playlists: string[] = [];
    for (const variant of variants) {
      const response = await fetch(variant);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toMatch(/max-age=1\b/);
      const text = await response.text();
      playlists.push(text);
      for (const uri of [...mapUris(text, variant), ...playlistUris(text, variant)]) {
        expect((await fetch(uri, { method: 'HEAD' })).status, uri).toBe(200);
      }
    }
    return playlists;
  }

  it('goes live over RTMP, plays for ticket holders only, reconnects, and becomes VOD once', async () => {
    expect(cloud.liveIngest, 'the local cloud runs a live ingest worker').toBeDefined();
    const live = await createLiveShow(cloud.gatewayUrl, operator, { reconnectWindowSeconds: 8 });
    const { stream, creator } = live;
    const show = { id: live.showId };
    expect(stream.status).toBe('idle');
    expect(stream.streamKey).toMatch(/^fcsk_/);
    expect(stream.ingest.rtmp).toBe(cloud.liveIngest?.urls.rtmp);
    const key = live.streamKey;
    // Shown once: reading the stream again does not reveal it.
    expect(JSON.stringify(await live.read())).not.toContain(key);

    await live.buyTicket();
    const notStarted = await live.playback();
    expect(notStarted.status).toBe(409);

    // A wrong key is refused and writes nothing
    const wrong = publishRtmp(stream.ingest.rtmp, `fcsk_${'A'.repeat(43)}`, { seconds: 30 });
    publishers.push(wrong);
    const refusedAt = Date.now();
    const wrongEnd = await wrong.exited;
    expect(wrongEnd.code).not.toBe(0);
    expect(Date.now() - refusedAt).toBeLessThan(15_000);

    // Session 1: live
    const first = publishRtmp(stream.ingest.rtmp, key);
    publishers.push(first);
    await until(
      () => live.read(),
      (s) => s.status === 'live',
      90_000,
      'status live',
    );
    // A second encoder on the same key is refused while the first is on
    const duplicate = publishRtmp(stream.ingest.rtmp, key, { seconds: 30 });
    publishers.push(duplicate);
    expect((await duplicate.exited).code).not.toBe(0);
    expect(first.process.exitCode).toBeNull();

    const playback = await live.playback();
    expect(playback.status).toBe(200);
    const { url } = (await playback.json()) as { url: string };
    expect(url).toContain(`/videos/${stream.assetId}/live/master.m3u8`);
    await until(
      async () => (await fetch(url)).status,
      (status) => status === 200,
      30_000,
      'the live master playlist',
    );
    await assertLivePlaylistsServable(url);
    expect((await call(stranger, 'POST', `/shows/${show.id}/playback`)).status).toBe(403);
    // The agent reports its playlist lag (what the OCI alarm and the dashboard read)
    await until(
      async () => (await fetch(cloud.metrics.metricsUrl)).text(),
      (text) => /forgecast_live_playlist_lag_ms_count\{[^}]*worker="live-ingest-1"[^}]*\} [1-9]/.test(text),
      30_000,
      'live_playlist_lag_ms in the metrics',
    );

    // Watch in Chromium with hls.js through the tokenised edge, past the first token's expiry:
    // the page renews its token (a new playback answer) and playback goes on without a stall.
    const page = await (browser as Browser).newPage();
    try {
      await page.goto((player as PlayerServer).pageFor(url));
      const started = await waitForFrames(page, 30, 90_000);
      const renewAt = Date.now() + (PLAYBACK_TTL_SECONDS / 2) * 1000;
      while (Date.now() < renewAt) await page.waitForTimeout(500);
      const renewed = (await (await live.playback()).json()) as {
        url: string;
      };
      expect(renewed.url).not.toBe(url);
      await page.evaluate(`window.player.renew(${JSON.stringify(renewed.url)})`);
      // Past the first token's lifetime, with a margin for the player's buffer.
      const pastExpiry = Date.now() + (PLAYBACK_TTL_SECONDS / 2 + 10) * 1000;
      while (Date.now() < pastExpiry) await page.waitForTimeout(500);
      const later = await readPlayer(page);
      expect(later.fatal).toBeNull();
      // ~25 s more of a 30 fps show: far more frames than at the start, and the clock moved on
      expect(later.frames - started.frames).toBeGreaterThan(300);
      expect(later.currentTime - started.currentTime).toBeGreaterThan(15);
      expect(later.errors.filter((error) => / 4\d\d$/.test(error))).toEqual([]);
    } finally {
      await page.close();
    }

    // Stop, then come back within the window: same asset, a discontinuity with a new init segment
    await first.stop();
    await until(
      () => live.read(),
      (s) => s.status === 'reconnecting',
      60_000,
      'reconnecting',
    );
    const second = publishRtmp(stream.ingest.rtmp, key);
    publishers.push(second);
    await until(
      () => live.read(),
      (s) => s.status === 'live',
      90_000,
      'live again',
    );
    const again = (await (await live.playback()).json()) as {
      url: string;
    };
    const playlists = await until(
      () => assertLivePlaylistsServable(again.url),
      (texts) => texts.every((text) => text.includes('#EXT-X-DISCONTINUITY') || text.includes('/s2/')),
      60_000,
      'session 2 in the live playlists',
    );
    expect(playlists[0]).toMatch(/\/s2\//);
    expect(await live.read()).toMatchObject({ assetId: stream.assetId });

    // Stop for good: after the window, the recording becomes the show's video on demand, once
    await second.stop();
    await until(
      () => live.read(),
      (s) => s.status === 'ended',
      120_000,
      'ended',
    );
    const video = await until(
      async () =>
        (await (await call(creator, 'GET', `/videos/${stream.assetId}`)).json()) as { status: string },
      (v) => v.status === 'ready' || v.status === 'failed',
      180_000,
      'the recording as VOD',
    );
    expect(video.status).toBe('ready');
    const vod = (await (await live.playback()).json()) as { url: string };
    expect(vod.url).toMatch(new RegExp(`/videos/${stream.assetId}/v\\d+/master\\.m3u8`));
    expect((await fetch(vod.url)).status).toBe(200);

    const connection = await createConnection(db.url);
    try {
      const [rows] = await connection.query(
        'SELECT event_type, COUNT(*) AS n FROM outbox WHERE aggregate_id IN (?, ?) GROUP BY event_type',
        [stream.id, stream.assetId],
      );
      const counts = Object.fromEntries(
        (rows as { event_type: string; n: number }[]).map((row) => [row.event_type, Number(row.n)]),
      );
      expect(counts['live.started']).toBe(1);
      expect(counts['live.ended']).toBe(1);
      expect(counts['live.recording_ready']).toBe(1);
    } finally {
      await connection.end();
    }

    // The key never reached an object name, nor a file name or file of the ingest worker's folder
    const store = createS3ObjectStore({
      endpoint: cloud.s3Endpoint,
      region: cloud.platformEnv.S3_REGION as string,
      accessKeyId: cloud.platformEnv.S3_ACCESS_KEY_ID as string,
      secretAccessKey: cloud.platformEnv.S3_SECRET_ACCESS_KEY as string,
    });
    const objects = await store.list(BUCKETS.media, `videos/${stream.assetId}/`);
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.filter((object) => object.key.includes(key))).toEqual([]);
    const workerFiles = await readdir(join(dataDir, 'live-ingest'), { recursive: true, withFileTypes: true });
    for (const entry of workerFiles) {
      const path = join(entry.parentPath, entry.name);
      expect(path).not.toContain(key);
      if (entry.isFile()) expect((await readFile(path)).includes(key), path).toBe(false);
    }
  }, 600_000);

  it('cuts the publisher within one update interval when the creator rotates the key', async () => {
    const live = await createLiveShow(cloud.gatewayUrl, operator, { title: 'Rotated mid-show' });
    const publisher = publishRtmp(live.stream.ingest.rtmp, live.streamKey);
    publishers.push(publisher);
    await until(
      () => live.read(),
      (s) => s.status === 'live',
      90_000,
      'status live',
    );

    const rotated = await call(live.creator, 'POST', `/live-streams/${live.stream.id}/rotate-key`);
    expect(rotated.status).toBe(200);
    const rotatedAt = Date.now();
    const fresh = ((await rotated.json()) as { streamKey: string }).streamKey;
    const ended = await Promise.race([
      publisher.exited.then(() => Date.now() - rotatedAt),
      new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 30_000)),
    ]);
    // One update interval (5 s) plus the time a loaded machine takes to pass the answer on
    expect(ended).toBeLessThan(5_000 + 5_000);

    // The old key is refused from now on; the new one continues the same asset
    const old = publishRtmp(live.stream.ingest.rtmp, live.streamKey, { seconds: 30 });
    publishers.push(old);
    expect((await old.exited).code).not.toBe(0);
    expect(fresh).not.toBe(live.streamKey);
    const resumed = publishRtmp(live.stream.ingest.rtmp, fresh);
    publishers.push(resumed);
    const back = await until(
      () => live.read(),
      (s) => s.status === 'live',
      90_000,
      'live on the new key',
    );
    expect(back.assetId).toBe(live.stream.assetId);
    await resumed.stop();
  }, 300_000);

  it('survives a SIGKILLed ingest worker: reconnecting, then a clean recording or a reasoned failure', async () => {
    const live = await createLiveShow(cloud.gatewayUrl, operator, {
      title: 'Worker lost',
      // Longer than the watchdog takes to call a silent worker lost (3 update intervals), so the
      // stream is seen reconnecting before the window closes.
      reconnectWindowSeconds: 30,
    });
    const publisher = publishRtmp(live.stream.ingest.rtmp, live.streamKey);
    publishers.push(publisher);
    await until(
      () => live.read(),
      (s) => s.status === 'live',
      90_000,
      'status live',
    );
    // A few seconds of recording, then the instance dies without a word
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    cloud.liveIngest?.kill();
    await publisher.exited;

    const states: string[] = [];
    const final = await until(
      async () => {
        const stream = await live.read();
        if (states.at(-1) !== stream.status) states.push(stream.status);
        return stream;
      },
      (s) => s.status === 'ended' || s.status === 'failed',
      120_000,
      'the stream to end after the lost worker',
    );
    expect(states).toContain('reconnecting');
    const video = await until(
      async () =>
        (await (await call(live.creator, 'GET', `/videos/${live.stream.assetId}`)).json()) as {
          status: string;
          failure: { code: string; reason: string } | null;
        },
      (v) => v.status === 'ready' || v.status === 'failed',
      180_000,
      'the recording of the lost session',
    );
    if (video.status === 'failed') expect(video.failure?.reason).toBeTruthy();
    else expect(final.status).toBe('ended');
    // The worker is back for the next show
    await until(
      async () => cloud.liveIngest?.pid,
      (pid) => pid !== undefined,
      60_000,
      'the ingest worker restarted',
    );
  }, 400_000);
});
