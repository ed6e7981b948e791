import { readdir, readFile } from 'node:fs/promises';
import type { LocalCloud } from '../infra/local/cloud.ts';
import { benchCloud } from './lib/local-cloud.ts';
import { type LoadResult, runLoad } from './lib/run-load.ts';
import { median, round } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 2);
const TARGET_RATIO = 0.97;
/** BENCH_METRICS_CONTROL=1: metrics off on both clouds (an A/A run), to see the noise floor. */
const CONTROL = process.env.BENCH_METRICS_CONTROL === '1';
const ROUTE = '/health/live';

interface Mode {
  readonly name: string;
  readonly cloud: LocalCloud;
  readonly runs: LoadResult[];
  /** CPU milliseconds spent during this mode's runs: its health processes, and this process. */
  functionCpuMs: number;
  gatewayCpuMs: number;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

/**
 * CPU milliseconds used so far by this process's health function children of `cloud` (told apart
 * by its S3 endpoint), from /proc (Linux): throughput on a shared 2-core machine swings by several
 * percent between runs, the CPU a request costs far less.
 */
async function healthProcessesCpuMs(cloud: LocalCloud): Promise<number> {
  const marker = `S3_ENDPOINT=${cloud.s3Endpoint}`;
  let total = 0;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      const env = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0');
      if (!env.includes('FORGECAST_FUNCTION=health') || !env.includes(marker)) continue;
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    } catch {
      // The process exited meanwhile.
    }
  }
  return total;
}

async function measured(mode: Mode, url: string): Promise<void> {
  const functionBefore = await healthProcessesCpuMs(mode.cloud);
  const gatewayBefore = process.cpuUsage();
  mode.runs.push(await runLoad(url, SECONDS, CONCURRENCY));
  const gateway = process.cpuUsage(gatewayBefore);
  mode.gatewayCpuMs += (gateway.user + gateway.system) / 1000;
  mode.functionCpuMs += (await healthProcessesCpuMs(mode.cloud)) - functionBefore;
}

/** `forgecast_requests_total{function="health"}` as the cloud's collector serves it now. */
async function collectedHealthRequests(cloud: LocalCloud): Promise<number> {
  const text = await (await fetch(cloud.metrics.metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith('forgecast_requests_total{function="health"} '));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

function summary(mode: Omit<Mode, 'cloud'>) {
  const requests = mode.runs.reduce((sum, run) => sum + run.requests, 0);
  return {
    perSecond: Math.round(requests / (mode.runs.length * SECONDS)),
    p50: round(median(mode.runs.map((run) => run.p50)), 3),
    p99: round(median(mode.runs.map((run) => run.p99)), 3),
    requests,
    errors: mode.runs.reduce((sum, run) => sum + run.errors, 0),
    perRound: mode.runs.map((run) => run.perSecond),
    functionCpuUsPerRequest: round((mode.functionCpuMs * 1000) / requests, 1),
    gatewayCpuUsPerRequest: round((mode.gatewayCpuMs * 1000) / requests, 1),
  };
}

/**
 * `GET /v1/health/live` through gateway + FDK on local clouds started the same way, one whose
 * processes push metrics to the collector every second (as `npm start` runs) and one with
 * METRICS_BACKEND=none. Two clouds differ by several percent on their own (an A/A run,
 * BENCH_METRICS_CONTROL=1, shows it), so the run takes BENCH_PAIRS fresh pairs, started in
 * alternating order; within a pair both stay up and the rounds alternate which goes first, so
 * background work (block mining, the idle transcoder) and drift fall on both alike.
 */
export async function benchMetricsOverhead(): Promise<Record<string, unknown>> {
  const on: Omit<Mode, 'cloud'> = {
    name: CONTROL ? 'metrics off (none), control' : 'metrics on (push)',
    runs: [],
    functionCpuMs: 0,
    gatewayCpuMs: 0,
  };
  const off: Omit<Mode, 'cloud'> = {
    name: 'metrics off (none)',
    runs: [],
    functionCpuMs: 0,
    gatewayCpuMs: 0,
  };
  const pairRatios: number[] = [];
  let collected = 0;
  for (let pair = 0; pair < PAIRS; pair += 1) {
    const result = await runPair(on, off, pair % 2 === 1);
    pairRatios.push(result.ratio);
    collected += result.collected;
  }

  const [withMetrics, without] = [summary(on), summary(off)];
  const ratio = round(withMetrics.perSecond / without.perSecond, 3);
  return {
    route: `GET /v1${ROUTE}`,
    load: `wrk c${CONCURRENCY}; ${PAIRS} pairs of clouds x ${ROUNDS} rounds x ${SECONDS} s per mode, alternating`,
    [on.name]: withMetrics,
    [off.name]: without,
    throughputRatio: ratio,
    pairRatios: pairRatios.map((value) => round(value, 3)),
    addedP50Ms: round(withMetrics.p50 - without.p50, 3),
    addedP99Ms: round(withMetrics.p99 - without.p99, 3),
    addedFunctionCpuUsPerRequest: round(
      withMetrics.functionCpuUsPerRequest - without.functionCpuUsPerRequest,
      1,
    ),
    addedGatewayCpuUsPerRequest: round(
      withMetrics.gatewayCpuUsPerRequest - without.gatewayCpuUsPerRequest,
      1,
    ),
    // The counts must have reached the collector (1 s flushes), or "on" measured nothing.
    collectorCountedOn: collected,
    target: `throughput ratio >= ${TARGET_RATIO}`,
    meetsTarget: ratio >= TARGET_RATIO,
  };
}

/** One pair of fresh clouds; their runs are added to `on` and `off`. */
async function runPair(
  on: Omit<Mode, 'cloud'>,
  off: Omit<Mode, 'cloud'>,
  offFirst: boolean,
): Promise<{ ratio: number; collected: number }> {
  const start = (backend: 'push' | 'none') => benchCloud({ metricsBackend: backend });
  const onBackend = CONTROL ? 'none' : 'push';
  const first = await start(offFirst ? 'none' : onBackend);
  const second = await start(offFirst ? onBackend : 'none').catch(async (err: unknown) => {
    await first.close();
    throw err;
  });
  const [onCloud, offCloud] = offFirst ? [second, first] : [first, second];
  try {
    const modes: [Mode, Mode] = [
      { ...on, cloud: onCloud.cloud, runs: [], functionCpuMs: 0, gatewayCpuMs: 0 },
      { ...off, cloud: offCloud.cloud, runs: [], functionCpuMs: 0, gatewayCpuMs: 0 },
    ];
    const url = (mode: Mode) => `${mode.cloud.gatewayUrl}${ROUTE}`;
    // JIT, hot processes, and the second cloud's start-up work settled before anything counts.
    for (const mode of modes) await runLoad(url(mode), SECONDS, CONCURRENCY);
    const collectedBefore = await collectedHealthRequests(onCloud.cloud);
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? modes : ([modes[1], modes[0]] as const);
      for (const mode of order) await measured(mode, url(mode));
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const collected = (await collectedHealthRequests(onCloud.cloud)) - collectedBefore;
    for (const [target, mode] of [
      [on, modes[0]],
      [off, modes[1]],
    ] as const) {
      target.runs.push(...mode.runs);
      target.functionCpuMs += mode.functionCpuMs;
      target.gatewayCpuMs += mode.gatewayCpuMs;
    }
    const requests = (mode: Mode) => mode.runs.reduce((sum, run) => sum + run.requests, 0);
    return { ratio: requests(modes[0]) / requests(modes[1]), collected };
  } finally {
    await second.close();
    await first.close();
  }
}
