import { z } from 'zod';
import { CUSTOMER_SCOPES, SCOPES } from '#shared/accounts/api-keys.ts';
import { ID_PATTERN } from '#shared/ids.ts';

export const ORG_KINDS = ['designer', 'licensee', 'integrator', 'creator', 'viewer'] as const;

export const createOrgSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(ORG_KINDS),
  // A customer organisation never holds a platform machine's scope (live:ingest).
  scopes: z
    .array(z.enum(SCOPES))
    .min(1)
    .max(SCOPES.length)
    .refine((scopes) => scopes.every((scope) => CUSTOMER_SCOPES.includes(scope)), {
      message: `may only hold ${CUSTOMER_SCOPES.join(', ')}: live:ingest is for the platform's ingest workers`,
    }),
});

export const createKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
  /** An instant with its offset; a key born expired would answer 201 and then never work. */
  expiresAt: z.iso
    .datetime({ offset: true })
    .refine((text) => Date.parse(text) > Date.now(), 'must be in the future')
    .optional(),
});

export const keyIdSchema = z.string().regex(/^[a-z0-9]{16}$/, 'not a key id');

/** `GET /v1/orgs` (operators): newest first, a page at a time. */
export const listOrgsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().regex(ID_PATTERN, 'not an organisation id').optional(),
});
