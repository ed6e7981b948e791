/** Who may open a page of the shows app (`ShowsAppRoute.access`). Pure, for Node unit tests. */
import type { Session } from '../app/session-model.ts';

export type Access = 'public' | 'session' | 'creator';

/** A creator here: a member whose role's scopes include `shows:write` (or an operator, `admin`). */
export function isCreator(session: Session | null): boolean {
  if (!session) return false;
  return session.scopes.includes('shows:write') || session.scopes.includes('admin');
}

/** `open`, `sign-in` (signed out: off to sign in and back), or `refused` (signed in, not allowed). */
export function decide(access: Access, session: Session | null): 'open' | 'sign-in' | 'refused' {
  if (access === 'public') return 'open';
  if (!session) return 'sign-in';
  if (access === 'creator' && !isCreator(session)) return 'refused';
  return 'open';
}

/** Navigation entries: public and personal pages for everyone (signed-out people are asked to sign in), the studio for creators. */
export function navigable<R extends { readonly access: Access; readonly nav?: unknown }>(
  routes: readonly R[],
  session: Session | null,
): R[] {
  return routes.filter((route) => route.nav && (route.access !== 'creator' || isCreator(session)));
}
