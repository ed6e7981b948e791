import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';

export const idSchema = z.string().regex(ID_PATTERN, 'not an id');

export const authorizePrintSchema = z.strictObject({
  licenseId: idSchema,
});

export const completePrintSchema = z.strictObject({
  outcome: z.enum(['succeeded', 'failed']),
  /** What went wrong, for a failed print (kept with the job, at most 500 characters). */
  reason: z.string().trim().min(1).max(500).optional(),
});

/** Small JSON bodies only: a print request is an id. */
export const MAX_BODY_BYTES = 4 * 1024;

/** `GET /v1/print-jobs` (the license holder): newest first, optionally one license's jobs. */
export const listPrintJobsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The `nextCursor` of the previous page. */
  cursor: idSchema.optional(),
  licenseId: idSchema.optional(),
});
