import { readdir, readFile } from 'node:fs/promises';
import type { LocalCloud } from '../infra/local/cloud.ts';
import { benchCloud } from './lib/local-cloud.ts';
import { type LoadResult, runLoad } from './lib/run-load.ts';
import { median, round } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const TARGET_RATIO = 0.97;
const ROUTE = '/health/live';

interface Mode {
  readonly name: 'metrics on (push)' | 'metrics off (none)';
  readonly backend: 'push' | 'none';
  readonly cloud: LocalCloud;
  readonly runs: LoadResult[];
  /** CPU milliseconds spent during this mode's runs: its health processes, and this process. */
  functionCpuMs: number;
  gatewayCpuMs: number;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

/**
 * CPU milliseconds used so far by this process's health function children on `backend`, from
 * /proc (Linux): throughput on a shared 2-core machine swings by several percent between runs,
 * the CPU a request costs far less.
 */
async function healthProcessesCpuMs(backend: 'push' | 'none'): Promise<number> {
  let total = 0;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      const env = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0');
      if (!env.includes('FORGECAST_FUNCTION=health') || !env.includes(`METRICS_BACKEND=${backend}`)) continue;
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    } catch {
      // The process exited meanwhile.
    }
  }
  return total;
}

async function measured(mode: Mode, url: string): Promise<void> {
  const functionBefore = await healthProcessesCpuMs(mode.backend);
  const gatewayBefore = process.cpuUsage();
  mode.runs.push(await runLoad(url, SECONDS, CONCURRENCY));
  const gateway = process.cpuUsage(gatewayBefore);
  mode.gatewayCpuMs += (gateway.user + gateway.system) / 1000;
  mode.functionCpuMs += (await healthProcessesCpuMs(mode.backend)) - functionBefore;
}

/** `forgecast_requests_total{function="health"}` as the cloud's collector serves it now. */
async function collectedHealthRequests(cloud: LocalCloud): Promise<number> {
  const text = await (await fetch(cloud.metrics.metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith('forgecast_requests_total{function="health"} '));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

function summary(mode: Mode) {
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
 * `GET /v1/health/live` through gateway + FDK on two local clouds started the same way, one whose
 * processes push metrics to the collector every second (as `npm start` runs) and one with
 * METRICS_BACKEND=none. Both stay up for the whole run and the rounds alternate which goes first,
 * so background work (block mining, the idle transcoder) and machine drift fall on both alike.
 */
export async function benchMetricsOverhead(): Promise<Record<string, unknown>> {
  const on = await benchCloud({ metricsBackend: 'push' });
  const off = await benchCloud({ metricsBackend: 'none' }).catch(async (err: unknown) => {
    await on.close();
    throw err;
  });
  try {
    const modes: [Mode, Mode] = [
      {
        name: 'metrics on (push)',
        backend: 'push',
        cloud: on.cloud,
        runs: [],
        functionCpuMs: 0,
        gatewayCpuMs: 0,
      },
      {
        name: 'metrics off (none)',
        backend: 'none',
        cloud: off.cloud,
        runs: [],
        functionCpuMs: 0,
        gatewayCpuMs: 0,
      },
    ];
    const url = (mode: Mode) => `${mode.cloud.gatewayUrl}${ROUTE}`;
    // JIT, hot processes, and the second cloud's start-up work settled before anything counts.
    for (const mode of modes) await runLoad(url(mode), SECONDS, CONCURRENCY);
    const collectedBefore = await collectedHealthRequests(on.cloud);

    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? modes : ([modes[1], modes[0]] as const);
      for (const mode of order) await measured(mode, url(mode));
    }

    // The counts must have reached the collector (1 s flushes), or "on" measured nothing.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const collected = (await collectedHealthRequests(on.cloud)) - collectedBefore;
    const [withMetrics, without] = modes.map(summary) as [
      ReturnType<typeof summary>,
      ReturnType<typeof summary>,
    ];
    const ratio = round(withMetrics.perSecond / without.perSecond, 3);
    // Each round's pair ran back to back: their ratio is free of drift between rounds, and the
    // median of those ratios is free of one disturbed round. The verdict uses it.
    const pairedRatio = round(
      median(
        modes[0].runs.map((run, index) => run.perSecond / (modes[1].runs[index]?.perSecond ?? Number.NaN)),
      ),
      3,
    );
    return {
      route: `GET /v1${ROUTE}`,
      load: `wrk c${CONCURRENCY}, ${ROUNDS} rounds x ${SECONDS} s per mode, alternating`,
      [modes[0].name]: withMetrics,
      [modes[1].name]: without,
      throughputRatio: ratio,
      medianRoundRatio: pairedRatio,
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
      collectorCountedOn: collected,
      collectorCountedOff: await collectedHealthRequests(off.cloud),
      target: `median round throughput ratio >= ${TARGET_RATIO}`,
      meetsTarget: pairedRatio >= TARGET_RATIO,
    };
  } finally {
    await off.close();
    await on.close();
  }
}
