import { describe, expect, it } from 'vitest';
import {
  initSections,
  MAX_PLAYLIST_BYTES,
  type MasterVariantInput,
  PlaylistParseError,
  parseMasterPlaylist,
  parseMediaPlaylist,
  renderMasterPlaylist,
} from '#shared/video/hls-playlist.ts';

/** The shape ffmpeg 5.1 writes for `-hls_segment_type fmp4 -hls_playlist_type vod -hls_flags independent_segments`. */
const FFMPEG_VOD = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:1',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:4.000000,',
  'seg-00001.m4s',
  '#EXTINF:4.000000,',
  'seg-00002.m4s',
  '#EXTINF:1.533333,',
  'seg-00003.m4s',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

/** What ffmpeg's own `-master_pl_name` writes (no AVERAGE-BANDWIDTH, no FRAME-RATE, blank separators). */
const FFMPEG_MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-STREAM-INF:BANDWIDTH=950400,RESOLUTION=640x360,CODECS="avc1.42c01e,mp4a.40.2"',
  '360p/index.m3u8',
  '',
  '#EXT-X-STREAM-INF:BANDWIDTH=400400,RESOLUTION=320x180,CODECS="avc1.42c00d,mp4a.40.2"',
  '180p/index.m3u8',
  '',
].join('\n');

function parseError(parse: () => unknown): PlaylistParseError {
  try {
    parse();
  } catch (error) {
    if (error instanceof PlaylistParseError) return error;
    throw error;
  }
  throw new Error('expected a PlaylistParseError');
}

/** FFMPEG_VOD with line `number` (1-based) replaced by `text`, or removed when `text` is undefined. */
function withLine(number: number, text: string | undefined): string {
  const lines = FFMPEG_VOD.split('\n');
  lines.splice(number - 1, 1, ...(text === undefined ? [] : [text]));
  return lines.join('\n');
}

