import { describe, expect, it } from 'vitest';
import { initSections, PlaylistParseError, parseMediaPlaylist } from '#shared/video/hls-playlist.ts';
import { renderJoinedPlaylist } from '../../../../workers/transcoder/live/joined-playlist.ts';
import { groupSessions, planRecording } from '../../../../workers/transcoder/live/recording-plan.ts';

const segments = (session: number, rendition: string, count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => ({
    key: `s${session}/${rendition}/seg-${String(from + i).padStart(6, '0')}.m4s`,
    size: 1000,
  }));
const init = (session: number, rendition: string, size = 800) => ({
  key: `s${session}/${rendition}/init.mp4`,
  size,
});

describe('Function: planRecording', () => {
  it('keeps every session with segments, tallest rendition first, and skips empty sessions', () => {
    // Prepare
    const objects = [
      ...[init(1, '360p'), ...segments(1, '360p', 5), init(1, '720p'), ...segments(1, '720p', 5)],
      init(2, '720p'), // a session that never got a segment
      ...[init(3, '720p'), ...segments(3, '720p', 2), init(3, '360p'), ...segments(3, '360p', 2)],
      { key: '720p/index.m3u8', size: 300 },
      { key: 'master.m3u8', size: 200 },
    ];

    // Act
    const plan = planRecording(objects, 3);

    // Assess
    expect(plan.renditions).toEqual(['720p', '360p']);
    expect(plan.sessions).toEqual([
      { session: 1, pieces: [{ first: 1, last: 5 }], segmentCount: 5 },
      { session: 3, pieces: [{ first: 1, last: 2 }], segmentCount: 2 },
    ]);
    expect(plan.trimmed).toEqual([]);
  });

  it('keeps the segments every rendition has, in gap-free pieces, so renditions stay aligned', () => {
    // Prepare: 360p lost its 4th segment and stops at 7, 720p lost its 7th and goes on to 9
    const objects = [
      init(1, '720p'),
      ...segments(1, '720p', 6),
      ...segments(1, '720p', 2, 8),
      init(1, '360p'),
      ...segments(1, '360p', 3),
      ...segments(1, '360p', 3, 5),
    ];

    // Act
    const plan = planRecording(objects, 1);

    // Assess
    expect(plan.sessions).toEqual([
      {
        session: 1,
        pieces: [
          { first: 1, last: 3 },
          { first: 5, last: 6 },
        ],
        segmentCount: 5,
      },
    ]);
    expect(plan.trimmed).toEqual([1]);
  });

  it('ignores sessions past the job, empty objects, renditions missing from a session, and junk names', () => {
    // Prepare
    const objects = [
      init(1, '720p'),
      ...segments(1, '720p', 3),
      init(1, '480p'),
      ...segments(1, '480p', 3),
      init(2, '720p'),
      ...segments(2, '720p', 3),
      { key: 's2/720p/seg-000004.m4s', size: 0 },
      init(9, '720p'),
      ...segments(9, '720p', 3),
      { key: 's1/720p/../../x/seg-000001.m4s', size: 10 },
      { key: 's1/720p/seg-1.m4s', size: 10 },
    ];

    // Act
    const plan = planRecording(objects, 2);

    // Assess: 480p is missing from session 2, so it is left out everywhere
    expect(plan.renditions).toEqual(['720p']);
    expect(plan.sessions).toEqual([
      { session: 1, pieces: [{ first: 1, last: 3 }], segmentCount: 3 },
      { session: 2, pieces: [{ first: 1, last: 3 }], segmentCount: 3 },
    ]);
  });

  it('has nothing to plan when no session has an init segment and a first segment', () => {
    expect(planRecording([init(1, '720p'), ...segments(2, '720p', 3, 2)], 2)).toEqual({
      renditions: [],
      sessions: [],
      trimmed: [],
    });
  });
});

describe('Function: groupSessions', () => {
  it('joins consecutive sessions with identical init segments and splits where any rendition changes', () => {
    // Prepare
    const inits: Record<number, string[]> = { 1: ['a', 'x'], 3: ['a', 'x'], 4: ['a', 'y'], 5: ['a', 'x'] };
    const sessions = [1, 3, 4, 5].map((session) => ({ session }));

    // Act
    const groups = groupSessions(sessions, (session) => inits[session] ?? []);

    // Assess
    expect(groups.map((group) => group.map((s) => s.session))).toEqual([[1, 3], [4], [5]]);
  });
});

describe('Function: renderJoinedPlaylist', () => {
  it('writes runs with a discontinuity and a new map that the strict parser reads back', () => {
    // Act
    const text = renderJoinedPlaylist([
      {
        mapUri: 'init.mp4',
        segments: [
          { uri: 'seg-00001.m4s', durationSeconds: 4 },
          { uri: 'seg-00002.m4s', durationSeconds: 4.022982 },
        ],
      },
      { mapUri: 'init-2.mp4', segments: [{ uri: 'seg-00003.m4s', durationSeconds: 2.5 }] },
    ]);
    const playlist = parseMediaPlaylist(text);

    // Assess
    expect(playlist.targetDuration).toBe(4);
    expect(playlist.playlistType).toBe('VOD');
    expect(playlist.endList).toBe(true);
    expect(initSections(playlist)).toEqual([
      { uri: 'init.mp4', firstSegment: 0 },
      { uri: 'init-2.mp4', firstSegment: 2 },
    ]);
    expect(playlist.segments.map((segment) => segment.discontinuity ?? false)).toEqual([false, false, true]);
  });

  it('writes exactly one map and no discontinuity for one run', () => {
    const text = renderJoinedPlaylist([
      { mapUri: 'init.mp4', segments: [{ uri: 'a.m4s', durationSeconds: 3 }] },
    ]);
    expect(text).not.toContain('DISCONTINUITY');
    expect(parseMediaPlaylist(text).maps).toBeUndefined();
  });

  it('refuses runs without segments', () => {
    expect(() => renderJoinedPlaylist([{ mapUri: 'init.mp4', segments: [] }])).toThrow(RangeError);
  });
});

describe('Function: parseMediaPlaylist (joined runs)', () => {
  const head =
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="a.mp4"\n#EXTINF:4.0,\n1.m4s\n';

  it.each([
    ['a second map without a discontinuity', `${head}#EXT-X-MAP:URI="b.mp4"\n#EXTINF:4.0,\n2.m4s\n`, 7],
    [
      'two maps after one discontinuity',
      `${head}#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="b.mp4"\n#EXT-X-MAP:URI="c.mp4"\n#EXTINF:4.0,\n2.m4s\n`,
      9,
    ],
    ['a discontinuity inside a segment', `${head}#EXTINF:4.0,\n#EXT-X-DISCONTINUITY\n2.m4s\n`, 8],
  ])('refuses %s, naming the line', (_name, text, line) => {
    let error: unknown;
    try {
      parseMediaPlaylist(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PlaylistParseError);
    expect((error as PlaylistParseError).line).toBe(line);
  });

  it('reports a playlist whose first segment has no map, so packaging can refuse it', () => {
    const text =
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n1.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="b.mp4"\n#EXTINF:4.0,\n2.m4s\n';
    expect(initSections(parseMediaPlaylist(text))).toEqual([{ uri: 'b.mp4', firstSegment: 1 }]);
  });
});
