import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '#shared/video/hls-playlist.ts';
import { withMapUri } from '../../../../workers/transcoder/media/outputs.ts';

// The playlist ffmpeg writes for one rendition, as the transcoder reads it back before upload (with
// the strict parser vod-package verifies with).
const PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:1',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MAP:URI="init_720p.mp4"',
  '#EXTINF:4.000000,',
  'seg-00001.m4s',
  '#EXTINF:1.500000,',
  'seg-00002.m4s',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

describe('parseMediaPlaylist on a transcoder playlist', () => {
  it('reads the init segment, each segment with its duration, the total and the end marker', () => {
    const playlist = parseMediaPlaylist(PLAYLIST);
    expect(playlist.map).toEqual({ uri: 'init_720p.mp4' });
    expect(playlist.maps).toBeUndefined();
    expect(playlist.segments.map(({ uri, duration }) => ({ uri, duration }))).toEqual([
      { uri: 'seg-00001.m4s', duration: 4 },
      { uri: 'seg-00002.m4s', duration: 1.5 },
    ]);
    expect(playlist.segments.reduce((sum, segment) => sum + segment.duration, 0)).toBe(5.5);
    expect(playlist.endList).toBe(true);
  });

  it('notices a playlist that was never finished', () => {
    expect(parseMediaPlaylist(PLAYLIST.replace('#EXT-X-ENDLIST', '')).endList).toBe(false);
  });

  it('rejects what is not a playlist, a bad duration and a segment without EXTINF', () => {
    expect(() => parseMediaPlaylist('hello')).toThrow(/first line must be #EXTM3U/);
    expect(() => parseMediaPlaylist(PLAYLIST.replace('#EXTINF:1.500000,', '#EXTINF:x,'))).toThrow(
      /"x" is not a duration/,
    );
    expect(() => parseMediaPlaylist(PLAYLIST.replace('#EXTINF:1.500000,\n', ''))).toThrow(
      /without a preceding #EXTINF/,
    );
  });
});

describe('withMapUri', () => {
  it('points EXT-X-MAP at the new name and changes nothing else', () => {
    const renamed = withMapUri(PLAYLIST, 'init.mp4');
    expect(renamed).toBe(PLAYLIST.replace('init_720p.mp4', 'init.mp4'));
    expect(parseMediaPlaylist(renamed).map?.uri).toBe('init.mp4');
  });
});
