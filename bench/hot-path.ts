import type { HttpFunction } from '#shared/runtime/function.ts';
import type { LocalCloud } from '../infra/local/cloud.ts';
import { runLoad } from './lib/run-load.ts';
import { percentile, round } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Capacity is the best of a small concurrency sweep: too few connections leave the pool idle. */
const SWEEP = [4, 8, 16];
const IN_PROCESS_REQUESTS = 20_000;

/** The same handler called in-process, no gateway, no FDK, no socket: the baseline. */
async function inProcess(handler: HttpFunction, requests: number, concurrency: number) {
  const latencies: number[] = [];
  let sent = 0;
  const request = { method: 'GET', url: '/v1/health/live', headers: {}, body: Buffer.alloc(0) };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < requests) {
        sent += 1;
        const t = performance.now();
        const response = await handler.invoke(request);
        if (response.status !== 200) throw new Error(`in-process status ${response.status}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: round(latencies.length / seconds, 0),
    p50: round(percentile(latencies, 50), 3),
    p99: round(percentile(latencies, 99), 3),
  };
}

export async function benchHotPath(cloud: LocalCloud): Promise<Record<string, unknown>> {
  Object.assign(process.env, cloud.platformEnv);
  const { handler } = (await import('#functions/health/handler.ts')) as { handler: HttpFunction };
  const url = `${cloud.gatewayUrl}/health/live`;

  await cloud.runner.warmAll();
  await runLoad(url, 1, CONCURRENCY); // warm JITs and grow the pool
  await inProcess(handler, 1000, CONCURRENCY);

  const sweep: Record<string, Awaited<ReturnType<typeof runLoad>>> = {};
  for (const connections of SWEEP) sweep[`c${connections}`] = await runLoad(url, SECONDS, connections);
  const gatewayLoad = Object.values(sweep).reduce((best, r) => (r.perSecond > best.perSecond ? r : best));
  const gatewaySequential = await runLoad(url, SECONDS, 1);
  const baseLoad = await inProcess(handler, IN_PROCESS_REQUESTS, CONCURRENCY);
  const baseSequential = await inProcess(handler, IN_PROCESS_REQUESTS / 4, 1);

  return {
    'through gateway + FDK (best of sweep)': {
      ...gatewayLoad,
      sequentialP50: gatewaySequential.p50,
      sequentialP99: gatewaySequential.p99,
    },
    sweep: Object.fromEntries(
      Object.entries(sweep).map(([c, r]) => [c, { perSecond: r.perSecond, p50: r.p50, p99: r.p99 }]),
    ),
    'in-process handler (baseline)': { ...baseLoad, sequentialP50: baseSequential.p50 },
    throughputRatio: round(gatewayLoad.perSecond / baseLoad.perSecond, 3),
    addedP50Ms: round(gatewaySequential.p50 - baseSequential.p50, 3),
    targets: { perSecond: 2000, addedP50Ms: 1.5 },
    meetsTargets: gatewayLoad.perSecond >= 2000 && gatewaySequential.p50 - baseSequential.p50 <= 1.5,
  };
}
