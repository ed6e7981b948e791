/** The parts of an HLS media playlist the transcoder checks. */
export interface MediaPlaylist {
  readonly mapUri: string | null;
  readonly segments: readonly { readonly uri: string; readonly durationSeconds: number }[];
  readonly ended: boolean;
  readonly totalSeconds: number;
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (lines[0] !== '#EXTM3U') throw new SyntaxError('not an HLS playlist (no #EXTM3U)');
  let mapUri: string | null = null;
  let pending: number | null = null;
  let ended = false;
  const segments: { uri: string; durationSeconds: number }[] = [];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MAP:')) {
      mapUri = /URI="([^"]*)"/.exec(line)?.[1] ?? null;
    } else if (line.startsWith('#EXTINF:')) {
      pending = Number.parseFloat(line.slice('#EXTINF:'.length));
      if (!Number.isFinite(pending) || pending < 0) throw new SyntaxError(`bad duration in "${line}"`);
    } else if (line === '#EXT-X-ENDLIST') {
      ended = true;
    } else if (line !== '' && !line.startsWith('#')) {
      if (pending === null) throw new SyntaxError(`segment "${line}" has no #EXTINF`);
      segments.push({ uri: line, durationSeconds: pending });
      pending = null;
    }
  }
  const totalSeconds = segments.reduce((sum, segment) => sum + segment.durationSeconds, 0);
  return { mapUri, segments, ended, totalSeconds };
}

/** The same playlist with its EXT-X-MAP pointing at `uri`. */
export function withMapUri(text: string, uri: string): string {
  return text.replace(/^(#EXT-X-MAP:.*URI=")[^"]*(")/m, `$1${uri}$2`);
}
