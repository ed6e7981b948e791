import { defineManifest } from '#shared/runtime/manifest.ts';
import { accountsConfigKeys } from './config.ts';

const anyKey = { type: 'scoped', anyOf: [] } as const;

export const accountsManifest = defineManifest({
  name: 'accounts',
  summary:
    'Organisations and their API keys: created by an operator, keys shown once, stored hashed, revocable.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    {
      method: 'POST',
      path: '/orgs',
      auth: { type: 'scoped', anyOf: ['admin'] },
      operationId: 'createOrganisation',
    },
    {
      method: 'GET',
      path: '/orgs',
      auth: { type: 'scoped', anyOf: ['admin'] },
      operationId: 'listOrganisations',
    },
    { method: 'GET', path: '/api-keys', auth: anyKey, operationId: 'listApiKeys' },
    { method: 'POST', path: '/api-keys', auth: anyKey, operationId: 'createApiKey' },
    { method: 'DELETE', path: '/api-keys/{keyId}', auth: anyKey, operationId: 'revokeApiKey' },
  ],
  events: [],
  config: accountsConfigKeys,
  api: () => import('./api.ts'),
});
