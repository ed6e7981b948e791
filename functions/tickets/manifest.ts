import { defineManifest } from '../../shared/runtime/manifest.ts';
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
    { method: 'GET', path: '/tickets', auth: holder },
    { method: 'GET', path: '/tickets/{id}', auth: holder },
    { method: 'POST', path: '/tickets/check-in', auth: creator },
    { method: 'POST', path: '/tickets/{id}/revoke', auth: creator },
  ],
  events: [],
  config: ticketsConfigKeys,
});
