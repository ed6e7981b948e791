import type { Express } from 'express';
import { buildOpenApiDocument } from '../../shared/runtime/openapi.ts';
import { catalog } from '../index.ts';

/**
 * `GET /v1/openapi.json`: the API reference, built from the catalog this very image runs, so it
 * always describes the routes being served. Built on the first request (never at cold start) and
 * kept; the committed docs/openapi.json is the same document (a test compares them).
 */
let document: string | undefined;

export function serveApiReference(app: Express): void {
  app.get('/openapi.json', (_req, res) => {
    document ??= JSON.stringify(buildOpenApiDocument(catalog.map((entry) => entry.manifest)));
    res.type('application/json').set('Cache-Control', 'public, max-age=300').send(document);
  });
}
