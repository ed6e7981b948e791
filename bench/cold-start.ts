import { fileURLToPath } from 'node:url';
import { catalog } from '#functions/index.ts';
import { runnerFunctions } from '../infra/local/catalog-runtime.ts';
import type { LocalCloud } from '../infra/local/cloud.ts';
import { fnHttpHeaders } from '../infra/local/fn/http-intent.ts';
import { type CallInput, FnRunner, type RunnerFunction } from '../infra/local/fn/runner.ts';
import { median, round } from './lib/stats.ts';

const BARE_FDK = fileURLToPath(new URL('./lib/bare-fdk.mjs', import.meta.url));
const SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 7);
const TARGET_MS = 150;
/** Issue 18: spawn → first answer at most twice the bare FDK's, for every function. */
const TARGET_RATIO = 2;

/** What a first call to each kind of function looks like. */
function firstCall(fn: RunnerFunction): CallInput {
  const manifest = catalog.find((e) => e.manifest.name === fn.name)?.manifest;
  if (manifest?.kind === 'http') {
    const route = manifest.routes.find((r) => r.path.endsWith('/live')) ?? manifest.routes[0];
    return { headers: fnHttpHeaders('GET', `/v1${route?.path ?? '/'}`, {}), body: Buffer.alloc(0) };
  }
  if (manifest?.kind === 'authorizer') {
    return {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from('{"type":"TOKEN","token":"x"}'),
    };
  }
  return { headers: {}, body: Buffer.alloc(0) };
}

/** Spawn → listening → first successful answer, on a fresh container. */
async function coldStartOnceMs(fn: RunnerFunction): Promise<number> {
  const runner = new FnRunner([fn], { processesPerFunction: 1 });
  const started = performance.now();
  const outcome = await runner.call(fn.name, firstCall(fn));
  const elapsed = performance.now() - started;
  await runner.close();
  if (outcome.kind !== 'ok') throw new Error(`${fn.name}: first call ${outcome.kind}`);
  return elapsed;
}

/**
 * Each function's samples alternate with samples of the bare FDK, and its ratio is taken against
 * those: on a shared machine the load drifts over the minutes a run takes, and one baseline
 * measured at the start made later functions look faster or slower than they are.
 */
export async function benchColdStart(cloud: LocalCloud): Promise<Record<string, unknown>> {
  const bare: RunnerFunction = {
    name: 'bare-fdk',
    command: process.execPath,
    args: [BARE_FDK],
    env: {},
    memoryMb: 128,
    timeoutSeconds: 30,
  };
  const allBare: number[] = [];
  const rows: Record<string, unknown> = {};
  for (const fn of runnerFunctions(cloud.platformEnv)) {
    const bareSamples: number[] = [];
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      bareSamples.push(await coldStartOnceMs(bare));
      samples.push(await coldStartOnceMs(fn));
    }
    allBare.push(...bareSamples);
    const ms = median(samples);
    const baseline = median(bareSamples);
    rows[fn.name] = {
      medianMs: round(ms, 1),
      bareFdkMs: round(baseline, 1),
      ratioToBareFdk: round(ms / baseline),
      meetsRatio: ms / baseline <= TARGET_RATIO,
      targetMs: TARGET_MS,
      meetsTarget: ms <= TARGET_MS,
    };
  }
  return { 'bare FDK (baseline)': { medianMs: round(median(allBare), 1) }, ...rows };
}
