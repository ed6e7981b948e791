import { type ChildProcess, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnChild } from '../infra/local/child-processes.ts';
import { createCopyLadder } from '../workers/live-ingest/whip/copy-ladder.ts';
import { createWhipReceiver } from '../workers/live-ingest/whip/receiver.ts';
import { startWhipPublisher } from '../workers/live-ingest/whip/whip-publisher.ts';
import { round } from './lib/stats.ts';

/**
 * WHIP receiver CPU per 2.5 Mb/s publisher (target ≤ 10 % of a core).
 *
 * The receiver runs alone in a child Node process (this file with `--receiver`): the WHIP HTTP
 * endpoint, werift (ICE, DTLS, SRTP decryption, NACK, RTCP) and the RTP bridge to a ladder
 * stand-in (ffmpeg reading the SDP and copying to nowhere, a process of its own so not counted).
 * The publisher (werift + an ffmpeg x264 source at 2.5 Mb/s, 720p30, plus Opus) runs here.
 * Figure: the receiver process's CPU time (utime + stime from /proc/<pid>/stat, its own threads
 * only) over `BENCH_WHIP_SECONDS` (30) of media ÷ wall time, also scaled to exactly 2.5 Mb/s by
 * the bitrate the publisher actually sent.
 */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const TARGET_BPS = 2_500_000;

export interface LiveWhipBench {
  readonly seconds: number;
  readonly sentMbps: number;
  readonly receiverCpuCores: number;
  readonly receiverCpuPer2_5Mbps: number;
  readonly targetCores: number;
  readonly met: boolean;
}

function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: field 3 (state) is index 0; utime is field 14, stime 15.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export async function benchLiveWhip(
  seconds = Number(process.env.BENCH_WHIP_SECONDS ?? 30),
): Promise<LiveWhipBench> {
  const child = spawnChild(process.execPath, [fileURLToPath(import.meta.url), '--receiver'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let ladderStarted = false;
  const ready = new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`receiver exited early (${code})`)));
    const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { msg: string; url?: string };
      if (message.msg === 'ready' && message.url) resolve(message.url);
      if (message.msg === 'whip media started') ladderStarted = true;
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await ready;
    const publisher = await startWhipPublisher({
      url,
      streamKey: 'fcsk_bench',
      videoBitrateKbps: TARGET_BPS / 1000,
      spawn: (command, args) => spawnChild(command, args, { stdio: 'ignore', parentDeathSignal: 'SIGKILL' }),
    });
    try {
      const deadline = performance.now() + 20_000;
      while (!ladderStarted) {
        if (performance.now() > deadline) throw new Error('the receiver never started its ladder');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Let ICE/DTLS set-up and the encoder's first seconds pass before measuring.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const pid = child.pid as number;
      const cpuBefore = processCpuSeconds(pid);
      const bytesBefore = publisher.bytesSent;
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      const wall = (performance.now() - started) / 1000;
      const cpu = processCpuSeconds(pid) - cpuBefore;
      const sentBps = ((publisher.bytesSent - bytesBefore) * 8) / wall;
      const cores = cpu / wall;
      const per = sentBps > 0 ? cores * (TARGET_BPS / sentBps) : Number.NaN;
      return {
        seconds: round(wall, 1),
        sentMbps: round(sentBps / 1e6, 2),
        receiverCpuCores: round(cores, 4),
        receiverCpuPer2_5Mbps: round(per, 4),
        targetCores: 0.1,
        met: per <= 0.1,
      };
    } finally {
      await publisher.close();
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** The receiver child: prints `{"msg":"ready","url":…}` and the receiver's log lines as JSON. */
async function runReceiver(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-whip-'));
  const print = (line: Record<string, unknown>): void => {
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  const ladder = createCopyLadder({
    dir,
    toFile: false,
    spawn: (command, args) => spawnChild(command, args, { stdio: 'ignore', parentDeathSignal: 'SIGKILL' }),
  });
  const receiver = createWhipReceiver({
    workDir: dir,
    log: (level, msg, fields) => print({ level, msg, ...fields }),
    authorize: async () => ({ ok: true, streamId: 'bench', session: 1, publish: ladder.publish }),
  });
  const server = createServer((req, res) => void receiver.handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const stop = async (): Promise<void> => {
    await receiver.close();
    ladder.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  print({ msg: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip` });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--receiver')) await runReceiver();
  else console.log(JSON.stringify(await benchLiveWhip(), null, 2));
}
