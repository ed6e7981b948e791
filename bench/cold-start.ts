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

/** Spawn → listening → first successful answer, measured on a fresh container each time. */
async function coldStartMs(fn: RunnerFunction): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const runner = new FnRunner([fn], { processesPerFunction: 1 });
    const started = performance.now();
    const outcome = await runner.call(fn.name, firstCall(fn));
    const elapsed = performance.now() - started;
    await runner.close();
    if (outcome.kind !== 'ok') throw new Error(`${fn.name}: first call ${outcome.kind}`);
    samples.push(elapsed);
  }
  return samples;
}

export async function benchColdStart(cloud: LocalCloud): Promise<Record<string, unknown>> {
  const bare: RunnerFunction = {
    name: 'bare-fdk',
    command: process.execPath,
    args: [BARE_FDK],
    env: {},
    memoryMb: 128,
    timeoutSeconds: 30,
  };
  const baseline = median(await coldStartMs(bare));
  const rows: Record<string, unknown> = { 'bare FDK (baseline)': { medianMs: round(baseline, 1) } };
  for (const fn of runnerFunctions(cloud.platformEnv)) {
    const ms = median(await coldStartMs(fn));
    rows[fn.name] = {
      medianMs: round(ms, 1),
      ratioToBareFdk: round(ms / baseline),
      targetMs: TARGET_MS,
      meetsTarget: ms <= TARGET_MS,
    };
  }
  return rows;
}
