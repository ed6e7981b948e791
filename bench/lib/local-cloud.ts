import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../infra/local/cloud.ts';

/** A throwaway local cloud for a benchmark run (MYSQL_URL reuses a server if given). */
export async function benchCloud(
  overrides: Partial<Pick<LocalCloudOptions, 'metricsBackend'>> = {},
): Promise<{ cloud: LocalCloud; dataDir: string; close(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fc-bench-'));
  const cloud = await startLocalCloud({
    ...overrides,
    dataDir,
    ...(process.env.MYSQL_URL ? { mysqlUrl: process.env.MYSQL_URL } : {}),
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    logLevel: 'warn',
    processesPerFunction: Number(process.env.BENCH_PROCESSES ?? 2),
  });
  return {
    cloud,
    dataDir,
    async close() {
      await cloud.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
