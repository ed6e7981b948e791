import type { Scope } from '../accounts/api-keys.ts';

/** A person's role in one organisation (memberships.role). */
export const ROLES = [
  'designer',
  'licensing_manager',
  'print_shop_operator',
  'creator',
  'viewer',
  'org_admin',
  'platform_operator',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Managing an organisation's members. A person-only scope: API keys cannot hold it (it is not in
 * SCOPES), so adding people to an organisation always goes through someone signed in as its admin,
 * or the operator (`admin`).
 */
export const MEMBERS_SCOPE = 'members:write';
export type PersonScope = Scope | typeof MEMBERS_SCOPE;

/** What each working role may do: the same scopes an API key for that job would hold. */
const ROLE_SCOPES: Readonly<Record<Exclude<Role, 'org_admin'>, readonly Scope[]>> = {
  designer: ['designs:read', 'designs:write', 'licenses:read', 'licenses:write'],
  licensing_manager: ['designs:read', 'licenses:read', 'licenses:write'],
  print_shop_operator: ['printers:write', 'licenses:read'],
  creator: ['videos:read', 'videos:write', 'shows:write'],
  viewer: ['tickets:read', 'tickets:buy'],
  platform_operator: ['admin'],
};

/**
 * What an organisation of each kind may do at all; its admin holds all of it plus member
 * management. Webhook endpoints are the admin's (no working role holds `webhooks:manage`). (An organisation's kind grants nothing to API keys; for people it bounds the admin.)
 */
const ORG_KIND_SCOPES: Readonly<Record<string, readonly Scope[]>> = {
  designer: ['designs:read', 'designs:write', 'licenses:read', 'licenses:write', 'webhooks:manage'],
  licensee: ['designs:read', 'licenses:read', 'licenses:write', 'printers:write', 'webhooks:manage'],
  integrator: ['designs:read', 'licenses:read', 'licenses:write', 'printers:write', 'webhooks:manage'],
  creator: ['videos:read', 'videos:write', 'shows:write', 'webhooks:manage'],
  viewer: ['tickets:read', 'tickets:buy'],
  operator: ['admin'],
};

/**
 * What every signed-in person may do as themselves, with or without an organisation: buy tickets
 * and hold them (issue 16). A session's principal carries its userId, and the ticket routes act
 * on that person's tickets, never on the active organisation's.
 */
export const PERSON_SCOPES = ['tickets:read', 'tickets:buy'] as const satisfies readonly Scope[];

/** A session's scopes: its role's in the active organisation (none without one) and the person's own. */
export function sessionScopes(membership: { role: Role; orgKind: string } | null): PersonScope[] {
  const scopes = membership ? scopesForRole(membership.role, membership.orgKind) : [];
  return [...new Set<PersonScope>([...scopes, ...PERSON_SCOPES])];
}

/** The scopes a member with `role` holds in an organisation of `orgKind`. */
export function scopesForRole(role: Role, orgKind: string): PersonScope[] {
  if (role === 'org_admin') return [...(ORG_KIND_SCOPES[orgKind] ?? []), MEMBERS_SCOPE];
  return [...ROLE_SCOPES[role]];
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
