import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { startS3Server } from '../infra/local/s3/server.ts';
import {
  DEFAULT_LADDER,
  startAgentProcess,
  startControlPlaneStandIn,
} from '../workers/live-ingest/dev/stand-in.ts';
import { DEFAULT_LIVE_X264_PARAMS, ladderArgs } from '../workers/live-ingest/ladder.ts';
import { parseLivePlaylist } from '../workers/live-ingest/live-playlist.ts';
import { cameraLikeSourceArgs } from './lib/camera-like-source.ts';
import { median, round } from './lib/stats.ts';

/**
 * Live ingest (issue 15), three figures from one run:
 * 1. live path CPU: the agent + nginx + its ladder (the agent's whole process tree, /proc) while a
 *    1080p30 publisher streams over RTMP, vs the bare ffmpeg ladder command reading the same file at
 *    the same real-time pace. Target ratio <= 1.05.
 * 2. the ladder's core-seconds per second of 1080p30 input (the bare command). Target <= 0.8.
 * 3. playlist lag: wall clock when each live playlist lands in storage minus the end of its newest
 *    segment (program date-time + duration; the publisher's clock, anchored at on_publish). Median
 *    target <= 1.0 s.
 */
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
/** Measured after the warm-up (ffmpeg start, probing) and before the publisher's last seconds. */
const WARMUP_SECONDS = 6;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const KEY = `fcsk_bench${'b'.repeat(38)}`;
const API_KEY = 'bench-live-ingest-machine-key';
const BUCKET = 'media';
const PRESET = process.env.BENCH_LIVE_PRESET ?? 'veryfast';
const X264_PARAMS = process.env.BENCH_LIVE_X264_PARAMS ?? DEFAULT_LIVE_X264_PARAMS;

function treeCpuSeconds(root: number, byName?: Map<string, number>): number {
  let ticks = 0;
  const walk = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const own = Number(fields[11]) + Number(fields[12]); // utime, stime
      ticks += own;
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      byName?.set(name, (byName.get(name) ?? 0) + own / CLOCK_TICKS);
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      for (const kid of kids) walk(Number(kid));
    } catch {
      // Gone between reads.
    }
  };
  walk(root);
  return ticks / CLOCK_TICKS;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(command: string, args: readonly string[]): Promise<void> {
  const child = spawn(command, [...args], { stdio: 'ignore' });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`${command} exited with ${code}`);
}

async function makeSource(dir: string): Promise<string> {
  const path = join(dir, 'source-1080p30.mp4');
  await run('ffmpeg', cameraLikeSourceArgs(SECONDS + 10, path));
  return path;
}

/**
 * CPU of `pid`'s tree over [warmup, warmup + window) seconds from now, and the seconds of media the
 * ladder finished in that window (`mediaSeconds()` counts finished 1 s segments), so a ladder
 * slowed down by a busy machine is not mistaken for a cheap one; CPU also per process name.
 */
async function cpuWindow(
  pid: number,
  windowSeconds: number,
  mediaSeconds: () => number,
): Promise<{ cpu: number; media: number; wallCores: number; byName: Record<string, number> }> {
  await sleep(WARMUP_SECONDS * 1000);
  const namesBefore = new Map<string, number>();
  const before = treeCpuSeconds(pid, namesBefore);
  const mediaBefore = mediaSeconds();
  const started = performance.now();
  await sleep(windowSeconds * 1000);
  const namesAfter = new Map<string, number>();
  const cpu = treeCpuSeconds(pid, namesAfter) - before;
  const media = Math.max(1, mediaSeconds() - mediaBefore);
  const byName: Record<string, number> = {};
  for (const [name, after] of namesAfter) byName[name] = after - (namesBefore.get(name) ?? 0);
  return { cpu, media, wallCores: cpu / ((performance.now() - started) / 1000), byName };
}

const segmentFiles = (dir: string) => readdirSync(dir).filter((f) => /^seg-\d+\.m4s$/.test(f)).length;

