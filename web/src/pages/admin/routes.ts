import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';

export const adminRoutes: readonly AreaRoute[] = [
  {
    path: '/admin',
    component: lazy(() => import('./placeholder.tsx')),
    roles: ['org_admin'],
    scopes: [],
    nav: { en: 'Organisation', it: 'Organizzazione' },
  },
];
