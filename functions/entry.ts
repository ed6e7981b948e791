import { log } from '#shared/base/log.ts';
import { serveFunction } from '#shared/runtime/serve.ts';
import { handlerModuleOf, handlerModules } from './handlers.ts';

/**
 * The image entrypoint. One image serves every function; the OCI function config
 * `FORGECAST_FUNCTION` picks the handler, loaded on its own so a function pays only for its
 * own dependencies at cold start. The catalog (every manifest, with its config shapes) is not
 * imported here: a container needs only its own handler.
 */
const name = process.env.FORGECAST_FUNCTION ?? '';
const load = handlerModuleOf(name);
if (process.argv[2] === '--warm-compile-cache') {
  // Image build step (Dockerfile): with NODE_COMPILE_CACHE set, compiling every handler's chunks
  // once here leaves V8's code cache in the image, and each cold start skips parsing and
  // compiling them (~15-20 ms of a ~100 ms start). Without config every module refuses to
  // evaluate, which is fine: compiling happens before evaluating.
  for (const loadModule of Object.values(handlerModules)) await loadModule().catch(() => undefined);
  process.exit(0);
} else if (load) {
  await serveFunction(name, load);
} else {
  log.error('FORGECAST_FUNCTION names no function in the catalog', { FORGECAST_FUNCTION: name });
  process.exit(78);
}