function publisher(source: string, url: string): ChildProcess {
  // -c copy: the publisher costs next to nothing and is not part of either measurement.
  return spawn(
    'ffmpeg',
    ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-i', source, '-c', 'copy', '-f', 'flv', url],
    {
      stdio: 'ignore',
    },
  );
}

interface Round {
  readonly cpu: number;
  readonly media: number;
  readonly wallCores: number;
  readonly byName: Record<string, number>;
}

const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 2);

export async function benchLiveIngest(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'fc-bench-live-ingest-'));
  await chmod(dir, 0o711); // the agent's children run as nobody below it
  const children: ChildProcess[] = [];
  const lags: number[] = [];
  let liveSegments = 0;
  let s3: Awaited<ReturnType<typeof startS3Server>> | undefined;
  let cp: Awaited<ReturnType<typeof startControlPlaneStandIn>> | undefined;
  try {
    const source = await makeSource(dir);
    const window = SECONDS - WARMUP_SECONDS - 3;

    // Bare ladder: the same ffmpeg arguments on the file at real-time pace.
    const bareArgs = (outputDir: string) => {
      const args = ladderArgs({
        input: { kind: 'url', url: source },
        ladder: DEFAULT_LADDER,
        audioBitrate: 128_000,
        segmentSeconds: 1,
        outputDir,
        preset: PRESET,
        x264Params: X264_PARAMS,
      });
      const at = args.indexOf('-i');
      return [...args.slice(0, args.indexOf('-fflags')), '-re', '-i', source, ...args.slice(at + 2)];
    };
    const runBare = async (n: number): Promise<Round> => {
      const out = join(dir, `bare-${n}`);
      for (const r of DEFAULT_LADDER) await mkdir(join(out, r.name), { recursive: true });
      const bare = spawn('ffmpeg', bareArgs(out), { stdio: 'ignore' });
      children.push(bare);
      const round = await cpuWindow(bare.pid as number, window, () => segmentFiles(join(out, '720p')));
      bare.kill('SIGKILL');
      await once(bare, 'close');
      return round;
    };

    // Live path: S3 server, control-plane stand-in, the agent as a process, an RTMP publisher.
    let roundLags: number[] = [];
    s3 = await startS3Server({
      dataDir: join(dir, 's3'),
      namespace: 'bench',
      port: 0,
      accessKeyId: 'BENCHLIVE',
      secretAccessKey: 'bench-live-secret',
      region: 'eu-frankfurt-1',
      buckets: [BUCKET],
      onObjectEvent: async (event) => {
        const key = event.data.resourceName;
        if (/\/live\/s\d+\/720p\/seg-\d+\.m4s$/.test(key)) liveSegments += 1;
        if (!/\/live\/\d+p\/index\.m3u8$/.test(key)) return;
        const landed = Date.now();
        const { body } = await store.get(BUCKET, key);
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
        const last = parseLivePlaylist(Buffer.concat(chunks).toString('utf8')).segments.at(-1);
        if (last) roundLags.push(landed - (Date.parse(last.programDateTime) + last.duration * 1000));
      },
    });
    const store = createS3ObjectStore({
      endpoint: s3.endpoint,
      region: 'eu-frankfurt-1',
      accessKeyId: 'BENCHLIVE',
      secretAccessKey: 'bench-live-secret',
    });
    cp = await startControlPlaneStandIn({ apiKey: API_KEY, updateIntervalSeconds: 5 });
    cp.addStream(KEY, { streamId: 'BENCHSTREAM', assetId: 'BENCHASSET' });
    const agent = await startAgentProcess({
      LIVE_INGEST_API_URL: cp.url,
      LIVE_INGEST_API_KEY: API_KEY,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'eu-frankfurt-1',
      S3_ACCESS_KEY_ID: 'BENCHLIVE',
      S3_SECRET_ACCESS_KEY: 'bench-live-secret',
      MEDIA_BUCKET: BUCKET,
      LIVE_RTMP_PORT: '0',
      LIVE_RTMPS_PORT: '0',
      LIVE_WHIP_PORT: '0',
      LIVE_LADDER_PRESET: PRESET,
      LIVE_LADDER_X264_PARAMS: X264_PARAMS,
      WORK_DIR: join(dir, 'agent'),
    });
    children.push(agent.child);
    const controlPlane = cp;
    const runLive = async (): Promise<Round> => {
      const dones = controlPlane.calls.filter((c) => c.route === 'done').length;
      roundLags = [];
      const pub = publisher(source, `rtmp://127.0.0.1:${agent.rtmpPort}/live/${KEY}`);
      children.push(pub);
      const round = await cpuWindow(agent.child.pid as number, window, () => liveSegments);
      pub.kill('SIGKILL');
      // The next round publishes again once this session is done (the stream is then reconnecting).
      while (controlPlane.calls.filter((c) => c.route === 'done').length === dones) await sleep(200);
      // The first playlists carry the start-up (probing, first keyframe); the steady state is what counts.
      lags.push(...roundLags.slice(DEFAULT_LADDER.length * 3));
      return round;
    };

    // Alternating rounds (bare, live, live, bare, …) so drifting load on a shared machine hits both.
    const bareRounds: Round[] = [];
    const liveRounds: Round[] = [];
    for (let n = 0; n < ROUNDS; n += 1) {
      if (n % 2 === 0) {
        bareRounds.push(await runBare(n));
        liveRounds.push(await runLive());
      } else {
        liveRounds.push(await runLive());
        bareRounds.push(await runBare(n));
      }
    }
    agent.child.kill('SIGTERM');
    await once(agent.child, 'exit');

    const perMedia = (rounds: Round[]) =>
      rounds.reduce((sum, r) => sum + r.cpu, 0) / rounds.reduce((sum, r) => sum + r.media, 0);
    const liveCores = perMedia(liveRounds);
    const bareCores = perMedia(bareRounds);
    const liveByProcess: Record<string, number> = {};
    for (const round of liveRounds)
      for (const [name, cpu] of Object.entries(round.byName))
        liveByProcess[name] = (liveByProcess[name] ?? 0) + cpu;
    const media = liveRounds.reduce((sum, r) => sum + r.media, 0);
    for (const name of Object.keys(liveByProcess))
      liveByProcess[name] = round((liveByProcess[name] ?? 0) / media, 3);
    const lagMedianSeconds = lags.length > 0 ? median(lags) / 1000 : Number.NaN;
    const ratio = liveCores / bareCores;
    return {
      preset: PRESET,
      x264Params: X264_PARAMS,
      rounds: ROUNDS,
      windowSeconds: window,
      // CPU seconds per second of media finished in the windows (both at real-time pace).
      liveCpuPerMediaSecond: round(liveCores, 3),
      bareLadderCpuPerMediaSecond: round(bareCores, 3),
      perRound: {
        live: liveRounds.map((r) => round(r.cpu / r.media, 3)),
        bare: bareRounds.map((r) => round(r.cpu / r.media, 3)),
      },
      liveByProcess,
      livePathCpuRatio: round(ratio, 3),
      livePathCpuTarget: 1.05,
      livePathCpuMet: ratio <= 1.05,
      ladderCoreSecondsPerSecond1080p30: round(bareCores, 3),
      ladderTarget: 0.8,
      ladderMet: bareCores <= 0.8,
      playlists: lags.length,
      playlistLagMedianSeconds: round(lagMedianSeconds, 3),
      playlistLagP90Seconds: round(
        ([...lags].sort((a, b) => a - b)[Math.floor(lags.length * 0.9)] ?? Number.NaN) / 1000,
        3,
      ),
      playlistLagTarget: 1.0,
      playlistLagMet: lagMedianSeconds <= 1.0,
    };
  } finally {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cp?.close();
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchLiveIngest(), null, 2));
}
