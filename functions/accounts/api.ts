import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  apiKeyListResponse,
  createdApiKeyResponse,
  createdOrganisationResponse,
  organisationPageResponse,
} from './responses.ts';
import { createKeySchema, createOrgSchema, keyIdSchema, listOrgsQuerySchema } from './schema.ts';

/** The accounts routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  createOrganisation: {
    summary: 'Create an organisation and its first API key',
    description:
      'Operators only. `kind` says what the organisation does; `scopes` are the first key’s scopes. The key (`apiKey.key`) is shown in this answer only.',
    body: createOrgSchema,
    responses: {
      201: { description: 'The organisation with its first key', schema: createdOrganisationResponse },
    },
  },
  listOrganisations: {
    summary: 'List every organisation, newest first (operators)',
    query: listOrgsQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: organisationPageResponse } },
  },
  listApiKeys: {
    summary: 'List the organisation’s API keys (never their secrets)',
    responses: {
      200: { description: '`items`: key id, name, scopes, dates', schema: apiKeyListResponse },
    },
  },
  createApiKey: {
    summary: 'Create another API key for the caller’s organisation',
    description:
      'The new key may hold only scopes the calling key holds. The key is shown in this answer only.',
    body: createKeySchema,
    responses: { 201: { description: '`keyId`, `key` and `scopes`', schema: createdApiKeyResponse } },
    problems: () => [new ForbiddenError('')],
  },
  revokeApiKey: {
    summary: 'Revoke an API key of the caller’s organisation',
    params: z.object({ keyId: keyIdSchema }),
    responses: { 204: { description: 'Revoked' } },
    problems: () => [new NotFoundError('')],
  },
} satisfies RouteContracts;
