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

/**
 * Browser caching. Playlists are short-lived for players (a re-transcode publishes a new master)
 * but kept at the edge until purged (Surrogate-Control); segments and images never change under
 * their name (every attempt writes a new folder), so they are immutable.
 */
export function cacheHeadersFor(type: MediaType): Record<string, string> {
  return type.playlist
    ? { 'Cache-Control': 'public, max-age=10', 'Surrogate-Control': 'max-age=86400' }
    : { 'Cache-Control': 'public, max-age=31536000, immutable' };
}
