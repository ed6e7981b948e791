/** The session as `GET /v1/session` answers it (shared contract of issue 14). Pure types and rules. */
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

export interface Membership {
  readonly orgId: string;
  readonly orgName: string;
  readonly orgKind: string;
  readonly role: Role;
}

export interface Session {
  readonly user: {
    readonly id: string;
    readonly email: string;
    readonly name: string;
    readonly locale: string | null;
  };
  readonly organisation: { readonly id: string; readonly name: string; readonly kind: string } | null;
  readonly role: Role | null;
  readonly scopes: readonly string[];
  readonly memberships: readonly Membership[];
  readonly idleExpiresAt: string;
  readonly expiresAt: string;
}

/** Whether the session may call a route guarded by any of `scopes` (the API's ANY_OF rule; admin passes). */
export function hasAnyScope(session: Session, scopes: readonly string[]): boolean {
  return scopes.some((scope) => session.scopes.includes(scope)) || session.scopes.includes('admin');
}
