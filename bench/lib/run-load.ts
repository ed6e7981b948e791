import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NODE_GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

export interface LoadResult {
  readonly tool: 'wrk' | 'node';
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * Closed-loop load against a loopback URL, from another process. wrk (C, Debian package) when
 * installed: a Node client costs about a core at these rates and would cap the figure it
 * measures. Bounded by time (wrk) or count (the Node fallback).
 */
export async function runLoad(url: string, seconds: number, concurrency: number): Promise<LoadResult> {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost)[:/]/.test(url))
    throw new Error('load only targets loopback');
  if (await hasWrk()) return wrk(url, seconds, concurrency);
  const { stdout } = await run(process.execPath, [
    NODE_GENERATOR,
    url,
    String(seconds * 1000),
    String(concurrency),
  ]);
  return {
    tool: 'node',
    ...(JSON.parse(stdout.trim().split('\n').at(-1) as string) as Omit<LoadResult, 'tool'>),
  };
}

let wrkAvailable: Promise<boolean> | undefined;
function hasWrk(): Promise<boolean> {
  wrkAvailable ??= run('wrk', ['--version']).then(
    () => true,
    (err: { code?: unknown; stdout?: string }) =>
      typeof err.stdout === 'string' && err.stdout.includes('wrk'),
  );
  return wrkAvailable;
}

async function wrk(url: string, seconds: number, concurrency: number): Promise<LoadResult> {
  const { stdout } = await run('wrk', ['-t1', `-c${concurrency}`, `-d${seconds}s`, '--latency', url]);
  const latency = (label: string) => {
    const match = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
    if (!match) return Number.NaN;
    const value = Number(match[1]);
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
  };
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return {
    tool: 'wrk',
    requests,
    errors,
    perSecond: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0)),
    p50: latency('50'),
    p99: latency('99'),
  };
}
