/**
 * Who may open which page: the route's roles, and its scopes when it names some. Pure, and free of
 * Preact's types (they pull the DOM library into whatever program imports them), so the Node unit
 * tests import it.
 */
import type { Role, Session } from './session-model.ts';

/** What the guard and the navigation read of a route (`AreaRoute` adds its component). */
export interface RouteAccess {
  /** preact-iso pattern: `/designs`, `/designs/:id`. */
  readonly path: string;
  /** Roles that may open the page; the navigation shows it only to them. */
  readonly roles: readonly Role[];
  /** When set, the session must also hold one of these scopes (e.g. an org admin of a designer org). */
  readonly scopes?: readonly string[];
  /** The navigation label; a page without one is reached by links only (a detail page). */
  readonly nav?: { readonly en: string; readonly it: string };
}

export function mayOpen(route: Pick<RouteAccess, 'roles' | 'scopes'>, session: Session): boolean {
  if (!session.role || !route.roles.includes(session.role)) return false;
  if (!route.scopes || route.scopes.length === 0) return true;
  return route.scopes.some((scope) => session.scopes.includes(scope)) || session.scopes.includes('admin');
}

/** The navigation entries for this session, in the order the areas registered them. */
export function visibleNavigation<Route extends RouteAccess>(
  routes: readonly Route[],
  session: Session,
): Route[] {
  return routes.filter((route) => route.nav && mayOpen(route, session));
}
