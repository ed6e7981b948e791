import { ID_PATTERN } from '../ids.ts';

/**
 * Where a video's objects live. Every name is derived from the asset id and the attempt number,
 * never from anything a client sent.
 *
 * raw-video bucket:  uploads/<assetId>/source
 * media bucket:      videos/<assetId>/v<attempt>/<rendition>/{index.m3u8, init.mp4, seg-00001.m4s, …}
 *                    videos/<assetId>/v<attempt>/{poster.jpg, thumbs/0001.jpg, …}
 *                    videos/<assetId>/v<attempt>/transcode.json   (completion manifest, written last)
 *                    videos/<assetId>/v<attempt>/master.m3u8      (written by vod-package)
 */
export function rawVideoKey(assetId: string): string {
  return `uploads/${assetId}/source`;
}

export function assetIdFromRawKey(key: string): string | undefined {
  const match = /^uploads\/([0-9A-Z]{26})\/source$/.exec(key);
  return match?.[1] !== undefined && ID_PATTERN.test(match[1]) ? match[1] : undefined;
}

/** Folder of every video object of an asset (all attempts); the CDN token is bound to it. */
export function assetPrefix(assetId: string): string {
  return `videos/${assetId}/`;
}

/** Folder of one transcoding attempt's outputs. Attempts never share a name. */
export function attemptPrefix(assetId: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt must be a positive integer');
  return `${assetPrefix(assetId)}v${attempt}/`;
}

export const COMPLETION_MANIFEST_NAME = 'transcode.json';
export const MASTER_PLAYLIST_NAME = 'master.m3u8';

export function completionManifestKey(assetId: string, attempt: number): string {
  return `${attemptPrefix(assetId, attempt)}${COMPLETION_MANIFEST_NAME}`;
}

export function masterPlaylistKey(assetId: string, attempt: number): string {
  return `${attemptPrefix(assetId, attempt)}${MASTER_PLAYLIST_NAME}`;
}

/** `videos/<id>/v<n>/transcode.json` → its asset and attempt; anything else → undefined. */
export function parseCompletionManifestKey(key: string): { assetId: string; attempt: number } | undefined {
  const match = /^videos\/([0-9A-Z]{26})\/v([1-9][0-9]{0,8})\/transcode\.json$/.exec(key);
  if (!match?.[1] || !match[2] || !ID_PATTERN.test(match[1])) return undefined;
  return { assetId: match[1], attempt: Number(match[2]) };
}

/** The CDN surrogate key every object of an asset is tagged with; one purge clears them all. */
export function surrogateKeyFor(assetId: string): string {
  return `video-${assetId}`;
}

/**
 * A path relative to an attempt folder, as a manifest or a playlist names it: no scheme, no
 * leading slash, no `.`/`..` segments, no backslashes, only safe characters.
 */
export function isSafeRelativeKey(key: string): boolean {
  if (key.length === 0 || key.length > 200) return false;
  if (!/^[A-Za-z0-9._\-/]+$/.test(key)) return false;
  return key.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
