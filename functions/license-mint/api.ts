import { z } from 'zod';
import {
  type AppError,
  CodedProblemError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
} from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  licensePageResponse,
  licenseResponse,
  pendingLicenseResponse,
  reconciliationResponse,
  revokedLicenseResponse,
} from './responses.ts';
import {
  createLicenseSchema,
  idempotencyKeySchema,
  licenseIdSchema,
  listQuerySchema,
  revokeSchema,
} from './schema.ts';

const byId = z.object({ id: licenseIdSchema });
// create-license.ts refuses with these generic errors, told apart by their code.
const coded = (
  Problem: new (message: string, options: { extensions: Record<string, unknown> }) => AppError,
  code: string,
) => new Problem('', { extensions: { code } });

/** The license-mint routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  createLicense: {
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
  listLicenses: {
    summary: 'List licenses the organisation issued or holds (`as` picks one side)',
    query: listQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: licensePageResponse } },
  },
  getLicense: {
    summary: 'A license: terms, prints used/reserved/left/settled, chain state',
    params: byId,
    query: z.object({ chain: z.enum(['live']).optional() }),
    responses: {
      200: { description: 'The license (`chain.live` with `?chain=live`)', schema: licenseResponse },
    },
    problems: () => [new NotFoundError('')],
  },
  revokeLicense: {
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
  getLedgerReconciliation: {
    summary: 'The latest comparison of the off-chain ledger with the chain (operators)',
    responses: { 200: { description: 'Counts and the drift found', schema: reconciliationResponse } },
    problems: () => [new NotFoundError('')],
  },
} satisfies RouteContracts;
