import { describe, expect, it } from 'vitest';
import { mayOpen, type RouteAccess, visibleNavigation } from '../../../../web/src/app/guard.ts';
import type { Role, Session } from '../../../../web/src/app/session-model.ts';

function session(role: Role | null, scopes: string[]): Session {
  return {
    user: { id: 'u1', email: 'ada@example.com', name: 'Ada', locale: null },
    organisation: role ? { id: '01HZX3K4M5N6P7Q8R9S0T1V2W3', name: 'Org', kind: 'designer' } : null,
    role,
    scopes,
    memberships: [],
    idleExpiresAt: '2030-01-01T00:00:00Z',
    expiresAt: '2030-01-01T00:00:00Z',
  };
}

const routes: RouteAccess[] = [
  {
    path: '/designs',
    roles: ['designer', 'org_admin'],
    scopes: ['designs:read'],
    nav: { en: 'Designs', it: 'Progetti' },
  },
  { path: '/designs/:id', roles: ['designer', 'org_admin'], scopes: ['designs:read'] },
  {
    path: '/admin',
    roles: ['org_admin'],
    nav: { en: 'Organisation', it: 'Organizzazione' },
  },
  {
    path: '/operator',
    roles: ['platform_operator'],
    scopes: ['admin'],
    nav: { en: 'Platform', it: 'Piattaforma' },
  },
];

describe('Module: web/src/app/guard', () => {
  describe('Function: mayOpen', () => {
    it('opens a page to a role it names, when the session also holds one of its scopes', () => {
      expect(mayOpen(routes[0] as RouteAccess, session('designer', ['designs:read']))).toBe(true);
      expect(mayOpen(routes[0] as RouteAccess, session('viewer', ['designs:read']))).toBe(false);
    });

    it('keeps a designer page from the admin of an organisation that has no design scope', () => {
      expect(mayOpen(routes[0] as RouteAccess, session('org_admin', ['printers:write']))).toBe(false);
      expect(mayOpen(routes[0] as RouteAccess, session('org_admin', ['designs:write', 'designs:read']))).toBe(
        true,
      );
    });

    it('lets the admin scope stand for any scope, but not for a role', () => {
      expect(mayOpen(routes[3] as RouteAccess, session('platform_operator', ['admin']))).toBe(true);
      expect(mayOpen(routes[0] as RouteAccess, session('platform_operator', ['admin']))).toBe(false);
    });

    it('opens nothing to a person without an organisation', () => {
      expect(routes.some((route) => mayOpen(route, session(null, [])))).toBe(false);
    });
  });

  describe('Function: visibleNavigation', () => {
    it('lists exactly the navigable pages that would open, in registration order', () => {
      const admin = session('org_admin', ['designs:read', 'designs:write']);

      expect(visibleNavigation(routes, admin).map((route) => route.path)).toEqual(['/designs', '/admin']);
      expect(visibleNavigation(routes, session('viewer', ['tickets:buy']))).toEqual([]);
    });
  });
});
