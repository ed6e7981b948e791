import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const HLS_LIGHT = fileURLToPath(new URL('../../node_modules/hls.js/dist/hls.light.min.js', import.meta.url));

/**
 * The player page: hls.js (its light build) on a muted, autoplaying <video>. The playback URL
 * comes in the fragment. `window.player` reports decoded frames, the live edge latency and
 * errors; `window.player.renew(url)` swaps the token for the requests that follow (each request
 * URL's `/t/<token>/` prefix is rewritten), which is how a page renews a playback token during a
 * long show without reloading the stream.
 */
const PLAYER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>player</title></head>
<body><video id="video" muted autoplay playsinline width="640" height="360"></video>
<script src="/hls.js"></script><script src="/player.js"></script></body></html>`;

const PLAYER_JS = `
const video = document.getElementById('video');
const state = { errors: [], fatal: null, levelsLoaded: 0, requests: [], token: null };
const tokenOf = (url) => (/\\/t\\/([^/]+)\\//.exec(url) || [])[1] || null;
const rewrite = (url) => (state.token ? url.replace(/\\/t\\/[^/]+\\//, '/t/' + state.token + '/') : url);
window.player = {
  state,
  frames: () => (video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality().totalVideoFrames : 0),
  latency: () => (hls.latency ?? null),
  // Wall clock minus the program date-time being shown: glass-to-glass from the ingest's clock.
  behindLive: () => (hls.playingDate ? Date.now() - hls.playingDate.getTime() : null),
  currentTime: () => video.currentTime,
  renew: (url) => { state.token = tokenOf(url); },
};
const source = decodeURIComponent(location.hash.slice(1));
state.token = tokenOf(source);
const hls = new Hls({
  liveSyncDurationCount: 3,
  manifestLoadingMaxRetry: 6,
  levelLoadingMaxRetry: 6,
  fragLoadingMaxRetry: 6,
  xhrSetup: (xhr, url) => {
    const target = rewrite(url);
    state.requests.push(target);
    if (state.requests.length > 500) state.requests.shift();
    xhr.open('GET', target, true);
  },
});
hls.on(Hls.Events.LEVEL_LOADED, () => { state.levelsLoaded += 1; });
hls.on(Hls.Events.ERROR, (_event, data) => {
  state.errors.push(data.details + (data.response ? ' ' + data.response.code : ''));
  if (data.fatal) state.fatal = data.details;
});
hls.loadSource(source);
hls.attachMedia(video);
hls.on(Hls.Events.MANIFEST_PARSED, () => { video.play().catch((e) => state.errors.push('play: ' + e.message)); });
`;

export interface PlayerServer {
  readonly url: string;
  /** The player page for a playback URL. */
  pageFor(playbackUrl: string): string;
  close(): Promise<void>;
}

/** Serves the player page and hls.js from node_modules on a port of its own. */
export async function startPlayerServer(): Promise<PlayerServer> {
  const hls = await readFile(HLS_LIGHT);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const [type, body] =
      path === '/hls.js'
        ? ['text/javascript', hls]
        : path === '/player.js'
          ? ['text/javascript', PLAYER_JS]
          : ['text/html; charset=utf-8', PLAYER_HTML];
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pageFor: (playbackUrl) => `${url}/player.html#${encodeURIComponent(playbackUrl)}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface PlayerReading {
  readonly frames: number;
  readonly currentTime: number;
  readonly latency: number | null;
  /** ms between now and the program date-time of the frame on screen (null before PDT is known). */
  readonly behindLiveMs: number | null;
  readonly errors: readonly string[];
  readonly fatal: string | null;
}

export async function readPlayer(page: Page): Promise<PlayerReading> {
  return page.evaluate<PlayerReading>(
    '({ frames: window.player.frames(), currentTime: window.player.currentTime(), latency: window.player.latency(), behindLiveMs: window.player.behindLive(), errors: window.player.state.errors.slice(-10), fatal: window.player.state.fatal })',
  );
}

/** Waits until the player has decoded more than `frames` frames; throws with its errors otherwise. */
export async function waitForFrames(page: Page, frames: number, timeoutMs = 90_000): Promise<PlayerReading> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reading = await readPlayer(page);
    if (reading.frames > frames) return reading;
    if (reading.fatal || Date.now() > deadline) {
      throw new Error(`the player decoded ${reading.frames} frames; errors: ${reading.errors.join(', ')}`);
    }
    await page.waitForTimeout(250);
  }
}
