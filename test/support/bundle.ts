import { FUNCTION_ENTRY } from '../../infra/local/catalog-runtime.ts';
import type { RunnerFunction } from '../../infra/local/fn/runner.ts';

/** A catalog function from the built bundle (`npm test` builds it first), with explicit config. */
export function bundledFunction(
  name: string,
  env: Record<string, string>,
  timeoutSeconds = 10,
): RunnerFunction {
  return {
    name,
    command: process.execPath,
    args: [FUNCTION_ENTRY],
    env: { FORGECAST_FUNCTION: name, LOG_LEVEL: 'warn', ...env },
    memoryMb: 256,
    timeoutSeconds,
  };
}

/**
 * Config that lets `health` start and answer `/v1/health/live` without any dependency running
 * (liveness opens no connection); every address is a closed loopback port.
 */
export const OFFLINE_HEALTH_CONFIG: Readonly<Record<string, string>> = {
  MYSQL_URL: 'mysql://forgecast:unused@127.0.0.1:9/forgecast',
  S3_ENDPOINT: 'http://127.0.0.1:9',
  S3_REGION: 'local',
  S3_ACCESS_KEY_ID: 'unused',
  S3_SECRET_ACCESS_KEY: 'unused',
  CHAIN_RPC_URL: 'http://127.0.0.1:9',
  BUCKETS: 'media',
  QUEUES: 'transcode',
};
