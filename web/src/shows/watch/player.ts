/**
 * The watch page's player: hls.js (its light build, a lazy chunk loaded only here) into a
 * <video>, or the browser's own HLS where there is no MediaSource (Safari on iPhone).
 *
 * Renewing the playback URL swaps the token only: every request hls.js makes afterwards (live
 * playlist reloads, segments) goes out with the new token through `xhrSetup`, so the buffer, the
 * position and the loader stay as they are and nothing stalls. `hls.loadSource` would restart the
 * stream, so it is used only when the new URL names another stream (a live show's recording).
 */
import { sameStream, tokenOf, withToken } from './playback-token.ts';

export interface PlayerEvents {
  /** The edge refused a request (403: the ticket was revoked, or 410: the URL expired). */
  readonly onRefused: (status: number) => void;
  /** Playback cannot go on; `reason` is hls.js's error detail. */
  readonly onFailed: (reason: string) => void;
}

export interface PlayerHandle {
  /** A fresh playback URL: same stream → new token for what follows; another stream → load it. */
  renew(url: string): void;
  /** Seconds behind the live edge (live only; null before it is known). */
  latency(): number | null;
  /** Jump to the live edge. */
  goLive(): void;
  /** Start loading again after a refusal was answered with a fresh URL. */
  resume(): void;
  destroy(): void;
}

export type PlayerStart =
  | { readonly kind: 'playing'; readonly handle: PlayerHandle }
  | { readonly kind: 'unsupported' };

export async function startPlayer(
  video: HTMLVideoElement,
  url: string,
  live: boolean,
  events: PlayerEvents,
): Promise<PlayerStart> {
  const { default: Hls } = await import('hls.js/light');
  if (Hls.isSupported()) {
    let current = url;
    let token = tokenOf(url);
    const hls = new Hls({
      // fMP4 segments need no transmuxing: no worker (the CSP allows none from blob:)
      enableWorker: false,
      liveSyncDurationCount: 3,
      manifestLoadingMaxRetry: 4,
      levelLoadingMaxRetry: 4,
      fragLoadingMaxRetry: 4,
      xhrSetup: (xhr, requestUrl) => {
        xhr.open('GET', withToken(requestUrl, token), true);
      },
    });
    let recoveredAt = 0;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      const status = data.response?.code;
      if (!data.fatal) {
        if (status === 403 || status === 410) events.onRefused(status);
        return;
      }
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR && (status === 403 || status === 410)) {
        events.onRefused(status);
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && Date.now() - recoveredAt > 5000) {
        recoveredAt = Date.now();
        hls.recoverMediaError();
      } else {
        events.onFailed(data.details);
      }
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      video.play().catch(() => undefined); // autoplay refused: the controls are there
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    return {
      kind: 'playing',
      handle: {
        renew(next) {
          token = tokenOf(next);
          if (!sameStream(current, next)) {
            current = next;
            hls.loadSource(next);
          }
        },
        latency: () => (live && Number.isFinite(hls.latency) ? hls.latency : null),
        goLive() {
          const edge = hls.liveSyncPosition;
          if (edge !== null && edge !== undefined) video.currentTime = edge;
        },
        resume: () => hls.startLoad(),
        destroy: () => hls.destroy(),
      },
    };
  }
  if (video.canPlayType('application/vnd.apple.mpegurl') !== '') {
    // The browser fetches by itself: a new token means a new source, resumed where it was.
    video.src = url;
    video.addEventListener('error', () => events.onFailed(video.error?.message ?? 'media error'));
    void video.play().catch(() => undefined);
    return {
      kind: 'playing',
      handle: {
        renew(next) {
          const at = video.currentTime;
          video.src = next;
          if (!live) video.currentTime = at;
          void video.play().catch(() => undefined);
        },
        latency: () => null,
        goLive() {
          if (video.seekable.length > 0) video.currentTime = video.seekable.end(video.seekable.length - 1);
        },
        resume: () => undefined,
        destroy() {
          video.removeAttribute('src');
          video.load();
        },
      },
    };
  }
  return { kind: 'unsupported' };
}
