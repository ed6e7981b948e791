import { initSections, parseMediaPlaylist } from '#shared/video/hls-playlist.ts';

/**
 * The agent's own live media playlists (`videos/<assetId>/live/<rendition>/index.m3u8`): a sliding
 * window over every session's segments, numbered across sessions and across agents (a new session
 * starts from the playlist in storage, whoever wrote it). Pure functions over a small state.
 */
export const WINDOW_SEGMENTS = 6;

export interface LiveSegment {
  /** Media sequence number of this segment (across all sessions). */
  readonly seq: number;
  /** Relative to the playlist: `../s<n>/<rendition>/seg-000001.m4s`. */
  readonly uri: string;
  readonly duration: number;
  /** ISO 8601 wall-clock time of the segment's first frame. */
  readonly programDateTime: string;
  /** First segment of a session that follows another one. */
  readonly discontinuity: boolean;
  /** The init segment, relative like `uri`. */
  readonly map: string;
}

export interface LivePlaylist {
  readonly targetDuration: number;
  readonly discontinuitySequence: number;
  /** Sequence number the next appended segment gets. */
  readonly nextSeq: number;
  readonly segments: readonly LiveSegment[];
  /** Whether a previous session exists, so the next appended segment starts with a discontinuity. */
  readonly pendingDiscontinuity: boolean;
}

export const emptyPlaylist = (): LivePlaylist => ({
  targetDuration: 1,
  discontinuitySequence: 0,
  nextSeq: 0,
  segments: [],
  pendingDiscontinuity: false,
});

/**
 * Reads a playlist this module wrote, with the platform's one HLS parser (the strict one
 * vod-package and the transcoder verify with): a playlist in storage that does not parse is
 * refused rather than continued from a guess.
 */
export function parseLivePlaylist(text: string): LivePlaylist {
  const parsed = parseMediaPlaylist(text);
  const maps = initSections(parsed);
  const segments = parsed.segments.map((segment, index): LiveSegment => {
    const map = maps.findLast((section) => section.firstSegment <= index)?.uri ?? '';
    return {
      seq: parsed.mediaSequence + index,
      uri: segment.uri,
      duration: segment.duration,
      programDateTime: segment.programDateTime ?? '',
      discontinuity: segment.discontinuity === true,
      map,
    };
  });
  return {
    targetDuration: parsed.targetDuration,
    discontinuitySequence: parsed.discontinuitySequence ?? 0,
    nextSeq: parsed.mediaSequence + segments.length,
    segments,
    // startSession decides; a playlist read back mid-session continues without one.
    pendingDiscontinuity: false,
  };
}

/** A new publish session: its first segment is marked as a discontinuity when anything came before. */
export function startSession(playlist: LivePlaylist): LivePlaylist {
  return { ...playlist, pendingDiscontinuity: playlist.nextSeq > 0 };
}

/** Appends one segment and slides the window; a discontinuity leaving the window is counted. */
export function appendSegment(
  playlist: LivePlaylist,
  segment: Omit<LiveSegment, 'seq' | 'discontinuity'>,
  windowSize = WINDOW_SEGMENTS,
): LivePlaylist {
  const added: LiveSegment = {
    ...segment,
    seq: playlist.nextSeq,
    discontinuity: playlist.pendingDiscontinuity,
  };
  const all = [...playlist.segments, added];
  const dropped = all.slice(0, Math.max(0, all.length - windowSize));
  return {
    // TARGETDURATION must not shrink while the stream is live; it only grows when a segment needs it.
    targetDuration: Math.max(playlist.targetDuration, Math.round(segment.duration)),
    discontinuitySequence: playlist.discontinuitySequence + dropped.filter((s) => s.discontinuity).length,
    nextSeq: playlist.nextSeq + 1,
    segments: all.slice(dropped.length),
    pendingDiscontinuity: false,
  };
}

export function renderLivePlaylist(playlist: LivePlaylist): string {
  const first = playlist.segments[0];
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${playlist.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${first?.seq ?? playlist.nextSeq}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${playlist.discontinuitySequence}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  let map: string | undefined;
  for (const segment of playlist.segments) {
    if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (segment.map !== map) {
      lines.push(`#EXT-X-MAP:URI="${segment.map}"`);
      map = segment.map;
    }
    if (segment.programDateTime !== '') lines.push(`#EXT-X-PROGRAM-DATE-TIME:${segment.programDateTime}`);
    lines.push(`#EXTINF:${segment.duration.toFixed(3)},`, segment.uri);
  }
  return `${lines.join('\n')}\n`;
}

/** Every object a media playlist names, resolved against the playlist's own key. */
export function namedObjects(playlistKey: string, playlist: LivePlaylist): string[] {
  const names = new Set<string>();
  for (const segment of playlist.segments) {
    names.add(resolveKey(playlistKey, segment.map));
    names.add(resolveKey(playlistKey, segment.uri));
  }
  return [...names];
}

export function resolveKey(fromKey: string, relative: string): string {
  const parts = fromKey.split('/').slice(0, -1);
  for (const part of relative.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return parts.join('/');
}

export interface MasterVariant {
  readonly name: string;
  readonly bandwidth: number;
  readonly width: number;
  readonly height: number;
  readonly codecs: string;
}

/** `videos/<assetId>/live/master.m3u8`: one variant per rendition, relative URIs. */
export function renderMasterPlaylist(variants: readonly MasterVariant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidth},RESOLUTION=${v.width}x${v.height},CODECS="${v.codecs}"`,
      `${v.name}/index.m3u8`,
    );
  }
  return `${lines.join('\n')}\n`;
}
