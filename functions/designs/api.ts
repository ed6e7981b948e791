import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  createdDesignResponse,
  designPageResponse,
  designResponse,
  licensableDesignPageResponse,
  licensorsResponse,
  provenanceConflictPageResponse,
} from './responses.ts';
import {
  createDesignSchema,
  designIdSchema,
  listQuerySchema,
  provenanceConflictsQuerySchema,
} from './schema.ts';

const byId = z.object({ id: designIdSchema });
const licensor = z.object({ id: designIdSchema, orgId: designIdSchema });
const notFound = () => [new NotFoundError('')];

/** The designs routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  createDesign: {
    summary: 'Create a design and get a presigned PUT for its file',
    description:
      'The answer’s `upload` (url, method, headers, expiresAt) accepts exactly `sizeBytes` bytes with the format’s content type (`model/stl`, `model/3mf`, `model/obj`), once.',
    body: createDesignSchema,
    responses: {
      201: {
        description: 'The design (`awaiting_upload`) and its `upload`',
        schema: createdDesignResponse,
      },
    },
  },
  listDesigns: {
    summary: 'List the organisation’s designs, newest first',
    query: listQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: designPageResponse } },
  },
  getDesign: {
    summary: 'A design: status, rejection reason, fingerprint, mesh metrics, chain proof',
    params: byId,
    responses: { 200: { description: 'The design', schema: designResponse } },
    problems: notFound,
  },
  getDesignThumbnail: {
    summary: 'The design’s isometric thumbnail',
    params: byId,
    responses: { 200: { description: 'PNG image', contentType: 'image/png' } },
    problems: notFound,
  },
  listDesignLicensors: {
    summary: 'Organisations the owner named to sell licenses of the design',
    params: byId,
    responses: { 200: { description: '`items`', schema: licensorsResponse } },
    problems: notFound,
  },
  grantDesignLicensor: {
    summary: 'Let an organisation (marketplace, ERP) sell licenses of your design',
    params: licensor,
    body: null,
    responses: { 204: { description: 'Granted (granting twice is harmless)' } },
    problems: notFound,
  },
  revokeDesignLicensor: {
    summary: 'Stop an organisation selling new licenses of your design',
    params: licensor,
    responses: { 204: { description: 'Revoked' } },
    problems: notFound,
  },
  listLicensableDesigns: {
    summary:
      'Registered designs the caller may issue licenses of: its own and those it was named licensor of',
    query: listQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: licensableDesignPageResponse } },
  },
  listProvenanceConflicts: {
    summary: 'Uploads refused because another organisation registered the same file first (operators)',
    query: provenanceConflictsQuerySchema,
    responses: {
      200: { description: '`items` and `nextCursor`', schema: provenanceConflictPageResponse },
    },
  },
} satisfies RouteContracts;
