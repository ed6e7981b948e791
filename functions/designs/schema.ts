import { z } from 'zod';
import { DESIGN_FORMATS, MAX_DESIGN_BYTES } from '#shared/designs/design.ts';
import { ID_PATTERN } from '#shared/ids.ts';

export const CONTENT_TYPES = {
  stl: 'model/stl',
  '3mf': 'model/3mf',
  obj: 'model/obj',
} as const;

export const createDesignSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  format: z.enum(DESIGN_FORMATS),
  /** The exact size of the file to upload; the presigned URL only accepts this many bytes. */
  sizeBytes: z.number().int().positive().max(MAX_DESIGN_BYTES),
});

export const designIdSchema = z.string().regex(ID_PATTERN, 'not a design id');

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: designIdSchema.optional(),
});

/** `GET /v1/provenance-conflicts` (operators): newest first, optionally one organisation's side. */
export const provenanceConflictsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.coerce.number().int().positive().optional(),
  /** Conflicts where this organisation is the holder or the later uploader. */
  orgId: z.string().regex(ID_PATTERN, 'not an organisation id').optional(),
});
