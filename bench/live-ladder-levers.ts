/**
 * The live ladder's levers, measured (docs/live.md, "Ladder cost"): variants of `ladderArgs` on
 * the same 1080p30 file at real-time pace (-re), in alternating rounds. Per variant: CPU seconds
 * per media second (ffmpeg's -benchmark utime + stime over SECS), the busiest thread's share
 * (the one that falls behind real time first), and how far behind real time the run ended.
 * `SECS=20 ROUNDS=3 VARIANTS=current,sliced2 node bench/live-ladder-levers.ts`; the variants are
 * named against `current` (what ladderArgs makes now).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LADDER } from '../workers/live-ingest/dev/stand-in.ts';
import { DEFAULT_LIVE_X264_PARAMS, ladderArgs } from '../workers/live-ingest/ladder.ts';
import { cameraLikeSourceArgs } from './lib/camera-like-source.ts';

const DIR = join(tmpdir(), 'fc-live-ladder-levers');
const SECONDS = Number(process.env.SECS ?? 30);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
mkdirSync(DIR, { recursive: true });
const source = join(DIR, `source-${SECONDS + 10}.mp4`);
if (!existsSync(source)) {
  execFileSync('ffmpeg', cameraLikeSourceArgs(SECONDS + 10, source));
}
type Edit = (args: string[]) => string[];
const base = (outputDir: string, x264Params = DEFAULT_LIVE_X264_PARAMS, preset = 'veryfast') => {
  const args = ladderArgs({
    input: { kind: 'url', url: source },
    ladder: DEFAULT_LADDER,
    audioBitrate: 128_000,
    segmentSeconds: 1,
    outputDir,
    preset,
    x264Params,
  });
  const at = args.indexOf('-i');
  return [...args.slice(0, args.indexOf('-fflags')), '-re', '-i', source, ...args.slice(at + 2)];
};
const swsAll =
  (flags: string): Edit =>
  (a) =>
    a.map((x) =>
      x.startsWith('[0:v:0]') ? x.replace(/force_divisible_by=2/g, `force_divisible_by=2:flags=${flags}`) : x,
    );
const lowerPreset =
  (p: string): Edit =>
  (a) => {
    let n = 0;
    return a.map((x, i) => (a[i - 1] === '-preset' && n++ > 0 ? p : x));
  };
const decThreads =
  (t: string): Edit =>
  (a) => {
    const i = a.indexOf('-re');
    return [...a.slice(0, i), '-threads', t, ...a.slice(i)];
  };
const compose =
  (...e: Edit[]): Edit =>
  (a) =>
    e.reduce((acc, f) => f(acc), a);
/** The encoder threading options replaced by `t` (ladderArgs gives each rendition ENCODER_THREADS). */
const threading =
  (...t: string[]): Edit =>
  (a) => {
    const out: string[] = [];
    for (let i = 0; i < a.length; i++) {
      if (a[i] === '-threads' || a[i] === '-thread_type') {
        if (a[i] === '-threads') out.push(...t);
        i++;
      } else out.push(a[i] as string);
    }
    return out;
  };
const lowerScale =
  (flags: string): Edit =>
  (a) =>
    a.map((x) =>
      x.startsWith('[0:v:0]')
        ? x.replace(/(\[c\d\]scale=[^;]*force_divisible_by=2)/g, `$1:flags=${flags}`)
        : x,
    );
const ALL: Record<string, Edit> = {
  current: (a) => a,
  threads1: threading('-threads', '1'),
  frameThreads2: threading('-threads', '2', '-thread_type', 'frame'),
  fastbil: swsAll('fast_bilinear'),
  bilinear: swsAll('bilinear'),
  fastbilLower: lowerScale('fast_bilinear'),
  bilLower: lowerScale('bilinear'),
  lowerSuperfast: lowerPreset('superfast'),
  dec1: decThreads('1'),
  fastbil_lowerSF: compose(swsAll('fast_bilinear'), lowerPreset('superfast')),
};
const names = (process.env.VARIANTS ?? Object.keys(ALL).join(',')).split(',');
const results: Record<string, number[]> = {};
const overs: Record<string, number[]> = {};
const busy: Record<string, number[]> = {};
const push = (into: Record<string, number[]>, key: string, value: number) => {
  into[key] = [...(into[key] ?? []), value];
};
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const out = join(DIR, `out-${name}`);
    rmSync(out, { recursive: true, force: true });
    for (const x of DEFAULT_LADDER) mkdirSync(join(out, x.name), { recursive: true });
    const args = (ALL[name] as Edit)(base(out));
    const at = args.indexOf('-re');
    args.splice(at, 0, '-benchmark', '-t', String(SECONDS));
    if (process.env.SHOW) console.error(name, args.join(' '));
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const perThread = new Map<string, number>();
    const tpoll = setInterval(() => {
      try {
        for (const tid of readdirSync(`/proc/${child.pid}/task`)) {
          const st = readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8');
          const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
          const nm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
          perThread.set(`${tid}:${nm}`, (Number(f[11]) + Number(f[12])) / TICK);
        }
      } catch {}
    }, 250);
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      if (err.length > 1e6) err = err.slice(-1e5);
    });
    await once(child, 'close');
    clearInterval(tpoll);
    const threads = [...perThread.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 4)
      .map(([k, v]) => `${k.split(':')[1]}=${(v / SECONDS).toFixed(3)}`);
    const busiest = Math.max(...perThread.values()) / SECONDS;
    push(busy, name, busiest);
    const m = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(err);
    if (!m) {
      console.log(name, 'no bench line', err.slice(-500));
      continue;
    }
    const cpu = Number(m[1]) + Number(m[2]);
    const v = cpu / SECONDS;
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    push(results, name, Number(v.toFixed(3)));
    push(overs, name, Number(m[3]) - SECONDS);
    console.log(
      JSON.stringify({
        round: r,
        name,
        corePerMediaS: Number(v.toFixed(3)),
        rtimeOver: (Number(m[3]) - SECONDS).toFixed(2),
        load,
        busiestThread: busiest.toFixed(3),
        threads: threads.join(' '),
      }),
    );
  }
}
const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
for (const [n, xs] of Object.entries(results))
  console.log(
    n.padEnd(18),
    'median',
    med(xs),
    'min',
    Math.min(...xs),
    'max',
    Math.max(...xs),
    'ratio vs current',
    (med(xs) / med(results.current ?? xs)).toFixed(3),
    'overrun s',
    overs[n]?.map((x) => x.toFixed(1)).join(','),
    'busiest thread',
    busy[n]?.map((x) => x.toFixed(3)).join(','),
  );
