import type { LocalCloud } from '../infra/local/cloud.ts';
import type { HttpFunction } from '../shared/runtime/function.ts';
import { runLoad } from './lib/run-load.ts';
import { percentile, round } from './lib/stats.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1500);

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
  const { handler } = (await import('../functions/health/handler.ts')) as { handler: HttpFunction };
  const url = `${cloud.gatewayUrl}/health/live`;

  await cloud.runner.warmAll();
  await runLoad(url, 500, CONCURRENCY); // warm JITs and grow the pool
  await inProcess(handler, 500, CONCURRENCY);

  const gatewayLoad = await runLoad(url, REQUESTS, CONCURRENCY);
  const gatewaySequential = await runLoad(url, SEQUENTIAL, 1);
  const baseLoad = await inProcess(handler, REQUESTS, CONCURRENCY);
  const baseSequential = await inProcess(handler, SEQUENTIAL, 1);

  return {
    'through gateway + FDK': {
      ...gatewayLoad,
      sequentialP50: gatewaySequential.p50,
      sequentialP99: gatewaySequential.p99,
    },
    'in-process handler (baseline)': { ...baseLoad, sequentialP50: baseSequential.p50 },
    throughputRatio: round(gatewayLoad.perSecond / baseLoad.perSecond, 3),
    addedP50Ms: round(gatewaySequential.p50 - baseSequential.p50, 3),
    targets: { perSecond: 2000, addedP50Ms: 1.5 },
    meetsTargets: gatewayLoad.perSecond >= 2000 && gatewaySequential.p50 - baseSequential.p50 <= 1.5,
  };
}
