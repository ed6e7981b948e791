import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.ts';
import { ID_PATTERN } from '../../shared/ids.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { showAccessConfigKeys } from './config.ts';
import { notReady, noValidTicket, showCancelled } from './errors.ts';

const holder = { type: 'scoped', anyOf: ['tickets:read', 'tickets:buy', 'admin'] } as const;
// The handler validates the id with the same pattern.
const byId = z.object({ id: z.string().regex(ID_PATTERN, 'not a show id') });
const refusals = () => [new NotFoundError(''), noValidTicket(), showCancelled()];

export const showAccessManifest = defineManifest({
  name: 'show-access',
  summary:
    'For a show’s ticket holders: a short-lived tokenised HLS URL at the edge, and a Firebase custom token for the show’s chat.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    {
      method: 'POST',
      path: '/shows/{id}/playback',
      auth: holder,
      api: {
        operationId: 'getShowPlayback',
        summary: 'A short-lived tokenised HLS URL of the show’s video (ticket holders)',
        params: byId,
        body: null,
        responses: { 200: { description: '`url` and `expiresAt`', contentType: 'application/json' } },
        problems: () => [...refusals(), notReady('')],
      },
    },
    {
      method: 'POST',
      path: '/shows/{id}/chat-token',
      auth: holder,
      api: {
        operationId: 'getShowChatToken',
        summary: 'A Firebase custom token admitting the holder to the show’s chat',
        params: byId,
        body: null,
        responses: {
          200: { description: '`token`, `uid` and `expiresAt`', contentType: 'application/json' },
        },
        problems: refusals,
      },
    },
  ],
  events: [],
  config: showAccessConfigKeys,
});
