import { defineManifest } from '#shared/runtime/manifest.ts';
import { healthConfigKeys } from './config.ts';

export const healthManifest = defineManifest({
  name: 'health',
  summary:
    'Reports the state of every dependency (database, object storage, chain, work queue) and serves the API reference.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    { method: 'GET', path: '/health', auth: { type: 'anonymous' }, operationId: 'getHealth' },
    { method: 'GET', path: '/health/live', auth: { type: 'anonymous' }, operationId: 'getLiveness' },
    { method: 'GET', path: '/openapi.json', auth: { type: 'anonymous' }, operationId: 'getOpenApiDocument' },
  ],
  events: [],
  config: healthConfigKeys,
  api: () => import('./api.ts'),
});
