import { defineManifest } from '../../shared/runtime/manifest.ts';
import { healthConfigKeys } from './config.ts';

export const healthManifest = defineManifest({
  name: 'health',
  summary:
    'Reports the state of every dependency (database, object storage, chain, work queue) and serves the API reference.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    {
      method: 'GET',
      path: '/health',
      auth: { type: 'anonymous' },
      api: {
        operationId: 'getHealth',
        summary: 'Readiness: every dependency probed (each bounded to 2 s)',
        responses: {
          200: { description: '`status: ok` and each check', contentType: 'application/json' },
          503: {
            description: 'Not ready: names what is still starting, or which dependency is down',
            contentType: 'application/json',
          },
        },
      },
    },
    {
      method: 'GET',
      path: '/health/live',
      auth: { type: 'anonymous' },
      api: {
        operationId: 'getLiveness',
        summary: 'Liveness: the function answers; touches no dependency',
        responses: { 200: { description: '`status: ok`', contentType: 'application/json' } },
      },
    },
    {
      method: 'GET',
      path: '/openapi.json',
      auth: { type: 'anonymous' },
      api: {
        operationId: 'getOpenApiDocument',
        summary: 'This API reference as OpenAPI 3.1',
        responses: { 200: { description: 'The OpenAPI document', contentType: 'application/json' } },
      },
    },
  ],
  events: [],
  config: healthConfigKeys,
});
