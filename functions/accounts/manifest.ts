import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../shared/errors.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { accountsConfigKeys } from './config.ts';
import { createKeySchema, createOrgSchema, keyIdSchema } from './schema.ts';

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
      api: {
        operationId: 'createOrganisation',
        summary: 'Create an organisation and its first API key',
        description:
          'Operators only. `kind` says what the organisation does; `scopes` are the first key’s scopes. The key (`apiKey.key`) is shown in this answer only.',
        body: createOrgSchema,
        responses: {
          201: { description: 'The organisation with its first key', contentType: 'application/json' },
        },
      },
    },
    {
      method: 'GET',
      path: '/api-keys',
      auth: anyKey,
      api: {
        operationId: 'listApiKeys',
        summary: 'List the organisation’s API keys (never their secrets)',
        responses: {
          200: { description: '`items`: key id, name, scopes, dates', contentType: 'application/json' },
        },
      },
    },
    {
      method: 'POST',
      path: '/api-keys',
      auth: anyKey,
      api: {
        operationId: 'createApiKey',
        summary: 'Create another API key for the caller’s organisation',
        description:
          'The new key may hold only scopes the calling key holds. The key is shown in this answer only.',
        body: createKeySchema,
        responses: { 201: { description: '`keyId`, `key` and `scopes`', contentType: 'application/json' } },
        problems: () => [new ForbiddenError('')],
      },
    },
    {
      method: 'DELETE',
      path: '/api-keys/{keyId}',
      auth: anyKey,
      api: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key of the caller’s organisation',
        params: z.object({ keyId: keyIdSchema }),
        responses: { 204: { description: 'Revoked' } },
        problems: () => [new NotFoundError('')],
      },
    },
  ],
  events: [],
  config: accountsConfigKeys,
});
