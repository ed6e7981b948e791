import { fileURLToPath } from 'node:url';
import { catalog } from '#functions/index.ts';
import type { FunctionManifest } from '#shared/runtime/manifest.ts';
import type { RunnerFunction } from './fn/runner.ts';
import { type GatewayRoute, routesOf } from './gateway/routes.ts';

export const FUNCTION_ENTRY = fileURLToPath(new URL('../../dist/function/entry.js', import.meta.url));
/** Beside the bundle, so a rebuild's new chunks and the old entries share one folder V8 keys by content. */
const LOCAL_COMPILE_CACHE = fileURLToPath(new URL('../../dist/function-compile-cache', import.meta.url));

/**
 * Turns the catalog into runner entries. Like OCI function config, each function receives only
 * the variables its manifest declares, so a manifest that forgets one fails here too.
 */
export function runnerFunctions(
  platformEnv: Readonly<Record<string, string>>,
  onLog?: (fn: string, stream: 'stdout' | 'stderr', line: string) => void,
): RunnerFunction[] {
  return catalog.map(({ manifest }) => ({
    name: manifest.name,
    command: process.execPath,
    // No --enable-source-maps: parsing the maps costs ~25 ms of every cold start; the .map files
    // ship beside the bundle for decoding a stack trace offline.
    args: [FUNCTION_ENTRY],
    // NODE_COMPILE_CACHE as the image sets it (Dockerfile): V8's code cache of the bundle, so a
    // cold start skips compiling it; here the first start of each chunk writes it.
    env: {
      ...declaredConfig(manifest, platformEnv),
      FORGECAST_FUNCTION: manifest.name,
      NODE_COMPILE_CACHE: LOCAL_COMPILE_CACHE,
    },
    memoryMb: manifest.memoryMb,
    timeoutSeconds: manifest.timeoutSeconds,
    ...(onLog
      ? { onLog: (stream: 'stdout' | 'stderr', line: string) => onLog(manifest.name, stream, line) }
      : {}),
  }));
}

function declaredConfig(manifest: FunctionManifest, platformEnv: Readonly<Record<string, string>>) {
  const env: Record<string, string> = {};
  for (const key of [...manifest.config, 'LOG_LEVEL', 'TZ']) {
    const value = platformEnv[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

export function gatewayRoutes(): GatewayRoute[] {
  return routesOf(...catalog.map(({ manifest }) => manifest));
}
