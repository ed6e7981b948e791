import { defineManifest } from '#shared/runtime/manifest.ts';
import { designsConfigKeys } from './config.ts';

const write = { type: 'scoped', anyOf: ['designs:write', 'admin'] } as const;
const read = { type: 'scoped', anyOf: ['designs:read', 'designs:write', 'admin'] } as const;
const operator = { type: 'scoped', anyOf: ['admin'] } as const;

export const designsManifest = defineManifest({
  name: 'designs',
  summary:
    'Design records: create with a presigned upload URL, read status, metadata, proof and thumbnail; provenance conflicts for operators.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  routes: [
    { method: 'POST', path: '/designs', auth: write, operationId: 'createDesign' },
    { method: 'GET', path: '/designs', auth: read, operationId: 'listDesigns' },
    { method: 'GET', path: '/designs/{id}', auth: read, operationId: 'getDesign' },
    { method: 'GET', path: '/designs/{id}/thumbnail', auth: read, operationId: 'getDesignThumbnail' },
    { method: 'GET', path: '/designs/{id}/licensors', auth: read, operationId: 'listDesignLicensors' },
    {
      method: 'PUT',
      path: '/designs/{id}/licensors/{orgId}',
      auth: write,
      operationId: 'grantDesignLicensor',
    },
    {
      method: 'DELETE',
      path: '/designs/{id}/licensors/{orgId}',
      auth: write,
      operationId: 'revokeDesignLicensor',
    },
    // Licensors (marketplaces, ERPs, and owners selling their own): the designs they may issue licenses of.
    {
      method: 'GET',
      path: '/licensable-designs',
      auth: { type: 'scoped', anyOf: ['licenses:write', 'admin'] },
      operationId: 'listLicensableDesigns',
    },
    // Operators only: which uploads were refused because another organisation registered the file first.
    { method: 'GET', path: '/provenance-conflicts', auth: operator, operationId: 'listProvenanceConflicts' },
  ],
  events: [],
  config: designsConfigKeys,
  api: () => import('./api.ts'),
});
