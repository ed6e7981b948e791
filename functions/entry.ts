import { log } from '#shared/base/log.ts';
import { serveFunction } from '#shared/runtime/serve.ts';
import { findFunction } from './index.ts';

/**
 * The image entrypoint. One image serves every function; the OCI function config
 * `FORGECAST_FUNCTION` picks the handler, loaded on its own so a function pays only for its
 * own dependencies at cold start.
 */
const name = process.env.FORGECAST_FUNCTION ?? '';
const entry = findFunction(name);
if (entry) {
  await serveFunction(name, entry.load);
} else {
  log.error('FORGECAST_FUNCTION names no function in the catalog', { FORGECAST_FUNCTION: name });
  process.exit(78);
}
