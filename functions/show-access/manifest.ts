import { defineManifest } from '#shared/runtime/manifest.ts';
import { showAccessConfigKeys } from './config.ts';

/**
 * Ticket holders, and the show's organisation (`shows:write`), which watches its show and
 * moderates its chat without a ticket.
 */
const watcher = { type: 'scoped', anyOf: ['tickets:read', 'tickets:buy', 'shows:write', 'admin'] } as const;

export const showAccessManifest = defineManifest({
  name: 'show-access',
  summary:
    'For a show’s ticket holders (people or organisations): a short-lived tokenised HLS URL at the edge, and a custom token for the show’s chat (also for its moderators).',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    { method: 'POST', path: '/shows/{id}/playback', auth: watcher, operationId: 'getShowPlayback' },
    { method: 'POST', path: '/shows/{id}/chat-token', auth: watcher, operationId: 'getShowChatToken' },
  ],
  events: [],
  config: showAccessConfigKeys,
  api: () => import('./api.ts'),
});
