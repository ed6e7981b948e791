import type { Browser } from 'playwright-core';
import { ensureOperatorKey } from '../infra/local/bootstrap.ts';
import { spawnChild } from '../infra/local/child-processes.ts';
import type { LocalCloud } from '../infra/local/cloud.ts';
import { readPlayer, startPlayerServer, waitForFrames } from '../test/support/hls-player.ts';
import { createLiveShow, publishRtmp, until } from '../test/support/live.ts';
import { startWhipPublisher } from '../workers/live-ingest/whip/whip-publisher.ts';
import { median, round } from './lib/stats.ts';

const TARGET_MS = 6_000;
const SAMPLE_SECONDS = Number(process.env.BENCH_LIVE_SAMPLE_SECONDS ?? 20);

/**
 * Glass-to-glass over RTMP or WHIP: an encoder (ffmpeg, 720p30 H.264, real time; over WHIP through
 * a werift peer connection, as a browser would send) publishes to the local ingest worker; a ticket holder's page in headless Chromium plays the live HLS with hls.js through
 * the tokenised local edge (no CDN hop). Sampled every 500 ms for SAMPLE_SECONDS once playing:
 * wall clock minus the program date-time of the frame on screen. The ingest stamps program
 * date-time from its own clock when the ladder receives a segment's first frame, so the figure
 * leaves out the encoder's own capture-to-send delay (a few frames for a local ffmpeg with
 * zerolatency); it includes the ladder, segmenting, uploads, playlists, the edge and the player's
 * buffer. Also reported: hls.js's own estimate of its distance to the live edge.
 */
export async function benchLiveGlassToGlass(
  cloud: LocalCloud,
  dataDir: string,
  browser: Browser,
  protocol: 'rtmp' | 'whip' = 'rtmp',
): Promise<Record<string, unknown>> {
  if (!cloud.liveIngest) throw new Error('the local cloud runs no live ingest worker');
  const operator = (await ensureOperatorKey(cloud.mysqlUrl, dataDir)).plaintext;
  const live = await createLiveShow(cloud.gatewayUrl, operator, { title: `Glass to glass (${protocol})` });
  await live.buyTicket();
  const urls = cloud.liveIngest.urls;
  const publisher =
    protocol === 'rtmp'
      ? publishRtmp(urls.rtmp, live.streamKey, { width: 1280, height: 720 })
      : await startWhipPublisher({
          url: urls.whip,
          streamKey: live.streamKey,
          width: 1280,
          height: 720,
          spawn: (command, args) => spawnChild(command, args, { stdio: 'ignore' }),
        });
  const stopPublisher = () => ('stop' in publisher ? publisher.stop() : publisher.close());
  const player = await startPlayerServer();
  const page = await browser.newPage();
  try {
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
    await page.goto(player.pageFor(url));
    await waitForFrames(page, 30, 90_000);
    const behind: number[] = [];
    const toEdge: number[] = [];
    const endAt = Date.now() + SAMPLE_SECONDS * 1000;
    while (Date.now() < endAt) {
      const reading = await readPlayer(page);
      if (reading.behindLiveMs !== null) behind.push(reading.behindLiveMs);
      if (reading.latency !== null) toEdge.push(reading.latency * 1000);
      await page.waitForTimeout(500);
    }
    if (behind.length === 0) throw new Error('the player never knew a program date-time');
    const medianMs = median(behind);
    return {
      protocol,
      samples: behind.length,
      glassToGlassMs: {
        median: round(medianMs, 0),
        min: round(Math.min(...behind), 0),
        max: round(Math.max(...behind), 0),
      },
      hlsJsDistanceToLiveEdgeMs: toEdge.length > 0 ? round(median(toEdge), 0) : null,
      target: `<= ${TARGET_MS} ms (median, without a CDN hop)`,
      met: medianMs <= TARGET_MS,
    };
  } finally {
    await page.close();
    await player.close();
    await stopPublisher();
  }
}
