import { defineManifest } from '#shared/runtime/manifest.ts';
import { liveStreamsConfigKeys } from './config.ts';

const write = { type: 'scoped', anyOf: ['videos:write', 'admin'] } as const;
const read = { type: 'scoped', anyOf: ['videos:read', 'videos:write', 'admin'] } as const;

export const liveStreamsManifest = defineManifest({
  name: 'live-streams',
  summary:
    'Creators’ live streams: a stream key shown once (stored hashed), RTMP, RTMPS and WHIP URLs, rotate key, end, status and why.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  routes: [
    { method: 'POST', path: '/live-streams', auth: write, operationId: 'createLiveStream' },
    { method: 'GET', path: '/live-streams', auth: read, operationId: 'listLiveStreams' },
    { method: 'GET', path: '/live-streams/{id}', auth: read, operationId: 'getLiveStream' },
    {
      method: 'POST',
      path: '/live-streams/{id}/rotate-key',
      auth: write,
      operationId: 'rotateLiveStreamKey',
    },
    { method: 'POST', path: '/live-streams/{id}/end', auth: write, operationId: 'endLiveStream' },
  ],
  events: [],
  config: liveStreamsConfigKeys,
  api: () => import('./api.ts'),
});
