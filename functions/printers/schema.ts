import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';

export const registerPrinterSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** Size and kind are checked by parsePrinterPublicKey, which says exactly what is wrong. */
  publicKeyPem: z.string().min(1),
});

/** A registration is a name and a PEM of at most 4 KiB; anything much larger is refused unread. */
export const MAX_REGISTRATION_BYTES = 8 * 1024;

export const printerIdSchema = z.string().regex(ID_PATTERN, 'not a printer id');

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: printerIdSchema.optional(),
});
