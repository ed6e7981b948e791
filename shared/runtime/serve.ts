import fdk from '@fnproject/fdk';
import { log } from '../base/log.ts';
import { ConfigError } from '../errors.ts';
import { processMetrics } from '../metrics/metrics-from-config.ts';
import { resolveSecretsAtColdStart } from '../secrets/resolve-at-cold-start.ts';
import { toFdkHandler } from './fdk-adapter.ts';
import type { ForgecastFunction } from './function.ts';

/** Exit code for "misconfigured" (EX_CONFIG): the container should not be restarted blindly. */
const EXIT_CONFIG = 78;
/** Fn sends SIGTERM before SIGKILL when it retires an idle container; keep well inside that. */
const FINAL_FLUSH_MS = 2000;

/**
 * The last minute of aggregates would die with the container: ship it first, for at most
 * FINAL_FLUSH_MS (a flush never rejects), then exit as Node would have.
 */
function flushMetricsOnTermination(): void {
  const finish = async (signal: NodeJS.Signals) => {
    try {
      const deadline = new Promise((resolve) => setTimeout(resolve, FINAL_FLUSH_MS).unref());
      await Promise.race([processMetrics().close?.(), deadline]);
    } catch (err) {
      log.warn('final metrics flush skipped', { error: err });
    }
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  };
  process.once('SIGTERM', (signal) => void finish(signal));
  process.once('SIGINT', (signal) => void finish(signal));
}

/**
 * Loads a function module and hands it to the FDK. Vault references (`<KEY>_SECRET_OCID`) are
 * resolved into the environment first, because configuration is read at module scope; a bad
 * value or an unreadable secret stops the cold start here, with a log line that names the variable.
 */
export async function serveFunction(
  name: string,
  load: () => Promise<{ handler: ForgecastFunction }>,
): Promise<void> {
  try {
    const resolved = await resolveSecretsAtColdStart();
    if (resolved.length > 0) log.info('secrets resolved from OCI Vault', { fn: name, keys: resolved });
    const { handler } = await load();
    fdk.handle(toFdkHandler(name, handler, fdk.rawResult), { inputMode: 'buffer' });
    flushMetricsOnTermination();
  } catch (err) {
    if (err instanceof ConfigError) log.error(err.message, { fn: name, variables: err.variables });
    else log.error('function failed to load', { fn: name, error: err });
    process.exit(EXIT_CONFIG);
  }
}
