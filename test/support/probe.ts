import { fileURLToPath } from 'node:url';
import type { RunnerFunction } from '../../infra/local/fn/runner.ts';

const PROBE_SCRIPT = fileURLToPath(new URL('../fixtures/probe-function.ts', import.meta.url));

/** A runner entry for the probe function (real FDK over its unix socket). */
export function probeFunction(
  name: string,
  env: Record<string, string> = {},
  timeoutSeconds = 5,
): RunnerFunction {
  return {
    name,
    command: process.execPath,
    args: [PROBE_SCRIPT],
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    memoryMb: 256,
    timeoutSeconds,
  };
}
