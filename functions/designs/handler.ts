import { createPool } from '#shared/db/pool.ts';
import {
  findOrgDesign,
  grantLicensor,
  insertDesign,
  listLicensableDesigns,
  listLicensors,
  listOrgDesigns,
  revokeLicensor,
} from '#shared/designs/design-repository.ts';
import { listProvenanceConflicts } from '#shared/designs/provenance-conflicts.ts';
import { NotFoundError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { objectStoreFromConfig } from '#shared/storage/s3-object-store.ts';
import { loadDesignsConfig } from './config.ts';
import { designsManifest } from './manifest.ts';
import { presentDesign, presentLicensableDesign, presentProvenanceConflict } from './present.ts';
import {
  CONTENT_TYPES,
  createDesignSchema,
  designIdSchema,
  listQuerySchema,
  provenanceConflictsQuerySchema,
} from './schema.ts';

const config = loadDesignsConfig();
const pool = createPool(config.MYSQL_URL);
const store = objectStoreFromConfig(config);

export const handler = httpFunction(designsManifest, () => ({
  createDesign: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'designs:write');
    const input = parseJsonBody(req, createDesignSchema);
    const id = newId();
    await insertDesign(pool, {
      id,
      orgId: principal.orgId,
      name: input.name,
      format: input.format,
      declaredBytes: input.sizeBytes,
    });
    const design = await findOrgDesign(pool, principal.orgId, id);
    if (!design) throw new Error('design vanished after insert');
    const upload = await store.presignPut(config.INCOMING_BUCKET, design.uploadKey, {
      contentType: CONTENT_TYPES[input.format],
      contentLength: input.sizeBytes,
      expiresInSeconds: config.UPLOAD_URL_TTL_SECONDS,
    });
    res
      .status(201)
      .location(`/v1/designs/${id}`)
      .json({
        ...presentDesign(design),
        upload: {
          url: upload.url,
          method: upload.method,
          headers: upload.headers,
          expiresAt: upload.expiresAt.toISOString(),
        },
      });
  },

  listDesigns: async (req, res) => {
    const principal = requirePrincipal(req);
    const query = validate(listQuerySchema, req.query, 'query');
    const page = await listOrgDesigns(pool, principal.orgId, {
      limit: query.limit,
      ...(query.cursor ? { before: query.cursor } : {}),
    });
    res.json({ items: page.items.map(presentDesign), nextCursor: page.next });
  },

  getDesign: async (req, res) => {
    const principal = requirePrincipal(req);
    const id = validate(designIdSchema, req.params.id, 'path');
    const design = await findOrgDesign(pool, principal.orgId, id);
    if (!design) throw new NotFoundError(`No design ${id}`);
    res.json(presentDesign(design));
  },

  getDesignThumbnail: async (req, res) => {
    const principal = requirePrincipal(req);
    const id = validate(designIdSchema, req.params.id, 'path');
    const design = await findOrgDesign(pool, principal.orgId, id);
    if (!design?.thumbnailKey) throw new NotFoundError(`No thumbnail for design ${id}`);
    const { body } = await store.get(config.MEDIA_BUCKET, design.thumbnailKey);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    res.type('image/png').set('Cache-Control', 'private, max-age=3600').send(Buffer.concat(chunks));
  },

  listDesignLicensors: async (req, res) => {
    const principal = requirePrincipal(req);
    const design = await ownDesign(principal.orgId, req.params.id);
    res.json({ items: await listLicensors(pool, design.id) });
  },

  // The owner names the organisations (marketplaces, ERPs) that may sell licenses of a design.
  grantDesignLicensor: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'designs:write');
    const design = await ownDesign(principal.orgId, req.params.id);
    const orgId = validate(designIdSchema, req.params.orgId, 'path');
    if (!(await grantLicensor(pool, design.id, orgId))) throw new NotFoundError(`No organisation ${orgId}`);
    res.status(204).end();
  },

  revokeDesignLicensor: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'designs:write');
    const design = await ownDesign(principal.orgId, req.params.id);
    await revokeLicensor(pool, design.id, validate(designIdSchema, req.params.orgId, 'path'));
    res.status(204).end();
  },

  listLicensableDesigns: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'licenses:write');
    const query = validate(listQuerySchema, req.query, 'query');
    const page = await listLicensableDesigns(pool, principal.orgId, {
      limit: query.limit,
      ...(query.cursor ? { before: query.cursor } : {}),
    });
    res.json({ items: page.items.map(presentLicensableDesign), nextCursor: page.next });
  },

  listProvenanceConflicts: async (req, res) => {
    requireScope(requirePrincipal(req), 'admin');
    const query = validate(provenanceConflictsQuerySchema, req.query, 'query');
    const page = await listProvenanceConflicts(pool, {
      limit: query.limit,
      ...(query.cursor === undefined ? {} : { before: query.cursor }),
      ...(query.orgId === undefined ? {} : { orgId: query.orgId }),
    });
    res.json({
      items: page.items.map(presentProvenanceConflict),
      nextCursor: page.next === null ? null : String(page.next),
    });
  },
}));

async function ownDesign(orgId: string, rawId: string | undefined) {
  const id = validate(designIdSchema, rawId, 'path');
  const design = await findOrgDesign(pool, orgId, id);
  if (!design) throw new NotFoundError(`No design ${id}`);
  return design;
}
