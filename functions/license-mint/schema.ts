import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';
import { MAX_EXPIRY_SECONDS, MAX_PRINTS } from '#shared/licenses/license.ts';

const id = (what: string) => z.string().regex(ID_PATTERN, `not ${what}`);

/** Printer sets stay small: the on-chain proof grows with log2 of the set, the API row with its size. */
export const MAX_APPROVED_PRINTERS = 256;

export const createLicenseSchema = z
  .strictObject({
    designId: id('a design id'),
    holderOrgId: id('an organisation id'),
    prints: z.number().int().min(1).max(MAX_PRINTS),
    expiresAt: z.iso
      .datetime({ offset: true })
      .transform((value) => new Date(value))
      .refine((date) => date.getTime() > Date.now(), 'must be in the future')
      .refine((date) => date.getTime() / 1000 <= MAX_EXPIRY_SECONDS, 'is too far in the future'),
    /** Approved printers (of the holder); omitted or empty: any printer of the holder. */
    printerIds: z.array(id('a printer id')).max(MAX_APPROVED_PRINTERS).default([]),
    /** Failed prints given back to the license before failures start to count. */
    failureAllowance: z.number().int().min(0).max(MAX_PRINTS).default(0),
  })
  .refine((input) => input.failureAllowance <= input.prints, {
    path: ['failureAllowance'],
    message: 'cannot exceed prints',
  });

export type CreateLicenseInput = z.infer<typeof createLicenseSchema>;

/**
 * Idempotency-Key (IETF httpapi draft): an opaque client string. Printable ASCII keeps it safe to
 * log and store; 255 is our column width.
 */
export const idempotencyKeySchema = z
  .string({ error: 'the Idempotency-Key header is required' })
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters');

export const licenseIdSchema = id('a license id');

export const revokeSchema = z.strictObject({ reason: z.string().trim().min(1).max(500) });

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: licenseIdSchema.optional(),
  /** `issuer`: licenses the caller issued; `holder`: licenses it holds; `any` (default): both. */
  as: z.enum(['issuer', 'holder', 'any']).default('any'),
});
