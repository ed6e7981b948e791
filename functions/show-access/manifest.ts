import { defineManifest } from '#shared/runtime/manifest.ts';
import { showAccessConfigKeys } from './config.ts';

const holder = { type: 'scoped', anyOf: ['tickets:read', 'tickets:buy', 'admin'] } as const;

export const showAccessManifest = defineManifest({
  name: 'show-access',
  summary:
    'For a show’s ticket holders: a short-lived tokenised HLS URL at the edge, and a Firebase custom token for the show’s chat.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    { method: 'POST', path: '/shows/{id}/playback', auth: holder, operationId: 'getShowPlayback' },
    { method: 'POST', path: '/shows/{id}/chat-token', auth: holder, operationId: 'getShowChatToken' },
  ],
  events: [],
  config: showAccessConfigKeys,
  api: () => import('./api.ts'),
});
