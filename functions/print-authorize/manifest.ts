import { z } from 'zod';
import { NotFoundError, UnauthorizedError } from '../../shared/errors.ts';
import type { PrintRefusal } from '../../shared/licenses/print-refusal.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { printAuthorizeConfigKeys } from './config.ts';
import { designUnavailable, grantAlreadyUsed, grantExpired, printersOnly, refusalError } from './errors.ts';
import { printGrantResponse, printJobResponse } from './responses.ts';
import { authorizePrintSchema, completePrintSchema, idSchema } from './schema.ts';

const printer = { type: 'scoped', anyOf: ['prints:authorize'] } as const;
const printerOrHolder = { type: 'scoped', anyOf: ['prints:authorize', 'licenses:read', 'admin'] } as const;
const byId = z.object({ id: idSchema });
const refusal = (reason: Exclude<PrintRefusal['reason'], 'prints_exhausted'>) => refusalError({ reason }, '');

export const printAuthorizeManifest = defineManifest({
  name: 'print-authorize',
  summary:
    'Printers ask for a one-time print grant (reserved print, serial, short-lived download, content key wrapped for the printer) and report its outcome.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  routes: [
    {
      method: 'POST',
      path: '/print-jobs',
      auth: printer,
      api: {
        operationId: 'authorizePrint',
        summary: 'Ask for a one-time grant to print once from a license',
        description:
          'Printer credential only. The grant holds the job id, serial, a 5-minute download URL of the encrypted design and its content key wrapped for this printer’s public key.',
        body: authorizePrintSchema,
        responses: { 201: { description: 'The grant', schema: printGrantResponse } },
        problems: () => [
          printersOnly(),
          new UnauthorizedError(''),
          new NotFoundError(''),
          refusal('printer_not_approved'),
          refusal('license_pending'),
          refusal('license_failed'),
          refusal('license_revoked'),
          refusal('license_expired'),
          refusalError({ reason: 'prints_exhausted', printsTotal: 0, printsUsed: 0, printsReserved: 0 }, ''),
          designUnavailable(''),
        ],
      },
    },
    {
      method: 'GET',
      path: '/print-jobs/{id}',
      auth: printerOrHolder,
      api: {
        operationId: 'getPrintJob',
        summary: 'A print job (its printer, or the license holder)',
        params: byId,
        responses: { 200: { description: 'The job', schema: printJobResponse } },
        problems: () => [new NotFoundError('')],
      },
    },
    {
      method: 'POST',
      path: '/print-jobs/{id}/complete',
      auth: printer,
      api: {
        operationId: 'completePrintJob',
        summary: 'Report how a granted print ended',
        params: byId,
        body: completePrintSchema,
        responses: { 200: { description: 'The job with its outcome', schema: printJobResponse } },
        problems: () => [printersOnly(), new NotFoundError(''), grantAlreadyUsed(''), grantExpired()],
      },
    },
  ],
  events: [],
  config: printAuthorizeConfigKeys,
});
