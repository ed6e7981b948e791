import fdk from '@fnproject/fdk';
import { ConfigError } from '../errors.ts';
import { toFdkHandler } from './fdk-adapter.ts';
import type { ForgecastFunction } from './function.ts';
import { log } from './log.ts';

/** Exit code for "misconfigured" (EX_CONFIG): the container should not be restarted blindly. */
const EXIT_CONFIG = 78;

/**
 * Loads a function module and hands it to the FDK. Configuration is read at module scope, so
 * a bad value stops the cold start here, with a log line that names the variable.
 */
export async function serveFunction(
  name: string,
  load: () => Promise<{ handler: ForgecastFunction }>,
): Promise<void> {
  try {
    const { handler } = await load();
    fdk.handle(toFdkHandler(name, handler, fdk.rawResult), { inputMode: 'buffer' });
  } catch (err) {
    if (err instanceof ConfigError) log.error(err.message, { fn: name, variables: err.variables });
    else log.error('function failed to load', { fn: name, error: err });
    process.exit(EXIT_CONFIG);
  }
}
