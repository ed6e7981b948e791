import { z } from 'zod';
import { ROLES } from '#shared/people/roles.ts';

/** The JSON the session routes answer with, for the API reference. */
const instant = z.iso.datetime();
const role = z.enum(ROLES);

export const sessionResponse = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), locale: z.string().nullable() }),
  organisation: z
    .object({ id: z.string(), name: z.string(), kind: z.string() })
    .nullable()
    .describe('The active organisation; null when the person belongs to none (any more)'),
  role: role.nullable(),
  scopes: z.array(z.string()).describe('What the person may do in the active organisation (from the role)'),
  memberships: z.array(z.object({ orgId: z.string(), orgName: z.string(), orgKind: z.string(), role })),
  idleExpiresAt: instant.describe(
    'The session ends if unused until then; each use moves it (at most once a minute)',
  ),
  expiresAt: instant.describe('The session ends then, used or not'),
});

export const memberResponse = z.object({
  userId: z.string().nullable().describe('Null for an invitation: the person has not signed in yet'),
  email: z.string(),
  name: z.string().nullable(),
  role,
  status: z.enum(['active', 'invited']),
  since: instant,
});

export const memberListResponse = z.object({ items: z.array(memberResponse) });
