import { lazyOnce } from '#shared/base/lazy.ts';
import type { RouteHandler } from '#shared/runtime/function.ts';
import { buildOpenApiDocument, loadRouteContracts } from '#shared/runtime/openapi.ts';
import { catalog } from '../index.ts';

/**
 * `GET /v1/openapi.json`: the API reference, built from the catalog this very image runs, so it
 * always describes the routes being served. Built on the first request (the contracts' modules
 * load then, never at cold start) and kept; the committed docs/openapi.json is the same document
 * (a test compares them).
 */
// A failed build is not kept: the next request tries again.
const document = lazyOnce(async (): Promise<string> => {
  const functions = await loadRouteContracts(catalog.map((entry) => entry.manifest));
  return JSON.stringify(buildOpenApiDocument(functions));
});

/** `getOpenApiDocument`. */
export const serveApiReference: RouteHandler = async (_req, res) => {
  const text = await document();
  res.type('application/json').set('Cache-Control', 'public, max-age=300').send(text);
};
