import { defineManifest } from '#shared/runtime/manifest.ts';
import { ticketsConfigKeys } from './config.ts';

const holder = { type: 'scoped', anyOf: ['tickets:read', 'tickets:buy', 'admin'] } as const;
const creator = { type: 'scoped', anyOf: ['shows:write', 'admin'] } as const;

export const ticketsManifest = defineManifest({
  name: 'tickets',
  summary:
    'A viewer’s tickets with their signed QR codes; check-in at the door and revocation by the show’s creator.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    { method: 'GET', path: '/tickets', auth: holder, operationId: 'listTickets' },
    { method: 'GET', path: '/tickets/{id}', auth: holder, operationId: 'getTicket' },
    { method: 'POST', path: '/tickets/check-in', auth: creator, operationId: 'checkInTicket' },
    { method: 'POST', path: '/tickets/{id}/revoke', auth: creator, operationId: 'revokeTicket' },
  ],
  events: [],
  config: ticketsConfigKeys,
  api: () => import('./api.ts'),
});
