import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.ts';
import { InvalidPrinterKeyError } from '../../shared/printers/printer-public-key.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { printersConfigKeys } from './config.ts';
import {
  printerPageResponse,
  printerResponse,
  registeredPrinterResponse,
  rotatedCredentialResponse,
} from './responses.ts';
import { listQuerySchema, printerIdSchema, registerPrinterSchema } from './schema.ts';

const write = { type: 'scoped', anyOf: ['printers:write', 'admin'] } as const;
const read = { type: 'scoped', anyOf: ['printers:write', 'licenses:read', 'admin'] } as const;
const byId = z.object({ id: printerIdSchema });

export const printersManifest = defineManifest({
  name: 'printers',
  summary:
    'A licensee’s printers: register with an RSA public key (credential shown once), list, rotate the credential, retire.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    {
      method: 'POST',
      path: '/printers',
      auth: write,
      api: {
        operationId: 'registerPrinter',
        summary: 'Register a printer with its RSA public key (SPKI PEM, at least 2048 bits)',
        description: 'The answer carries the printer credential `fcp_…` once; only its hash is stored.',
        body: registerPrinterSchema,
        responses: {
          201: { description: 'The printer and its `credential`', schema: registeredPrinterResponse },
        },
        problems: () => [new InvalidPrinterKeyError('')],
      },
    },
    {
      method: 'GET',
      path: '/printers',
      auth: read,
      api: {
        operationId: 'listPrinters',
        summary: 'List the organisation’s printers',
        query: listQuerySchema,
        responses: { 200: { description: '`items` and `nextCursor`', schema: printerPageResponse } },
      },
    },
    {
      method: 'GET',
      path: '/printers/{id}',
      auth: read,
      api: {
        operationId: 'getPrinter',
        summary: 'A printer',
        params: byId,
        responses: { 200: { description: 'The printer', schema: printerResponse } },
        problems: () => [new NotFoundError('')],
      },
    },
    {
      method: 'DELETE',
      path: '/printers/{id}',
      auth: write,
      api: {
        operationId: 'retirePrinter',
        summary: 'Retire a printer: its credential stops working',
        params: byId,
        responses: { 204: { description: 'Retired' } },
        problems: () => [new NotFoundError('')],
      },
    },
    {
      method: 'POST',
      path: '/printers/{id}/credential',
      auth: write,
      api: {
        operationId: 'rotatePrinterCredential',
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
    },
  ],
  events: [],
  config: printersConfigKeys,
});
