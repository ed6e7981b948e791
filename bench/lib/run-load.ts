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

/**
 * The figures of one wrk `--latency` report. `counts` are the three numbers a Lua script printed
 * as `COUNTS a b c` in its done() hook (the benches count outcomes that way), when it did.
 */
export function parseWrkReport(stdout: string) {
  const latency = (label: string) => {
    const match = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
    if (!match) return Number.NaN;
    const value = Number(match[1]);
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
  };
  const counts = /COUNTS (\d+) (\d+) (\d+)/.exec(stdout)?.slice(1).map(Number);
  return {
    requests: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0),
    perSecond: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0)),
    p50: latency('50'),
    p99: latency('99'),
    counts: [counts?.[0] ?? 0, counts?.[1] ?? 0, counts?.[2] ?? 0] as const,
  };
}

async function wrk(url: string, seconds: number, concurrency: number): Promise<LoadResult> {
  const { stdout } = await run('wrk', ['-t1', `-c${concurrency}`, `-d${seconds}s`, '--latency', url]);
  const { requests, perSecond, p50, p99 } = parseWrkReport(stdout);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return { tool: 'wrk', requests, errors, perSecond, p50, p99 };
}
