import { defineManifest } from '#shared/runtime/manifest.ts';
import { videosConfigKeys } from './config.ts';

const write = { type: 'scoped', anyOf: ['videos:write', 'admin'] } as const;
const read = { type: 'scoped', anyOf: ['videos:read', 'videos:write', 'admin'] } as const;

export const videosManifest = defineManifest({
  name: 'videos',
  summary:
    'Video assets: create with a presigned upload URL, follow transcoding, read renditions, poster and a playback URL.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  routes: [
    { method: 'POST', path: '/videos', auth: write, operationId: 'createVideo' },
    { method: 'GET', path: '/videos', auth: read, operationId: 'listVideos' },
    { method: 'GET', path: '/videos/{id}', auth: read, operationId: 'getVideo' },
  ],
  events: [],
  config: videosConfigKeys,
  api: () => import('./api.ts'),
});
