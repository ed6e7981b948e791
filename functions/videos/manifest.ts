import { defineManifest } from '../../shared/runtime/manifest.ts';
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
    { method: 'POST', path: '/videos', auth: write },
    { method: 'GET', path: '/videos', auth: read },
    { method: 'GET', path: '/videos/{id}', auth: read },
  ],
  events: [],
  config: videosConfigKeys,
});
