import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

export function runLoad(url: string, requests: number, concurrency: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [GENERATOR, url, String(requests), String(concurrency)], (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) as string) as LoadResult);
    });
  });
}
