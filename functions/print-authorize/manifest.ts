import { defineManifest } from '#shared/runtime/manifest.ts';
import { printAuthorizeConfigKeys } from './config.ts';

const printer = { type: 'scoped', anyOf: ['prints:authorize'] } as const;
const holder = { type: 'scoped', anyOf: ['licenses:read', 'admin'] } as const;
const printerOrHolder = { type: 'scoped', anyOf: ['prints:authorize', 'licenses:read', 'admin'] } as const;

export const printAuthorizeManifest = defineManifest({
  name: 'print-authorize',
  summary:
    'Printers ask for a one-time print grant (reserved print, serial, short-lived download, content key wrapped for the printer) and report its outcome.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  routes: [
    { method: 'POST', path: '/print-jobs', auth: printer, operationId: 'authorizePrint' },
    { method: 'GET', path: '/print-jobs', auth: holder, operationId: 'listPrintJobs' },
    { method: 'GET', path: '/print-jobs/{id}', auth: printerOrHolder, operationId: 'getPrintJob' },
    { method: 'POST', path: '/print-jobs/{id}/complete', auth: printer, operationId: 'completePrintJob' },
  ],
  events: [],
  config: printAuthorizeConfigKeys,
  api: () => import('./api.ts'),
});
