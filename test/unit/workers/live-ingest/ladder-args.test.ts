import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIVE_X264_PARAMS,
  type LadderPlan,
  ladderArgs,
} from '../../../../workers/live-ingest/ladder.ts';

const plan = (over: Partial<LadderPlan> = {}): LadderPlan => ({
  input: { kind: 'url', url: 'rtmp://127.0.0.1:1935/live/s-1-1' },
  ladder: [
    { name: '720p', width: 1280, height: 720, videoBitrate: 2_800_000 },
    { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
  ],
  audioBitrate: 128_000,
  segmentSeconds: 1,
  outputDir: '/work/ladders/s-1-1',
  preset: 'veryfast',
  ...over,
});

/** Each rendition's encoder options: the arguments between its `-map [vN]` and its playlist path. */
function perRendition(args: string[]): string[][] {
  const starts = args.flatMap((a, i) => (a === '-map' && args[i + 1]?.startsWith('[v') ? [i] : []));
  return starts.map((start, n) => args.slice(start, starts[n + 1] ?? args.length));
}

describe('live ladderArgs', () => {
  it('gives every rendition two sliced encoder threads and the x264 options over the preset', () => {
    const renditions = perRendition(ladderArgs(plan({ x264Params: DEFAULT_LIVE_X264_PARAMS })));
    expect(renditions).toHaveLength(2);
    for (const r of renditions) {
      expect(r[r.indexOf('-threads') + 1]).toBe('2');
      expect(r[r.indexOf('-thread_type') + 1]).toBe('slice');
      expect(r[r.indexOf('-tune') + 1]).toBe('zerolatency');
      expect(r[r.indexOf('-x264-params') + 1]).toBe('me=dia:subme=1');
      expect(r[r.indexOf('-preset') + 1]).toBe('veryfast');
    }
  });

  it('passes no x264 options when none are configured', () => {
    expect(ladderArgs(plan())).not.toContain('-x264-params');
    expect(ladderArgs(plan({ x264Params: '' }))).not.toContain('-x264-params');
  });

  it('decodes once and scales the smaller renditions from the largest', () => {
    const args = ladderArgs(plan());
    const graph = args[args.indexOf('-filter_complex') + 1] ?? '';
    expect(graph.match(/\[0:v:0\]/g)).toHaveLength(1);
    expect(graph).toContain('scale=w=1280:h=720');
    expect(graph).toMatch(/\[c1\]scale=w=640:h=360/);
  });
});
