import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist, withMapUri } from '../../workers/transcoder/media/hls-playlist.ts';

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

describe('parseMediaPlaylist', () => {
  it('reads the init segment, each segment with its duration, the total and the end marker', () => {
    expect(parseMediaPlaylist(PLAYLIST)).toEqual({
      mapUri: 'init_720p.mp4',
      segments: [
        { uri: 'seg-00001.m4s', durationSeconds: 4 },
        { uri: 'seg-00002.m4s', durationSeconds: 1.5 },
      ],
      ended: true,
      totalSeconds: 5.5,
    });
  });

  it('notices a playlist that was never finished', () => {
    expect(parseMediaPlaylist(PLAYLIST.replace('#EXT-X-ENDLIST', '')).ended).toBe(false);
  });

  it('rejects what is not a playlist, a bad duration and a segment without EXTINF', () => {
    expect(() => parseMediaPlaylist('hello')).toThrow(/no #EXTM3U/);
    expect(() => parseMediaPlaylist(PLAYLIST.replace('#EXTINF:1.500000,', '#EXTINF:x,'))).toThrow(
      /bad duration/,
    );
    expect(() => parseMediaPlaylist(PLAYLIST.replace('#EXTINF:1.500000,\n', ''))).toThrow(/has no #EXTINF/);
  });
});

describe('withMapUri', () => {
  it('points EXT-X-MAP at the new name and changes nothing else', () => {
    const renamed = withMapUri(PLAYLIST, 'init.mp4');
    expect(renamed).toBe(PLAYLIST.replace('init_720p.mp4', 'init.mp4'));
    expect(parseMediaPlaylist(renamed).mapUri).toBe('init.mp4');
  });
});
