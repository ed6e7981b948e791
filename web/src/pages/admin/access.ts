/**
 * The organisation admin's rules, pure so unit tests run them on Node: which scopes a new API key
 * may be given (those the admin holds; never more, as the API refuses), which roles an admin may
 * hand out, and the checks of the two forms before they are sent.
 */
import type { Role } from '../../app/session-model.ts';
import { ROLES } from '../../app/session-model.ts';

/**
 * The scopes an API key can carry (shared/accounts/api-keys.ts SCOPES) less `prints:authorize`:
 * a print grant needs a printer credential, which registering a printer issues, so a key holding
 * it could never print; and less `live:ingest`, the platform's ingest workers' own (an operator
 * makes that key through the API).
 */
export const API_KEY_SCOPES = [
  'designs:read',
  'designs:write',
  'licenses:read',
  'licenses:write',
  'printers:write',
  'videos:read',
  'videos:write',
  'shows:write',
  'tickets:read',
  'tickets:buy',
  'webhooks:manage',
  'admin',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** What the signed-in person may put on a key: the scopes they hold (`admin` holds them all). */
export function grantableScopes(held: readonly string[]): ApiKeyScope[] {
  if (held.includes('admin')) return [...API_KEY_SCOPES];
  return API_KEY_SCOPES.filter((scope) => held.includes(scope));
}

/** Only a platform operator may make someone a platform operator. */
export function assignableRoles(held: readonly string[]): Role[] {
  return ROLES.filter((role) => role !== 'platform_operator' || held.includes('admin'));
}

/** A deliberately loose check (one @, something either side, a dot in the domain): the provider verifies the address. */
export function looksLikeEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim()) && text.trim().length <= 254;
}

export type MemberFieldError = 'errorEmail' | 'errorRole';

export function checkMemberForm(
  values: { readonly email: string; readonly role: string },
  held: readonly string[],
):
  | { ok: true; email: string; role: Role }
  | { ok: false; errors: Partial<Record<'email' | 'role', MemberFieldError>> } {
  const errors: Partial<Record<'email' | 'role', MemberFieldError>> = {};
  if (!looksLikeEmail(values.email)) errors.email = 'errorEmail';
  const role = assignableRoles(held).find((candidate) => candidate === values.role);
  if (!role) errors.role = 'errorRole';
  if (!role || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, email: values.email.trim(), role };
}

export interface ApiKeyRequest {
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly expiresAt?: string;
}

export type KeyFieldError = 'errorKeyName' | 'errorScopes' | 'errorExpiryPast' | 'errorExpiryDate';

/** The create-key form: a name, at least one scope the person holds, an optional last day (end of it, UTC). */
export function checkKeyForm(
  values: { readonly name: string; readonly scopes: readonly string[]; readonly expiresOn: string },
  held: readonly string[],
  now: Date,
):
  | { ok: true; request: ApiKeyRequest }
  | { ok: false; errors: Partial<Record<'name' | 'scopes' | 'expiresOn', KeyFieldError>> } {
  const errors: Partial<Record<'name' | 'scopes' | 'expiresOn', KeyFieldError>> = {};
  const name = values.name.trim();
  if (name === '' || name.length > 200) errors.name = 'errorKeyName';
  const allowed = grantableScopes(held);
  const scopes = allowed.filter((scope) => values.scopes.includes(scope));
  if (scopes.length === 0 || scopes.length !== new Set(values.scopes).size) errors.scopes = 'errorScopes';
  let expiresAt: string | undefined;
  if (values.expiresOn.trim() !== '') {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(values.expiresOn.trim());
    const end = match
      ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59))
      : null;
    if (!end || end.toISOString().slice(0, 10) !== values.expiresOn.trim())
      errors.expiresOn = 'errorExpiryDate';
    else if (end.getTime() <= now.getTime()) errors.expiresOn = 'errorExpiryPast';
    else expiresAt = end.toISOString();
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, request: { name, scopes, ...(expiresAt ? { expiresAt } : {}) } };
}

export interface ApiKeyView {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

export type KeyState = 'active' | 'revoked' | 'expired';

export function keyState(key: ApiKeyView, now: Date): KeyState {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now.getTime()) return 'expired';
  return 'active';
}

/** Keys that still work first (newest first within each group), so the list reads as what matters. */
export function sortKeys(keys: readonly ApiKeyView[], now: Date): ApiKeyView[] {
  return [...keys].sort((a, b) => {
    const rank = (key: ApiKeyView) => (keyState(key, now) === 'active' ? 0 : 1);
    return rank(a) - rank(b) || Date.parse(b.createdAt) - Date.parse(a.createdAt);
  });
}

export interface MemberView {
  readonly userId: string | null;
  readonly email: string;
  readonly name: string | null;
  readonly role: Role;
  readonly status: 'active' | 'invited';
  readonly since: string;
}
