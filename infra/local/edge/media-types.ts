/** What the edge serves, by file extension; anything else in the bucket (e.g. transcode.json) is not served. */
export interface MediaType {
  readonly contentType: string;
  /** Playlists are small, read often and cached at the edge until purged. */
  readonly playlist: boolean;
}

const MEDIA_TYPES: Readonly<Record<string, MediaType>> = {
  m3u8: { contentType: 'application/vnd.apple.mpegurl', playlist: true },
  m4s: { contentType: 'video/iso.segment', playlist: false },
  mp4: { contentType: 'video/mp4', playlist: false },
  ts: { contentType: 'video/mp2t', playlist: false },
  jpg: { contentType: 'image/jpeg', playlist: false },
  jpeg: { contentType: 'image/jpeg', playlist: false },
  vtt: { contentType: 'text/vtt; charset=utf-8', playlist: false },
};

export function mediaTypeOf(objectPath: string): MediaType | undefined {
  const dot = objectPath.lastIndexOf('.');
  if (dot < 0 || dot < objectPath.lastIndexOf('/')) return undefined;
  return MEDIA_TYPES[objectPath.slice(dot + 1).toLowerCase()];
}

/** How long the edge and players keep a live playlist: the agent rewrites it every 1 s segment. */
export const LIVE_PLAYLIST_TTL_SECONDS = 1;

/**
 * A live stream's playlist: `videos/<assetId>/live/…/*.m3u8` (its rendition playlists and master),
 * rewritten by the ingest agent as segments arrive. Its segments and init segments are not: they
 * never change under their name, like a VOD's.
 */
export function isLivePlaylist(objectPath: string, type: MediaType): boolean {
  return type.playlist && /^videos\/[^/]+\/live\//.test(objectPath);
}

/**
 * Browser caching. VOD playlists are short-lived for players (a re-transcode publishes a new
 * master) but kept at the edge until purged (Surrogate-Control); live playlists live 1 s in both;
 * segments and images never change under their name (every attempt and every live session writes
 * a new folder), so they are immutable.
 */
export function cacheHeadersFor(type: MediaType, live = false): Record<string, string> {
  if (live) {
    const maxAge = `max-age=${LIVE_PLAYLIST_TTL_SECONDS}`;
    return { 'Cache-Control': `public, ${maxAge}`, 'Surrogate-Control': maxAge };
  }
  return type.playlist
    ? { 'Cache-Control': 'public, max-age=10', 'Surrogate-Control': 'max-age=86400' }
    : { 'Cache-Control': 'public, max-age=31536000, immutable' };
}
