import { defineManifest } from '#shared/runtime/manifest.ts';
import { showsConfigKeys } from './config.ts';

const anonymous = { type: 'anonymous' } as const;
const creator = { type: 'scoped', anyOf: ['shows:write', 'admin'] } as const;

export const showsManifest = defineManifest({
  name: 'shows',
  summary:
    'Shows: creators schedule, edit and follow the sales of ticketed shows; anyone browses the catalogue (upcoming, live, on demand) with live seat availability and posters; people and organisations check out seats through Stripe Checkout and follow their orders.',
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
    { method: 'GET', path: '/shows/{id}/poster', auth: anonymous, operationId: 'getShowPoster' },
    // HTML: the portal's /shows and /shows/{id} with their content and meta tags (public-page.ts)
    { method: 'GET', path: '/pages/shows', auth: anonymous, operationId: 'getCataloguePage' },
    { method: 'GET', path: '/pages/shows/{id}', auth: anonymous, operationId: 'getShowPage' },
    { method: 'PATCH', path: '/shows/{id}', auth: creator, operationId: 'editShow' },
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
    { method: 'GET', path: '/studio/shows', auth: creator, operationId: 'listStudioShows' },
    { method: 'GET', path: '/studio/shows/{id}/sales', auth: creator, operationId: 'getShowSales' },
  ],
  events: [],
  config: showsConfigKeys,
  api: () => import('./api.ts'),
});
