import { defineManifest } from '../../shared/runtime/manifest.ts';
import { healthConfigKeys } from './config.ts';

export const healthManifest = defineManifest({
  name: 'health',
  summary: 'Reports the state of every dependency: database, object storage, chain, work queue.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    { method: 'GET', path: '/health', auth: { type: 'anonymous' } },
    { method: 'GET', path: '/health/live', auth: { type: 'anonymous' } },
  ],
  events: [],
  config: healthConfigKeys,
});
