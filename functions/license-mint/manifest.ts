import { defineManifest } from '#shared/runtime/manifest.ts';
import { licenseMintConfigKeys } from './config.ts';

const write = { type: 'scoped', anyOf: ['licenses:write', 'admin'] } as const;
const read = { type: 'scoped', anyOf: ['licenses:read', 'licenses:write', 'admin'] } as const;

export const licenseMintManifest = defineManifest({
  name: 'license-mint',
  summary: 'Issues licenses on chain through the relayer (idempotent), shows them, revokes them.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 30,
  routes: [
    { method: 'POST', path: '/licenses', auth: write, operationId: 'createLicense' },
    { method: 'GET', path: '/licenses', auth: read, operationId: 'listLicenses' },
    { method: 'GET', path: '/licenses/{id}', auth: read, operationId: 'getLicense' },
    { method: 'POST', path: '/licenses/{id}/revoke', auth: write, operationId: 'revokeLicense' },
    {
      method: 'GET',
      path: '/ledger/reconciliation',
      auth: { type: 'scoped', anyOf: ['admin'] },
      operationId: 'getLedgerReconciliation',
    },
  ],
  events: [],
  config: licenseMintConfigKeys,
  api: () => import('./api.ts'),
});
