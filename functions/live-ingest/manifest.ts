import { defineManifest } from '#shared/runtime/manifest.ts';
import { liveIngestConfigKeys } from './config.ts';

/** The ingest agents' machine credential; `admin` does not open these routes. */
const agent = { type: 'scoped', anyOf: ['live:ingest'] } as const;

export const liveIngestManifest = defineManifest({
  name: 'live-ingest',
  summary:
    'For live ingest agents only: the publish gate for stream keys (one ladder per stream), heartbeats that answer a cut, and the end of a publish session.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    { method: 'POST', path: '/live-ingest/authorize', auth: agent, operationId: 'authorizeLivePublish' },
    {
      method: 'POST',
      path: '/live-ingest/streams/{id}/update',
      auth: agent,
      operationId: 'updateLivePublish',
    },
    { method: 'POST', path: '/live-ingest/streams/{id}/done', auth: agent, operationId: 'finishLivePublish' },
  ],
  events: [],
  config: liveIngestConfigKeys,
  api: () => import('./api.ts'),
});
