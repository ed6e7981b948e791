import { defineManifest } from '#shared/runtime/manifest.ts';
import { analyticsConfigKeys } from './config.ts';

export const analyticsManifest = defineManifest({
  name: 'analytics',
  summary:
    'First-party page views and key actions from the portal and the shows app, written to the outbox (identifiers only with consent), and a signed-in person’s analytics consent.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  routes: [
    // Public: visitors who never signed in count too. The function reads the session cookie itself.
    {
      method: 'POST',
      path: '/analytics/events',
      auth: { type: 'anonymous' },
      operationId: 'collectAnalyticsEvents',
    },
    // Authentication only: a person's session (an API key is refused by the function).
    {
      method: 'GET',
      path: '/me/analytics-consent',
      auth: { type: 'scoped', anyOf: [] },
      operationId: 'getAnalyticsConsent',
    },
    {
      method: 'PUT',
      path: '/me/analytics-consent',
      auth: { type: 'scoped', anyOf: [] },
      operationId: 'putAnalyticsConsent',
    },
  ],
  events: [],
  config: analyticsConfigKeys,
  api: () => import('./api.ts'),
});
