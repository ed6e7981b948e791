import { defineManifest } from '#shared/runtime/manifest.ts';
import { showsConfigKeys } from './config.ts';

const anonymous = { type: 'anonymous' } as const;

export const showsManifest = defineManifest({
  name: 'shows',
  summary:
    'Shows: creators schedule ticketed shows; anyone lists and reads them with live seat availability; viewers check out seats through Stripe Checkout.',
  kind: 'http',
  memoryMb: 256,
  // A checkout waits for Stripe (STRIPE_TIMEOUT_MS, default 10 s) after holding the seats.
  timeoutSeconds: 30,
  routes: [
    {
      method: 'POST',
      path: '/shows',
      auth: { type: 'scoped', anyOf: ['shows:write', 'admin'] },
      operationId: 'createShow',
    },
    { method: 'GET', path: '/shows', auth: anonymous, operationId: 'listShows' },
    { method: 'GET', path: '/shows/{id}', auth: anonymous, operationId: 'getShow' },
    {
      method: 'POST',
      path: '/shows/{id}/checkout',
      auth: { type: 'scoped', anyOf: ['tickets:buy', 'admin'] },
      operationId: 'checkoutShow',
    },
    {
      method: 'GET',
      path: '/holds/{id}',
      auth: { type: 'scoped', anyOf: ['tickets:buy', 'tickets:read', 'admin'] },
      operationId: 'getHold',
    },
  ],
  events: [],
  config: showsConfigKeys,
  api: () => import('./api.ts'),
});
