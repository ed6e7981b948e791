import { defineManifest } from '#shared/runtime/manifest.ts';
import { printersConfigKeys } from './config.ts';

const write = { type: 'scoped', anyOf: ['printers:write', 'admin'] } as const;
const read = { type: 'scoped', anyOf: ['printers:write', 'licenses:read', 'admin'] } as const;

export const printersManifest = defineManifest({
  name: 'printers',
  summary:
    'A licensee’s printers: register with an RSA public key (credential shown once), list, rotate the credential, retire.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [
    { method: 'POST', path: '/printers', auth: write, operationId: 'registerPrinter' },
    { method: 'GET', path: '/printers', auth: read, operationId: 'listPrinters' },
    { method: 'GET', path: '/printers/{id}', auth: read, operationId: 'getPrinter' },
    { method: 'DELETE', path: '/printers/{id}', auth: write, operationId: 'retirePrinter' },
    {
      method: 'POST',
      path: '/printers/{id}/credential',
      auth: write,
      operationId: 'rotatePrinterCredential',
    },
  ],
  events: [],
  config: printersConfigKeys,
  api: () => import('./api.ts'),
});
