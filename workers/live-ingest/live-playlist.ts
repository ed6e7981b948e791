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
 * Reads a playlist this module wrote, and ffmpeg's own in-progress one (tolerant of unknown tags).
 * Deliberately not the strict shared parser (shared/video/hls-playlist.ts): ffmpeg's last segment
 * of a session can run past the target duration, which the strict parser refuses, and refusing it
 * here stalled the agent's scan and its `done` (the rtmp test's short-session cases caught it).
 */
export function parseLivePlaylist(text: string): LivePlaylist {
  let mediaSequence = 0;
  let discontinuitySequence = 0;
  let targetDuration = 1;
  let map = '';
  let duration: number | undefined;
  let pdt = '';
  let discontinuity = false;
  const segments: LiveSegment[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number.parseInt(line.slice(22), 10) || 0;
    else if (line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:'))
      discontinuitySequence = Number.parseInt(line.slice(30), 10) || 0;
    else if (line.startsWith('#EXT-X-TARGETDURATION:'))
      targetDuration = Math.max(1, Number.parseInt(line.slice(22), 10) || 1);
    else if (line.startsWith('#EXT-X-MAP:')) map = /URI="([^"]*)"/.exec(line)?.[1] ?? map;
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = line.slice(25);
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (!line.startsWith('#')) {
      segments.push({
        seq: mediaSequence + segments.length,
        uri: line,
        duration: duration ?? 1,
        programDateTime: pdt,
        discontinuity,
        map,
      });
      duration = undefined;
      pdt = '';
      discontinuity = false;
    }
  }
  return {
    targetDuration,
    discontinuitySequence,
    nextSeq: mediaSequence + segments.length,
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
