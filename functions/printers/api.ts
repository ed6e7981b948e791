import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import { InvalidPrinterKeyError } from '#shared/printers/printer-public-key.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  printerPageResponse,
  printerResponse,
  registeredPrinterResponse,
  rotatedCredentialResponse,
} from './responses.ts';
import { listQuerySchema, printerIdSchema, registerPrinterSchema } from './schema.ts';

const byId = z.object({ id: printerIdSchema });

/** The printers routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  registerPrinter: {
    summary: 'Register a printer with its RSA public key (SPKI PEM, at least 2048 bits)',
    description: 'The answer carries the printer credential `fcp_…` once; only its hash is stored.',
    body: registerPrinterSchema,
    responses: {
      201: { description: 'The printer and its `credential`', schema: registeredPrinterResponse },
    },
    problems: () => [new InvalidPrinterKeyError('')],
  },
  listPrinters: {
    summary: 'List the organisation’s printers',
    query: listQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: printerPageResponse } },
  },
  getPrinter: {
    summary: 'A printer',
    params: byId,
    responses: { 200: { description: 'The printer', schema: printerResponse } },
    problems: () => [new NotFoundError('')],
  },
  retirePrinter: {
    summary: 'Retire a printer: its credential stops working',
    params: byId,
    responses: { 204: { description: 'Retired' } },
    problems: () => [new NotFoundError('')],
  },
  rotatePrinterCredential: {
    summary: 'Issue a new printer credential; the old one stops working',
    params: byId,
    body: null,
    responses: {
      200: {
        description: '`id` and the new `credential`, shown once',
        schema: rotatedCredentialResponse,
      },
    },
    problems: () => [new NotFoundError('')],
  },
} satisfies RouteContracts;
