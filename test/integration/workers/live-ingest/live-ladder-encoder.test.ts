import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LADDER } from '../../../../workers/live-ingest/dev/stand-in.ts';
import { DEFAULT_LIVE_X264_PARAMS, ladderArgs } from '../../../../workers/live-ingest/ladder.ts';

const run = promisify(execFile);

/**
 * The live ladder's ffmpeg arguments, run on a short 1080p30 file: what x264 was really told is
 * in the options string it writes into every stream (an SEI), so the threading and motion search
 * the ladder's cost depends on (docs/live.md, "Ladder cost") are checked as x264 applied them.
 */
describe('Live ladder: the encoder settings x264 applies', () => {
  let dir: string;
  let options: Map<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fc-live-ladder-encoder-'));
    const source = join(dir, 'source.mp4');
    await run('ffmpeg', [
      ...['-hide_banner', '-nostdin', '-v', 'error', '-f', 'lavfi'],
      ...['-i', 'testsrc2=size=1920x1080:rate=30:duration=2', '-f', 'lavfi', '-i', 'sine=duration=2'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', source],
    ]);
    const out = join(dir, 'ladder');
    for (const rung of DEFAULT_LADDER) await mkdir(join(out, rung.name), { recursive: true });
    const args = ladderArgs({
      input: { kind: 'url', url: source },
      ladder: DEFAULT_LADDER,
      audioBitrate: 128_000,
      segmentSeconds: 1,
      outputDir: out,
      preset: 'veryfast',
      x264Params: DEFAULT_LIVE_X264_PARAMS,
    });
    // A file instead of the RTMP stream: its input options (rtmp_live…) do not apply to a file.
    const input = args.indexOf('-i');
    await run('ffmpeg', [...args.slice(0, args.indexOf('-fflags')), '-i', source, ...args.slice(input + 2)]);
    options = new Map();
    for (const rung of DEFAULT_LADDER) {
      const first = (await readdir(join(out, rung.name))).filter((name) => name.endsWith('.m4s')).sort()[0];
      const bytes = await readFile(join(out, rung.name, first as string));
      options.set(
        rung.name,
        /x264 - core \d+.*? options: ([^\0]*)/.exec(bytes.toString('latin1'))?.[1] ?? '',
      );
    }
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('encodes every rendition with two sliced threads, no lookahead or B-frames, and diamond search', () => {
    expect([...options.keys()]).toEqual(DEFAULT_LADDER.map((rung) => rung.name));
    for (const [rung, text] of options) {
      const setting = (name: string) => new RegExp(`(?:^| )${name}=([^ ]+)`).exec(text)?.[1];
      expect({ rung, threads: setting('threads'), sliced: setting('sliced_threads') }).toEqual({
        rung,
        threads: '2',
        sliced: '1',
      });
      expect(setting('rc_lookahead') ?? '0').toBe('0');
      expect(setting('bframes')).toBe('0');
      expect(setting('me')).toBe('dia');
      expect(setting('subme')).toBe('1');
      expect(setting('scenecut')).toBe('0');
    }
  });
});
