import fdk from '@fnproject/fdk';
import { ConfigError } from '../errors.ts';
import { resolveSecretsAtColdStart } from '../secrets/resolve-at-cold-start.ts';
import { toFdkHandler } from './fdk-adapter.ts';
import type { ForgecastFunction } from './function.ts';
import { log } from './log.ts';

/** Exit code for "misconfigured" (EX_CONFIG): the container should not be restarted blindly. */
const EXIT_CONFIG = 78;

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
  } catch (err) {
    if (err instanceof ConfigError) log.error(err.message, { fn: name, variables: err.variables });
    else log.error('function failed to load', { fn: name, error: err });
    process.exit(EXIT_CONFIG);
  }
}
