import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { designsConfigKeys } from './config.ts';
import {
  createDesignSchema,
  designIdSchema,
  listQuerySchema,
  provenanceConflictsQuerySchema,
} from './schema.ts';

const write = { type: 'scoped', anyOf: ['designs:write', 'admin'] } as const;
const read = { type: 'scoped', anyOf: ['designs:read', 'designs:write', 'admin'] } as const;
const operator = { type: 'scoped', anyOf: ['admin'] } as const;
const byId = z.object({ id: designIdSchema });
const licensor = z.object({ id: designIdSchema, orgId: designIdSchema });
const notFound = () => [new NotFoundError('')];

export const designsManifest = defineManifest({
  name: 'designs',
  summary:
    'Design records: create with a presigned upload URL, read status, metadata, proof and thumbnail; provenance conflicts for operators.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  routes: [
    {
      method: 'POST',
      path: '/designs',
      auth: write,
      api: {
        operationId: 'createDesign',
        summary: 'Create a design and get a presigned PUT for its file',
        description:
          'The answer’s `upload` (url, method, headers, expiresAt) accepts exactly `sizeBytes` bytes with the format’s content type (`model/stl`, `model/3mf`, `model/obj`), once.',
        body: createDesignSchema,
        responses: {
          201: {
            description: 'The design (`awaiting_upload`) and its `upload`',
            contentType: 'application/json',
          },
        },
      },
    },
    {
      method: 'GET',
      path: '/designs',
      auth: read,
      api: {
        operationId: 'listDesigns',
        summary: 'List the organisation’s designs, newest first',
        query: listQuerySchema,
        responses: { 200: { description: '`items` and `nextCursor`', contentType: 'application/json' } },
      },
    },
    {
      method: 'GET',
      path: '/designs/{id}',
      auth: read,
      api: {
        operationId: 'getDesign',
        summary: 'A design: status, rejection reason, fingerprint, mesh metrics, chain proof',
        params: byId,
        responses: { 200: { description: 'The design', contentType: 'application/json' } },
        problems: notFound,
      },
    },
    {
      method: 'GET',
      path: '/designs/{id}/thumbnail',
      auth: read,
      api: {
        operationId: 'getDesignThumbnail',
        summary: 'The design’s isometric thumbnail',
        params: byId,
        responses: { 200: { description: 'PNG image', contentType: 'image/png' } },
        problems: notFound,
      },
    },
    {
      method: 'GET',
      path: '/designs/{id}/licensors',
      auth: read,
      api: {
        operationId: 'listDesignLicensors',
        summary: 'Organisations the owner named to sell licenses of the design',
        params: byId,
        responses: { 200: { description: '`items`', contentType: 'application/json' } },
        problems: notFound,
      },
    },
    {
      method: 'PUT',
      path: '/designs/{id}/licensors/{orgId}',
      auth: write,
      api: {
        operationId: 'grantDesignLicensor',
        summary: 'Let an organisation (marketplace, ERP) sell licenses of your design',
        params: licensor,
        body: null,
        responses: { 204: { description: 'Granted (granting twice is harmless)' } },
        problems: notFound,
      },
    },
    {
      method: 'DELETE',
      path: '/designs/{id}/licensors/{orgId}',
      auth: write,
      api: {
        operationId: 'revokeDesignLicensor',
        summary: 'Stop an organisation selling new licenses of your design',
        params: licensor,
        responses: { 204: { description: 'Revoked' } },
        problems: notFound,
      },
    },
    // Operators only: which uploads were refused because another organisation registered the file first.
    {
      method: 'GET',
      path: '/provenance-conflicts',
      auth: operator,
      api: {
        operationId: 'listProvenanceConflicts',
        summary: 'Uploads refused because another organisation registered the same file first (operators)',
        query: provenanceConflictsQuerySchema,
        responses: { 200: { description: '`items` and `nextCursor`', contentType: 'application/json' } },
      },
    },
  ],
  events: [],
  config: designsConfigKeys,
});
