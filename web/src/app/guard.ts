/** Who may open which page: the route's roles, and its scopes when it names some. Pure. */
import type { AreaRoute } from './routes.ts';
import type { Session } from './session-model.ts';

export function mayOpen(route: Pick<AreaRoute, 'roles' | 'scopes'>, session: Session): boolean {
  if (!session.role || !route.roles.includes(session.role)) return false;
  if (!route.scopes || route.scopes.length === 0) return true;
  return route.scopes.some((scope) => session.scopes.includes(scope)) || session.scopes.includes('admin');
}

/** The navigation entries for this session, in the order the areas registered them. */
export function visibleNavigation(routes: readonly AreaRoute[], session: Session): AreaRoute[] {
  return routes.filter((route) => route.nav && mayOpen(route, session));
}
