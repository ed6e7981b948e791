import { z } from 'zod';
import {
  type AppError,
  CodedProblemError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
} from '../../shared/errors.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { licenseMintConfigKeys } from './config.ts';
import {
  licensePageResponse,
  licenseResponse,
  pendingLicenseResponse,
  revokedLicenseResponse,
} from './responses.ts';
import {
  createLicenseSchema,
  idempotencyKeySchema,
  licenseIdSchema,
  listQuerySchema,
  revokeSchema,
} from './schema.ts';

const write = { type: 'scoped', anyOf: ['licenses:write', 'admin'] } as const;
const read = { type: 'scoped', anyOf: ['licenses:read', 'licenses:write', 'admin'] } as const;
const byId = z.object({ id: licenseIdSchema });
// The codes create-license.ts and the handler answer with (their modules hold SQL; a manifest loads at every cold start).
const coded = (
  Problem: new (message: string, options: { extensions: Record<string, unknown> }) => AppError,
  code: string,
) => new Problem('', { extensions: { code } });

export const licenseMintManifest = defineManifest({
  name: 'license-mint',
  summary: 'Issues licenses on chain through the relayer (idempotent), shows them, revokes them.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 30,
  routes: [
    {
      method: 'POST',
      path: '/licenses',
      auth: write,
      api: {
        operationId: 'createLicense',
        summary: 'Issue a license of a design to a holder organisation',
        description:
          'Idempotent per `Idempotency-Key`: the same key and body answer the same license (`Idempotent-Replayed: true`). 201 once mined; 202 with `Location`/`statusUrl` while the transaction is pending or the chain is unreachable.',
        headers: z.object({ 'idempotency-key': idempotencyKeySchema }),
        body: createLicenseSchema,
        responses: {
          201: { description: 'Issued and mined: token id and transaction', schema: licenseResponse },
          202: { description: 'Recorded, not mined yet: poll `statusUrl`', schema: pendingLicenseResponse },
        },
        problems: () => [
          new NotFoundError(''),
          coded(ConflictError, 'design_not_registered'),
          coded(UnprocessableError, 'idempotency_key_reused'),
          coded(UnprocessableError, 'unknown_holder'),
          coded(UnprocessableError, 'unknown_printer'),
          new CodedProblemError(422, 'license_refused', 'The ledger refused the license', ''),
        ],
      },
    },
    {
      method: 'GET',
      path: '/licenses',
      auth: read,
      api: {
        operationId: 'listLicenses',
        summary: 'List licenses the organisation issued or holds',
        query: listQuerySchema,
        responses: { 200: { description: '`items` and `nextCursor`', schema: licensePageResponse } },
      },
    },
    {
      method: 'GET',
      path: '/licenses/{id}',
      auth: read,
      api: {
        operationId: 'getLicense',
        summary: 'A license: terms, prints used/reserved/left/settled, chain state',
        params: byId,
        query: z.object({ chain: z.enum(['live']).optional() }),
        responses: {
          200: { description: 'The license (`chain.live` with `?chain=live`)', schema: licenseResponse },
        },
        problems: () => [new NotFoundError('')],
      },
    },
    {
      method: 'POST',
      path: '/licenses/{id}/revoke',
      auth: write,
      api: {
        operationId: 'revokeLicense',
        summary: 'Revoke a license (issuer or design owner)',
        params: byId,
        body: revokeSchema,
        responses: {
          200: {
            description: 'The revoked license with `revocationOnChain`',
            schema: revokedLicenseResponse,
          },
        },
        problems: () => [new NotFoundError(''), new ForbiddenError('')],
      },
    },
    {
      method: 'GET',
      path: '/ledger/reconciliation',
      auth: { type: 'scoped', anyOf: ['admin'] },
      api: {
        operationId: 'getLedgerReconciliation',
        summary: 'The latest comparison of the off-chain ledger with the chain (operators)',
        responses: { 200: { description: 'Counts and the drift found', contentType: 'application/json' } },
        problems: () => [new NotFoundError('')],
      },
    },
  ],
  events: [],
  config: licenseMintConfigKeys,
});
