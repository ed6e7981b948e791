import { findFunction } from '#functions/index.ts';
import type { RunnerFunction } from '../../infra/local/fn/runner.ts';
import { bundledFunction } from './bundle.ts';

export interface SourceFunctionOptions {
  /** The handler module, relative to the repository; `functions/<name>/handler.ts` by default. */
  readonly handler?: string;
  /** The function's timeout as the runner enforces it; the bundle's default (10 s) otherwise. */
  readonly timeoutSeconds?: number;
  /** `warn` by default, as for bundled functions. */
  readonly logLevel?: string;
  readonly onLog?: RunnerFunction['onLog'];
}

const SERVE = new URL('../../shared/runtime/serve.ts', import.meta.url).href;

/**
 * A catalog function run from its TypeScript source through the real FDK entry point
 * (shared/runtime/serve.ts) in a process of its own, exactly as the bundle's entry runs it: no
 * bundle needed (Node strips the types), and nothing read from dist/, which another test run on
 * this machine may be rebuilding at that moment.
 */
export function functionFromSource(
  name: string,
  env: Record<string, string>,
  options: SourceFunctionOptions = {},
): RunnerFunction {
  const module = new URL(`../../${options.handler ?? `functions/${name}/handler.ts`}`, import.meta.url).href;
  const script = [
    `const { serveFunction } = await import(${JSON.stringify(SERVE)});`,
    `await serveFunction(${JSON.stringify(name)}, () => import(${JSON.stringify(module)}));`,
  ].join('\n');
  const base = bundledFunction(name, env, options.timeoutSeconds);
  return {
    ...base,
    env: { ...base.env, ...(options.logLevel === undefined ? {} : { LOG_LEVEL: options.logLevel }) },
    args: ['--disable-warning=ExperimentalWarning', '--input-type=module', '--eval', script],
    ...(options.onLog === undefined ? {} : { onLog: options.onLog }),
  };
}

/**
 * A catalog function from the bundle; until the catalog lists it, the same FDK entry point run
 * from source, so a test runs a real function process either way.
 */
export function functionUnderTest(
  name: string,
  env: Record<string, string>,
  options: SourceFunctionOptions = {},
): RunnerFunction {
  if (!findFunction(name)) return functionFromSource(name, env, options);
  const bundled = bundledFunction(name, env, options.timeoutSeconds);
  return {
    ...bundled,
    env: { ...bundled.env, ...(options.logLevel === undefined ? {} : { LOG_LEVEL: options.logLevel }) },
    ...(options.onLog === undefined ? {} : { onLog: options.onLog }),
  };
}
