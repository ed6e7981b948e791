import { describe, expect, it } from 'vitest';
import { type FfmpegProgress, ProgressParser } from '../../../../workers/transcoder/media/progress.ts';

function block(fields: Record<string, string>, progress = 'continue'): string {
  return `${Object.entries(fields)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\nprogress=${progress}\n`;
}

function parse(durationSeconds: number | null, chunks: readonly string[]): FfmpegProgress[] {
  const events: FfmpegProgress[] = [];
  const parser = new ProgressParser(durationSeconds, (event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe('ProgressParser', () => {
  it('turns each block into a percentage of the expected duration', () => {
    const text =
      block({ frame: '60', out_time_us: '2000000', out_time: '00:00:02.000000', speed: '1.5x' }) +
      block({ frame: '300', out_time_us: '10000000', speed: '2.01x' }, 'end');
    expect(parse(10, [text])).toEqual([
      { outTimeSeconds: 2, percent: 20, speed: 1.5, done: false },
      { outTimeSeconds: 10, percent: 100, speed: 2.01, done: true },
    ]);
  });

  it('copes with chunks that split lines and keys anywhere', () => {
    const text = block({ out_time_us: '2500000', speed: 'N/A' }) + block({ out_time_us: '5000000' });
    const pieces = text.match(/.{1,7}/gs) ?? [];
    expect(pieces.length).toBeGreaterThan(5);
    expect(parse(10, pieces).map((event) => event.percent)).toEqual([25, 50]);
  });

  it('falls back to out_time when out_time_us is N/A, and skips blocks with no time', () => {
    const text =
      block({ out_time_us: 'N/A', out_time: 'N/A' }) +
      block({ out_time_us: 'N/A', out_time: '00:01:03.500000' }) +
      block({ out_time_ms: '4000000' });
    expect(parse(127, [text]).map((event) => event.outTimeSeconds)).toEqual([63.5, 4]);
  });

  it('clamps to 0–100 and gives no percentage without a duration', () => {
    expect(parse(10, [block({ out_time_us: '10500000' })])[0]?.percent).toBe(100);
    expect(parse(10, [block({ out_time_us: '-23000' })])[0]?.percent).toBe(0);
    expect(parse(null, [block({ out_time_us: '1000000' })])[0]?.percent).toBeNull();
    expect(parse(0, [block({ out_time_us: '1000000' })])[0]?.percent).toBeNull();
  });
});
