import { describe, expect, it } from 'vitest';
import {
  appendSegment,
  emptyPlaylist,
  type LivePlaylist,
  namedObjects,
  parseLivePlaylist,
  renderLivePlaylist,
  renderMasterPlaylist,
  resolveKey,
  startSession,
} from '../../../../workers/live-ingest/live-playlist.ts';

const seg = (session: number, n: number, duration = 1) => ({
  uri: `../s${session}/720p/seg-${String(n).padStart(6, '0')}.m4s`,
  map: `../s${session}/720p/init.mp4`,
  duration,
  programDateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});

function session(playlist: LivePlaylist, s: number, count: number): LivePlaylist {
  let p = startSession(playlist);
  for (let n = 1; n <= count; n += 1) p = appendSegment(p, seg(s, n));
  return p;
}

describe('Module: live-playlist', () => {
  describe('Method: appendSegment', () => {
    it('keeps a sliding window of 6 and counts the media sequence', () => {
      const p = session(emptyPlaylist(), 1, 9);
      const text = renderLivePlaylist(p);
      expect(p.segments).toHaveLength(6);
      expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:3');
      expect(text).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:0');
      expect(text).not.toContain('#EXT-X-DISCONTINUITY\n');
      expect(text).toContain('#EXT-X-MAP:URI="../s1/720p/init.mp4"');
      expect(text.match(/#EXT-X-PROGRAM-DATE-TIME:/g)).toHaveLength(6);
      expect(text).toContain('#EXT-X-TARGETDURATION:1');
    });

    it('marks a new session with a discontinuity and a new map, and counts it once it leaves', () => {
      const first = session(emptyPlaylist(), 1, 4);
      // Another agent continues from what is in storage.
      const reread = parseLivePlaylist(renderLivePlaylist(first));
      const second = session(reread, 2, 2);
      const text = renderLivePlaylist(second);
      expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:0');
      expect(text).toMatch(
        /seg-000004\.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="\.\.\/s2\/720p\/init\.mp4"/,
      );
      const later = parseLivePlaylist(text);
      let p = later;
      for (let n = 3; n <= 6; n += 1) p = appendSegment(p, seg(2, n));
      // Window now starts at s2's first segment: its discontinuity is still in the window.
      expect(renderLivePlaylist(p)).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:0');
      p = appendSegment(p, seg(2, 7));
      const slid = renderLivePlaylist(p);
      expect(slid).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1');
      expect(slid).not.toContain('#EXT-X-DISCONTINUITY\n');
      expect(slid).toContain('#EXT-X-MEDIA-SEQUENCE:5');
      expect(slid.startsWith('#EXTM3U\n#EXT-X-VERSION:7\n')).toBe(true);
      expect(slid).toContain('#EXT-X-MAP:URI="../s2/720p/init.mp4"');
    });

    it('never shrinks the target duration', () => {
      let p = appendSegment(startSession(emptyPlaylist()), seg(1, 1, 2.2));
      p = appendSegment(p, seg(1, 2, 1));
      expect(renderLivePlaylist(p)).toContain('#EXT-X-TARGETDURATION:2');
    });
  });

  describe('Method: namedObjects', () => {
    it('resolves every segment and map against the playlist key', () => {
      const p = session(emptyPlaylist(), 3, 2);
      expect(namedObjects('videos/A/live/720p/index.m3u8', p).sort()).toEqual([
        'videos/A/live/s3/720p/init.mp4',
        'videos/A/live/s3/720p/seg-000001.m4s',
        'videos/A/live/s3/720p/seg-000002.m4s',
      ]);
      expect(resolveKey('videos/A/live/master.m3u8', '720p/index.m3u8')).toBe(
        'videos/A/live/720p/index.m3u8',
      );
    });
  });

  describe('Method: renderMasterPlaylist', () => {
    it('lists one variant per rendition with relative URIs', () => {
      const text = renderMasterPlaylist([
        { name: '720p', bandwidth: 3_000_000, width: 1280, height: 720, codecs: 'avc1.64001f,mp4a.40.2' },
        { name: '360p', bandwidth: 900_000, width: 640, height: 360, codecs: 'avc1.64001e,mp4a.40.2' },
      ]);
      expect(text).toContain(
        '#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"\n720p/index.m3u8',
      );
      expect(text).toContain('360p/index.m3u8');
    });
  });
});
