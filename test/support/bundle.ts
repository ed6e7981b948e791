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
