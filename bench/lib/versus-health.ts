import { runLoad } from './run-load.ts';
import { median, round } from './stats.ts';
import { treeCpuMs } from './tree-cpu.ts';

/** What one load run of the route under test reports (more fields may ride along). */
export interface Rate {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
}

/** A load run with the local cloud's CPU time per request (core-ms; NaN where /proc is missing). */
async function withCpu<T extends Rate>(load: () => Promise<T>): Promise<T & { cpuMsPerRequest: number }> {
  const before = treeCpuMs();
  const result = await load();
  const after = treeCpuMs();
  const cpuMsPerRequest =
    before === undefined || after === undefined || result.requests === 0
      ? Number.NaN
      : round((after - before) / result.requests, 3);
  return { ...result, cpuMsPerRequest };
}

export interface VersusHealthOptions<T extends Rate> {
  /** `…/v1` of the local cloud's gateway: the baseline is GET /health/live through it. */
  readonly gatewayUrl: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly sweep: readonly number[];
  /** The concurrency the latency target is judged at. */
  readonly latencyAt: number;
  /** Made ready before each run of the route under test (data, files): outside its CPU window. */
  setUp?(connections: number, seconds: number): Promise<void>;
  /** One load run of the route under test at `connections`, lasting `seconds`: only the load. */
  measure(connections: number, seconds: number): Promise<T>;
  /**
   * The local cloud's scheduler: paused while the rounds run unless BENCH_EVENT_PIPELINE=1. The
   * outbox relay and the stream's consumers (webhooks, warehouse, GA4) then do not share the two
   * cores with the request path being measured, as they would not on OCI, where they run in
   * containers of their own. What the route wrote to the outbox is published after the rounds.
   */
  readonly scheduler?: { pause(): Promise<void>; resume(): void };
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The route under test against GET /health/live through the same gateway, each load run paired
 * with a health run at the same concurrency right beside it (the order alternating by round), so
 * the slow drift of a shared machine cancels out of every ratio; several rounds give the spread.
 * Per round: best throughput of the sweep ÷ health's at that concurrency, and the p99 at
 * `latencyAt` ÷ health's p99 there. Beside them the cloud's core-ms per request of each
 * (treeCpuMs) and their ratio, which other work on the machine moves far less.
 */
export async function versusHealth<T extends Rate>(options: VersusHealthOptions<T>) {
  const health = `${options.gatewayUrl}/health/live`;
  type Pair = {
    subject: T & { cpuMsPerRequest: number };
    health: Rate & { cpuMsPerRequest: number };
    ratio: number;
    p99Ratio: number;
    cpuRatio: number;
  };
  const rounds: Array<Record<string, Pair>> = [];
  const pausePipeline = options.scheduler !== undefined && process.env.BENCH_EVENT_PIPELINE !== '1';
  if (pausePipeline) await options.scheduler?.pause();
  try {
    for (let r = 0; r < options.rounds; r += 1) {
      const round_: Record<string, Pair> = {};
      for (const connections of options.sweep) {
        const baselineFirst = r % 2 === 1;
        const healthRun = () => withCpu(() => runLoad(health, options.seconds, connections));
        await options.setUp?.(connections, options.seconds);
        const before = baselineFirst ? await healthRun() : undefined;
        const subject = await withCpu(() => options.measure(connections, options.seconds));
        const baseline = before ?? (await healthRun());
        round_[`c${connections}`] = {
          subject,
          health: baseline,
          ratio: round(subject.perSecond / baseline.perSecond, 3),
          p99Ratio: round(subject.p99 / baseline.p99, 2),
          // What the throughput ratio comes to when the cores are the limit: health's cost ÷ ours.
          cpuRatio: round(baseline.cpuMsPerRequest / subject.cpuMsPerRequest, 3),
        };
      }
      rounds.push(round_);
    }
  } finally {
    if (pausePipeline) options.scheduler?.resume();
  }
  const at = `c${options.latencyAt}`;
  const perRound = rounds.map((byConcurrency) => {
    const best = Object.entries(byConcurrency).reduce((a, b) =>
      b[1].subject.perSecond > a[1].subject.perSecond ? b : a,
    );
    const latency = byConcurrency[at];
    return {
      bestAt: best[0],
      perSecond: best[1].subject.perSecond,
      healthPerSecond: best[1].health.perSecond,
      throughputRatio: best[1].ratio,
      [`p99 ${at}`]: latency?.subject.p99 ?? Number.NaN,
      [`health p99 ${at}`]: latency?.health.p99 ?? Number.NaN,
      p99Ratio: latency?.p99Ratio ?? Number.NaN,
      cpuMsPerRequest: best[1].subject.cpuMsPerRequest,
      healthCpuMsPerRequest: best[1].health.cpuMsPerRequest,
      cpuRatio: best[1].cpuRatio,
    };
  });
  const spread = (values: number[]): Spread => ({
    median: round(median(values), 3),
    min: round(Math.min(...values), 3),
    max: round(Math.max(...values), 3),
  });
  return {
    eventPipeline: pausePipeline
      ? 'paused during the rounds (BENCH_EVENT_PIPELINE=1 keeps the relay and consumers running)'
      : 'running',
    rounds,
    perRound,
    throughputRatio: spread(perRound.map((r) => r.throughputRatio)),
    p99Ratio: spread(perRound.map((r) => r.p99Ratio)),
    p99Ms: spread(perRound.map((r) => r[`p99 ${at}`] as number)),
    cpuRatio: spread(perRound.map((r) => r.cpuRatio)),
  };
}

/** A target and whether the median of the rounds meets it (min and max shown beside). */
export function verdict(label: string, spread: Spread, target: number, direction: 'atLeast' | 'atMost') {
  const pass = direction === 'atLeast' ? spread.median >= target : spread.median <= target;
  return `${pass ? 'PASS' : 'FAIL'} ${label}: median ${spread.median} (${spread.min}–${spread.max}) ${direction === 'atLeast' ? '≥' : '≤'} ${target}`;
}
