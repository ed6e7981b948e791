import { log } from '#shared/base/log.ts';
import { serveFunction } from '#shared/runtime/serve.ts';
import { handlerModuleOf } from './handlers.ts';

/**
 * The image entrypoint. One image serves every function; the OCI function config
 * `FORGECAST_FUNCTION` picks the handler, loaded on its own so a function pays only for its
 * own dependencies at cold start. The catalog (every manifest, with its config shapes) is not
 * imported here: a container needs only its own handler.
 */
const name = process.env.FORGECAST_FUNCTION ?? '';
const load = handlerModuleOf(name);
if (load) {
  await serveFunction(name, load);
} else {
  log.error('FORGECAST_FUNCTION names no function in the catalog', { FORGECAST_FUNCTION: name });
  process.exit(78);
}
