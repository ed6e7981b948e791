import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';
import { ROLES } from '#shared/people/roles.ts';

/**
 * Where the browser goes after signing in: a path on the portal itself, never another site (an
 * open redirect would let a link in a phishing mail end on the attacker's page, signed in).
 */
export const returnToSchema = z
  .string()
  .max(2048)
  .refine(
    (text) =>
      text.startsWith('/') &&
      !text.startsWith('//') &&
      !text.includes('\\') &&
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
      !/[\u0000-\u001f\u007f]/.test(text) &&
      new URL(text, 'http://portal.invalid').origin === 'http://portal.invalid',
    'must be a path on the portal, starting with a single /',
  );

export const loginQuerySchema = z.object({ returnTo: returnToSchema.default('/') });

export const callbackQuerySchema = z.object({
  code: z.string().min(1).max(2048).optional(),
  state: z.string().min(1).max(512).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
  iss: z.string().max(2048).optional(),
});

export const idSchema = z.string().regex(ID_PATTERN, 'not an id');

export const switchOrganisationSchema = z.strictObject({ orgId: idSchema });

export const roleSchema = z.enum(ROLES);

export const addMemberSchema = z.strictObject({
  email: z.email().max(254),
  role: roleSchema,
});

export const changeRoleSchema = z.strictObject({ role: roleSchema });

/** The organisation whose members to manage: the caller's own, or any for the operator (`admin`). */
export const membersQuerySchema = z.object({
  orgId: idSchema
    .optional()
    .describe('Operators only: another organisation (to name its first admin, for one)'),
});