describe('parseMediaPlaylist', () => {
  it('reads an ffmpeg fMP4 VOD playlist', () => {
    const playlist = parseMediaPlaylist(FFMPEG_VOD);
    expect(playlist).toEqual({
      version: 7,
      targetDuration: 4,
      mediaSequence: 1,
      playlistType: 'VOD',
      independentSegments: true,
      map: { uri: 'init.mp4' },
      segments: [
        { uri: 'seg-00001.m4s', duration: 4, line: 9 },
        { uri: 'seg-00002.m4s', duration: 4, line: 11 },
        { uri: 'seg-00003.m4s', duration: 1.533333, line: 13 },
      ],
      endList: true,
    });
  });

  it('reads bytes and CRLF line endings, skipping comments, blank lines and unknown tags', () => {
    const text = withLine(
      8,
      '# a comment\n\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n#EXTINF:4.000000,title',
    )
      .split('\n')
      .join('\r\n');
    const playlist = parseMediaPlaylist(new TextEncoder().encode(text));
    expect(playlist.segments.map((segment) => segment.uri)).toEqual([
      'seg-00001.m4s',
      'seg-00002.m4s',
      'seg-00003.m4s',
    ]);
  });

  it('defaults what a live or minimal playlist leaves out', () => {
    const playlist = parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n');
    expect(playlist).toMatchObject({
      version: 1,
      mediaSequence: 0,
      playlistType: undefined,
      independentSegments: false,
      map: undefined,
      endList: false,
    });
  });

  it('applies the rounding rule of EXTINF against the target duration', () => {
    expect(parseMediaPlaylist(withLine(12, '#EXTINF:4.499,')).segments[2]?.duration).toBe(4.499);
    const error = parseError(() => parseMediaPlaylist(withLine(12, '#EXTINF:4.5,')));
    expect(error.line).toBe(12);
    expect(error.message).toMatch(/rounds above #EXT-X-TARGETDURATION 4/);
  });

  it.each([
    [
      'a missing #EXTM3U',
      (text: string) => text.replace('#EXTM3U', '#EXT-X-FOO'),
      1,
      /first line must be #EXTM3U/,
    ],
    ['a byte order mark', (text: string) => `\uFEFF${text}`, 1, /byte order mark/],
    ['a control character', () => withLine(9, 'seg-0\u00001.m4s'), 9, /control character U\+0000/],
    ['a URI without #EXTINF', () => withLine(8, undefined), 8, /URI line without a preceding #EXTINF/],
    ['#EXTINF without a URI', () => withLine(9, '#EXTINF:4.000000,'), 9, /#EXTINF on line 8 has no URI/],
    ['a trailing #EXTINF', () => withLine(14, '#EXTINF:1.0,'), 14, /#EXTINF has no URI/],
    ['a negative duration', () => withLine(10, '#EXTINF:-4.0,'), 10, /"-4.0" is not a duration/],
    ['a zero duration', () => withLine(10, '#EXTINF:0.000,'), 10, /greater than 0/],
    [
      'a non-integer target duration',
      () => withLine(3, '#EXT-X-TARGETDURATION:4.0'),
      3,
      /not a decimal integer/,
    ],
    ['a repeated tag', () => withLine(4, '#EXT-X-VERSION:7'), 4, /#EXT-X-VERSION appears more than once/],
    ['an unknown playlist type', () => withLine(5, '#EXT-X-PLAYLIST-TYPE:LIVE'), 5, /VOD or EVENT/],
    ['a value on a flag tag', () => withLine(6, '#EXT-X-INDEPENDENT-SEGMENTS:YES'), 6, /takes no value/],
    ['an unquoted map URI', () => withLine(7, '#EXT-X-MAP:URI=init.mp4'), 7, /needs a quoted URI/],
    [
      'an unterminated map URI',
      () => withLine(7, '#EXT-X-MAP:URI="init.mp4'),
      7,
      /unterminated quoted string/,
    ],
    [
      'a map byte range',
      () => withLine(7, '#EXT-X-MAP:URI="a.mp4",BYTERANGE="720@0"'),
      7,
      /BYTERANGE is not supported/,
    ],
    [
      'a byte range segment',
      () => withLine(10, '#EXT-X-BYTERANGE:1000@0\n#EXTINF:4.0,'),
      10,
      /not supported/,
    ],
    ['an encrypted segment', () => withLine(7, '#EXT-X-KEY:METHOD=AES-128,URI="k"'), 7, /METHOD=AES-128/],
    ['a second map', () => withLine(14, '#EXT-X-MAP:URI="b.mp4"'), 14, /more than one #EXT-X-MAP/],
    [
      'a map after segments',
      () =>
        '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\na.m4s\n#EXT-X-MAP:URI="i.mp4"\n',
      6,
      /must precede the first segment/,
    ],
    ['a segment after the end', () => `${FFMPEG_VOD}#EXTINF:1.0,\nlate.m4s\n`, 16, /after #EXT-X-ENDLIST/],
    ['a master tag', () => withLine(8, '#EXT-X-STREAM-INF:BANDWIDTH=1'), 8, /master playlist tag/],
    ['a URI with a space', () => withLine(9, 'seg 00001.m4s'), 9, /not a URI/],
    ['a bad tag name', () => withLine(8, '#EXTinf:4.0,'), 8, /not a tag name/],
    ['a second #EXTM3U', () => withLine(8, '#EXTM3U'), 8, /only be the first line/],
    ['a map below version 6', () => withLine(2, '#EXT-X-VERSION:5'), 7, /needs #EXT-X-VERSION 6/],
    [
      'a fractional duration below version 3',
      () => '#EXTM3U\n#EXT-X-VERSION:2\n#EXT-X-TARGETDURATION:4\n#EXTINF:3.5,\na.ts\n',
      4,
      /fractional #EXTINF needs #EXT-X-VERSION 3/,
    ],
  ])('refuses %s, naming the line', (_name, make, line, message) => {
    const error = parseError(() => parseMediaPlaylist(make(FFMPEG_VOD)));
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`line ${line}: `)).toBe(true);
  });

  it('refuses what is wrong with the playlist as a whole, without a line', () => {
    const missingTarget = parseError(() => parseMediaPlaylist(withLine(3, undefined)));
    expect(missingTarget.line).toBeUndefined();
    expect(missingTarget.message).toMatch(/#EXT-X-TARGETDURATION is missing/);

    const oversized = `${FFMPEG_VOD}${'#'.repeat(MAX_PLAYLIST_BYTES)}\n`;
    expect(parseError(() => parseMediaPlaylist(oversized)).message).toMatch(/larger than/);
    expect(parseError(() => parseMediaPlaylist(new TextEncoder().encode(oversized))).message).toMatch(
      /larger than/,
    );

    const invalidUtf8 = new Uint8Array([...new TextEncoder().encode('#EXTM3U\n'), 0xc3, 0x28]);
    expect(parseError(() => parseMediaPlaylist(invalidUtf8)).message).toMatch(/not valid UTF-8/);
  });

  it('refuses a master playlist', () => {
    expect(parseError(() => parseMediaPlaylist(FFMPEG_MASTER)).line).toBe(3);
  });
});

describe('parseMasterPlaylist', () => {
  it("reads ffmpeg's master playlist", () => {
    const master = parseMasterPlaylist(FFMPEG_MASTER);
    expect(master.version).toBe(7);
    expect(master.independentSegments).toBe(false);
    expect(master.variants.map(({ attributes: _attributes, ...variant }) => variant)).toEqual([
      {
        uri: '360p/index.m3u8',
        bandwidth: 950400,
        averageBandwidth: undefined,
        codecs: 'avc1.42c01e,mp4a.40.2',
        resolution: { width: 640, height: 360 },
        frameRate: undefined,
      },
      {
        uri: '180p/index.m3u8',
        bandwidth: 400400,
        averageBandwidth: undefined,
        codecs: 'avc1.42c00d,mp4a.40.2',
        resolution: { width: 320, height: 180 },
        frameRate: undefined,
      },
    ]);
  });

  it('keeps commas inside quoted strings and every attribute it does not interpret', () => {
    const master = parseMasterPlaylist(
      [
        '#EXTM3U',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",URI="audio/en.m3u8"',
        '#EXT-X-STREAM-INF:CODECS="avc1.640028,mp4a.40.2",BANDWIDTH=5000000,AUDIO="aac",HDCP-LEVEL=NONE,FRAME-RATE=59.940',
        'https://cdn.example/1080p/index.m3u8?token=a',
      ].join('\n'),
    );
    const [variant] = master.variants;
    expect(variant?.codecs).toBe('avc1.640028,mp4a.40.2');
    expect(variant?.frameRate).toBe(59.94);
    expect(variant?.uri).toBe('https://cdn.example/1080p/index.m3u8?token=a');
    expect(variant?.attributes.get('AUDIO')).toEqual({ value: 'aac', quoted: true });
    expect(variant?.attributes.get('HDCP-LEVEL')).toEqual({ value: 'NONE', quoted: false });
  });

  const stream = (attributes: string) => `#EXTM3U\n#EXT-X-STREAM-INF:${attributes}\nv/index.m3u8\n`;

  it.each([
    ['no BANDWIDTH', stream('RESOLUTION=640x360'), 2, /needs BANDWIDTH/],
    ['a quoted BANDWIDTH', stream('BANDWIDTH="1000"'), 2, /BANDWIDTH must be a decimal integer/],
    ['an unquoted CODECS', stream('BANDWIDTH=1,CODECS=avc1.64001f'), 2, /CODECS must be a quoted string/],
    ['an empty codec', stream('BANDWIDTH=1,CODECS="avc1.64001f,"'), 2, /CODECS has an empty entry/],
    ['a bad RESOLUTION', stream('BANDWIDTH=1,RESOLUTION=640*360'), 2, /RESOLUTION must be/],
    ['a zero RESOLUTION', stream('BANDWIDTH=1,RESOLUTION=0x360'), 2, /RESOLUTION must be/],
    ['a bad FRAME-RATE', stream('BANDWIDTH=1,FRAME-RATE=thirty'), 2, /FRAME-RATE must be a decimal/],
    ['a repeated attribute', stream('BANDWIDTH=1,BANDWIDTH=2'), 2, /BANDWIDTH appears more than once/],
    ['a lower-case attribute', stream('bandwidth=1'), 2, /is not NAME=value/],
    ['a trailing comma', stream('BANDWIDTH=1,'), 2, /ends with a comma/],
    ['text after a quoted value', stream('CODECS="a"b,BANDWIDTH=1'), 2, /expected a comma/],
    ['a space in a value', stream('BANDWIDTH=1, RESOLUTION=1x1'), 2, /is not NAME=value/],
    ['an empty value', stream('BANDWIDTH=,RESOLUTION=1x1'), 2, /is not a valid unquoted value/],
    ['a stream without URI', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n', 2, /has no URI/],
    [
      'two streams in a row',
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\n',
      3,
      /no URI/,
    ],
    ['a URI without a stream', '#EXTM3U\n#EXT-X-VERSION:7\nv/index.m3u8\n', 3, /without a preceding/],
    ['a media tag', `${stream('BANDWIDTH=1')}#EXT-X-ENDLIST\n`, 4, /media playlist tag/],
  ])('refuses %s, naming the line', (_name, text, line, message) => {
    const error = parseError(() => parseMasterPlaylist(text));
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
  });

  it('refuses a master without variants and a media playlist', () => {
    expect(parseError(() => parseMasterPlaylist('#EXTM3U\n#EXT-X-VERSION:7\n')).message).toMatch(
      /no #EXT-X-STREAM-INF/,
    );
    expect(parseError(() => parseMasterPlaylist(FFMPEG_VOD)).line).toBe(3);
  });
});

describe('renderMasterPlaylist', () => {
  const ladder: MasterVariantInput[] = [
    {
      uri: '720p/index.m3u8',
      bandwidth: 3_210_000,
      averageBandwidth: 2_800_123,
      width: 1280,
      height: 720,
      codecs: 'avc1.64001f,mp4a.40.2',
      frameRate: 30000 / 1001,
    },
    {
      uri: '360p/index.m3u8',
      bandwidth: 812_345,
      averageBandwidth: 700_001,
      width: 640,
      height: 360,
      codecs: 'avc1.64001e,mp4a.40.2',
      frameRate: 25,
    },
  ];

  it('writes every attribute, lowest bandwidth first', () => {
    expect(renderMasterPlaylist(ladder)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=812345,AVERAGE-BANDWIDTH=700001,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000',
        '360p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=3210000,AVERAGE-BANDWIDTH=2800123,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=29.970',
        '720p/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('round-trips through the parser', () => {
    const master = parseMasterPlaylist(renderMasterPlaylist(ladder));
    expect(master.version).toBe(7);
    expect(master.independentSegments).toBe(true);
    expect(master.variants.map(({ attributes: _attributes, ...variant }) => variant)).toEqual([
      {
        uri: '360p/index.m3u8',
        bandwidth: 812_345,
        averageBandwidth: 700_001,
        codecs: 'avc1.64001e,mp4a.40.2',
        resolution: { width: 640, height: 360 },
        frameRate: 25,
      },
      {
        uri: '720p/index.m3u8',
        bandwidth: 3_210_000,
        averageBandwidth: 2_800_123,
        codecs: 'avc1.64001f,mp4a.40.2',
        resolution: { width: 1280, height: 720 },
        frameRate: 29.97,
      },
    ]);
    expect(master.variants[0]?.attributes.get('CODECS')?.quoted).toBe(true);
    expect(master.variants[0]?.attributes.get('RESOLUTION')?.quoted).toBe(false);
  });

  it.each([
    ['a quote in CODECS', { codecs: 'avc1.64001f",BANDWIDTH=1' }, /codecs/],
    ['a line break in the URI', { uri: '720p/index.m3u8\n#EXT-X-ENDLIST' }, /cannot be a playlist line/],
    ['a tag as the URI', { uri: '#EXT-X-ENDLIST' }, /cannot be a playlist line/],
    ['a fractional bandwidth', { bandwidth: 1.5 }, /bandwidths/],
    ['a zero average bandwidth', { averageBandwidth: 0 }, /bandwidths/],
    ['a zero height', { height: 0 }, /width and height/],
    ['a non-finite frame rate', { frameRate: Number.NaN }, /frame rate/],
  ])('refuses %s', (_name, override, message) => {
    expect(() => renderMasterPlaylist([{ ...(ladder[0] as MasterVariantInput), ...override }])).toThrow(
      message,
    );
  });

  it('refuses an empty ladder', () => {
    expect(() => renderMasterPlaylist([])).toThrow(RangeError);
  });
});

describe('parseMediaPlaylist on a live window', () => {
  const LIVE = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-TARGETDURATION:1',
    '#EXT-X-MEDIA-SEQUENCE:41',
    '#EXT-X-DISCONTINUITY-SEQUENCE:2',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-MAP:URI="../s1/720p/init.mp4"',
    '#EXT-X-PROGRAM-DATE-TIME:2026-12-07T21:00:00.000Z',
    '#EXTINF:1.000,',
    '../s1/720p/seg-000041.m4s',
    '#EXT-X-DISCONTINUITY',
    '#EXT-X-MAP:URI="../s2/720p/init.mp4"',
    '#EXT-X-PROGRAM-DATE-TIME:2026-12-07T21:00:30.000Z',
    '#EXTINF:1.000,',
    '../s2/720p/seg-000001.m4s',
    '',
  ].join('\n');

  it('keeps each segment’s program date-time, the discontinuity sequence and the map of each run', () => {
    const playlist = parseMediaPlaylist(LIVE);
    expect(playlist.mediaSequence).toBe(41);
    expect(playlist.discontinuitySequence).toBe(2);
    expect(playlist.segments.map((s) => s.programDateTime)).toEqual([
      '2026-12-07T21:00:00.000Z',
      '2026-12-07T21:00:30.000Z',
    ]);
    expect(playlist.segments[1]?.discontinuity).toBe(true);
    expect(initSections(playlist)).toEqual([
      { uri: '../s1/720p/init.mp4', firstSegment: 0 },
      { uri: '../s2/720p/init.mp4', firstSegment: 1 },
    ]);
    expect(playlist.endList).toBe(false);
  });

  it('refuses a program date-time that is not one, and a discontinuity sequence after a segment', () => {
    expect(() => parseMediaPlaylist(LIVE.replace('2026-12-07T21:00:30.000Z', 'yesterday'))).toThrow(
      /not a date-time/,
    );
    const late = LIVE.replace('#EXT-X-DISCONTINUITY-SEQUENCE:2\n', '').replace(
      '../s1/720p/seg-000041.m4s',
      '../s1/720p/seg-000041.m4s\n#EXT-X-DISCONTINUITY-SEQUENCE:2',
    );
    expect(() => parseMediaPlaylist(late)).toThrow(/must precede the first segment/);
  });
});
