import { defineManifest } from '../../shared/runtime/manifest.ts';
import { cdnLogsConfigKeys } from './config.ts';

const anonymous = { type: 'anonymous' } as const;
const videoReader = { type: 'scoped', anyOf: ['videos:read', 'videos:write', 'admin'] } as const;

export const cdnLogsManifest = defineManifest({
  name: 'cdn-logs',
  summary:
    'Fastly HTTPS log streaming: the domain challenge, batch ingest into per-video daily views, bytes and unique viewers, and the owner’s statistics.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 30,
  routes: [
    { method: 'GET', path: '/.well-known/fastly/logging/challenge', auth: anonymous, root: true },
    // Fastly cannot hold an API key: the function checks the shared secret header itself.
    { method: 'POST', path: '/cdn-logs', auth: anonymous },
    { method: 'GET', path: '/cdn-stats/videos/{id}', auth: videoReader },
  ],
  events: [],
  config: cdnLogsConfigKeys,
});
