/** One encoder run of a recording: its init segment and its segments, in order. */
export interface PlaylistRun {
  readonly mapUri: string;
  readonly segments: readonly { readonly uri: string; readonly durationSeconds: number }[];
}

/**
 * The VOD media playlist of a recorded live show: the runs one after another, each after the
 * first preceded by EXT-X-DISCONTINUITY (its timestamps restart and its encoder may differ) and
 * its own EXT-X-MAP. One run gives exactly the playlist ffmpeg writes for an fMP4 VOD.
 */
export function renderJoinedPlaylist(runs: readonly PlaylistRun[]): string {
  if (runs.length === 0 || runs.some((run) => run.segments.length === 0)) {
    throw new RangeError('a joined playlist needs runs with segments');
  }
  const durations = runs.flatMap((run) => run.segments.map((segment) => segment.durationSeconds));
  // RFC 8216 §4.3.3.1: every EXTINF rounded to the nearest integer is at most the target duration.
  const target = Math.max(1, ...durations.map((duration) => Math.round(duration)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:1',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  runs.forEach((run, index) => {
    if (index > 0) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-MAP:URI="${run.mapUri}"`);
    for (const segment of run.segments) {
      if (!(segment.durationSeconds > 0)) throw new RangeError(`segment ${segment.uri} has no duration`);
      lines.push(`#EXTINF:${segment.durationSeconds.toFixed(6)},`, segment.uri);
    }
  });
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
