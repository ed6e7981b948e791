import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';

/** An organisation's admins (members:write comes with the role); the operator manages members too. */
const roles = ['org_admin', 'platform_operator'] as const;

export const adminRoutes: readonly AreaRoute[] = [
  {
    path: '/admin',
    component: lazy(() => import('./members.tsx')),
    firstLoad: () => ['/members'],
    roles,
    scopes: ['members:write'],
    nav: { en: 'Organisation', it: 'Organizzazione' },
  },
  { path: '/admin/api-keys', component: lazy(() => import('./api-keys.tsx')), roles, scopes: [] },
];
