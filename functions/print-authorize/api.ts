import { z } from 'zod';
import { NotFoundError, UnauthorizedError } from '#shared/errors.ts';
import type { PrintRefusal } from '#shared/licenses/print-refusal.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import { designUnavailable, grantAlreadyUsed, grantExpired, printersOnly, refusalError } from './errors.ts';
import { printGrantResponse, printJobPageResponse, printJobResponse } from './responses.ts';
import { authorizePrintSchema, completePrintSchema, idSchema, listPrintJobsQuerySchema } from './schema.ts';

const byId = z.object({ id: idSchema });
const refusal = (reason: Exclude<PrintRefusal['reason'], 'prints_exhausted'>) => refusalError({ reason }, '');

/** The print-authorize routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  authorizePrint: {
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
  listPrintJobs: {
    summary: 'The print jobs of the caller’s licenses, newest first (the license holder)',
    description:
      'Serial, printer, outcome and the license each job drew on; `licenseId` narrows to one license. Printer credentials are refused.',
    query: listPrintJobsQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: printJobPageResponse } },
  },
  getPrintJob: {
    summary: 'A print job (its printer, or the license holder)',
    params: byId,
    responses: { 200: { description: 'The job', schema: printJobResponse } },
    problems: () => [new NotFoundError('')],
  },
  completePrintJob: {
    summary: 'Report how a granted print ended',
    params: byId,
    body: completePrintSchema,
    responses: { 200: { description: 'The job with its outcome', schema: printJobResponse } },
    problems: () => [printersOnly(), new NotFoundError(''), grantAlreadyUsed(''), grantExpired()],
  },
} satisfies RouteContracts;
