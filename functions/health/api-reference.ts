import { lazyOnce } from '#shared/base/lazy.ts';
import type { RouteHandler } from '#shared/runtime/function.ts';

/**
 * `GET /v1/openapi.json`: the API reference, built from the catalog this very image runs, so it
 * always describes the routes being served. Built on the first request and kept: the catalog
 * (every manifest and config shape), the OpenAPI builder and the contracts' modules load then,
 * never at cold start (the catalog alone was a third of health's start-up); the committed docs/openapi.json is the same document
 * (a test compares them).
 */
// A failed build is not kept: the next request tries again.
const document = lazyOnce(async (): Promise<string> => {
  const [{ catalog }, { buildOpenApiDocument, loadRouteContracts }] = await Promise.all([
    import('../index.ts'),
    import('#shared/runtime/openapi.ts'),
  ]);
  const functions = await loadRouteContracts(catalog.map((entry) => entry.manifest));
  return JSON.stringify(buildOpenApiDocument(functions));
});

/** `getOpenApiDocument`. */
export const serveApiReference: RouteHandler = async (_req, res) => {
  const text = await document();
  res.type('application/json').set('Cache-Control', 'public, max-age=300').send(text);
};
