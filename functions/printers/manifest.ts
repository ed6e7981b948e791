import { defineManifest } from '../../shared/runtime/manifest.ts';
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
    { method: 'POST', path: '/printers', auth: write },
    { method: 'GET', path: '/printers', auth: read },
    { method: 'GET', path: '/printers/{id}', auth: read },
    { method: 'DELETE', path: '/printers/{id}', auth: write },
    { method: 'POST', path: '/printers/{id}/credential', auth: write },
  ],
  events: [],
  config: printersConfigKeys,
});
