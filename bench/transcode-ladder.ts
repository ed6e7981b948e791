import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ladderArgs, remuxArgs } from '../workers/transcoder/media/ffmpeg-args.ts';
import { type LadderPlan, planTranscode } from '../workers/transcoder/media/ladder.ts';
import { probeSource } from '../workers/transcoder/media/probe.ts';
import { transcodeSource } from '../workers/transcoder/media/transcode.ts';
import { round } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_VIDEO_SECONDS ?? 30);
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface Measured {
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
}

/**
 * CPU of every child this process has reaped (utime + stime of the children, from
 * /proc/self/stat), so ffprobe and each ffmpeg are counted; the cases run one at a time.
 */
function reapedChildCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command name start at field 3 (state); cutime is field 16, cstime 17.
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

async function measure(work: () => Promise<unknown>): Promise<Measured> {
  const cpuBefore = reapedChildCpuSeconds();
  const started = performance.now();
  await work();
  return {
    cpuSeconds: reapedChildCpuSeconds() - cpuBefore,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/** ffmpeg as a plain child: no progress parsing, no inspection. */
async function bareFfmpeg(args: readonly string[], cwd: string): Promise<void> {
  const child = spawn('ffmpeg', [...args], { cwd, stdio: 'ignore' });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`ffmpeg exited with ${code}`);
}

async function makeSource(dir: string): Promise<string> {
  const path = join(dir, 'source-1080p30.mp4');
  // Quick to make but shaped like an upload: H.264 High with CABAC, B-frames and deblocking at
  // a camera-like bitrate, a 2 s GOP, AAC. (An ultrafast stream decodes unrealistically cheaply,
  // which would understate what decoding once saves.)
  await bareFfmpeg(
    [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1920x1080:rate=30',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      String(SECONDS),
      '-c:v',
      'libx264',
      '-preset',
      'superfast',
      '-crf',
      '18',
      '-g',
      '60',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      path,
    ],
    dir,
  );
  return path;
}

export async function benchTranscodeLadder(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'fc-bench-transcode-'));
  const folder = async (name: string) => {
    const path = join(dir, name);
    await mkdir(path);
    return path;
  };
  try {
    const sourcePath = await makeSource(dir);
    const source = await probeSource(sourcePath);
    const plan = planTranscode(source, { allowRemux: false }) as LadderPlan;

    // (3) The bare single-process ladder: the arguments the worker builds, without thumbnails and poster.
    const bareDir = await folder('bare');
    const bare = await measure(() =>
      bareFfmpeg(ladderArgs(plan, sourcePath, { thumbnails: false, poster: false }), bareDir),
    );

    // (1) The worker's path: probe, plan, ladder + thumbnails, poster, output inspection.
    let workerCpuReported = 0;
    const worker = await measure(async () => {
      const probed = await probeSource(sourcePath);
      const result = await transcodeSource({
        sourcePath,
        workDir: join(dir, 'worker'),
        plan: planTranscode(probed, { allowRemux: false }),
      });
      workerCpuReported = result.ffmpegCpuSeconds;
    });

    // (2) PeerTube's way: one ffmpeg per rung, each decoding the source itself, run one after
    // another (as one runner takes one job at a time). Same encoder settings; no thumbnails or poster.
    const perRung = await measure(async () => {
      for (const rung of plan.rungs) {
        const rungDir = await folder(`rung-${rung.name}`);
        await bareFfmpeg(
          ladderArgs({ ...plan, rungs: [rung] }, sourcePath, { thumbnails: false, poster: false }),
          rungDir,
        );
      }
    });

    // Remux: the same H.264/AAC source packaged without re-encoding, through transcodeSource.
    const remux = await measure(async () => {
      const probed = await probeSource(sourcePath);
      const plan = planTranscode(probed);
      if (plan.mode !== 'remux') throw new Error(`expected a remux plan: ${plan.decision}`);
      await transcodeSource({ sourcePath, workDir: join(dir, 'remux'), plan });
    });

    // For scale: the stream copy alone, without probe, thumbnails, poster or inspection.
    const bareRemuxDir = await folder('bare-remux');
    const remuxPlan = planTranscode(source);
    if (remuxPlan.mode !== 'remux') throw new Error(`expected a remux plan: ${remuxPlan.decision}`);
    await mkdir(join(bareRemuxDir, 'source'));
    const bareRemux = await measure(() =>
      bareFfmpeg(remuxArgs(remuxPlan, sourcePath, { thumbnails: false }), bareRemuxDir),
    );

    return {
      source: `${source.width}x${source.height} ${source.frameRate} fps H.264/AAC, ${source.durationSeconds} s`,
      ladder: plan.rungs.map((rung) => rung.name).join('/'),
      preset: plan.preset,
      'worker: CPU-s': round(worker.cpuSeconds, 1),
      'worker: wall s': round(worker.wallSeconds, 1),
      'worker: ffmpeg -benchmark CPU-s': round(workerCpuReported, 1),
      'worker: x realtime': round(source.durationSeconds / worker.wallSeconds, 2),
      'one process per rung (sequential): CPU-s': round(perRung.cpuSeconds, 1),
      'one process per rung (sequential): wall s': round(perRung.wallSeconds, 1),
      'bare single ladder command: CPU-s': round(bare.cpuSeconds, 1),
      'bare single ladder command: wall s': round(bare.wallSeconds, 1),
      'worker / per-rung CPU (target <= 0.75)': round(worker.cpuSeconds / perRung.cpuSeconds, 3),
      'worker / per-rung wall': round(worker.wallSeconds / perRung.wallSeconds, 3),
      'worker / bare CPU (target <= 1.05)': round(worker.cpuSeconds / bare.cpuSeconds, 3),
      'worker / bare wall': round(worker.wallSeconds / bare.wallSeconds, 3),
      'remux via transcodeSource: wall s': round(remux.wallSeconds, 2),
      'remux: x realtime': round(source.durationSeconds / remux.wallSeconds, 0),
      'remux: CPU-s per s of video': round(remux.cpuSeconds / source.durationSeconds, 4),
      'bare -c copy alone: x realtime': round(source.durationSeconds / bareRemux.wallSeconds, 0),
      'bare -c copy alone: CPU-s per s of video': round(bareRemux.cpuSeconds / source.durationSeconds, 4),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  console.log(
    `\n# Video ladder 1080/720/480/360 of a ${SECONDS} s 1080p30 clip: worker vs one ffmpeg per rung vs the bare command`,
  );
  console.table(await benchTranscodeLadder());
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
