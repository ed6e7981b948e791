import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';

const roles = ['platform_operator'] as const;
const scopes = ['admin'];

export const operatorRoutes: readonly AreaRoute[] = [
  {
    path: '/operator',
    component: lazy(() => import('./organisations.tsx')),
    firstLoad: () => ['/orgs?limit=50'],
    roles,
    scopes,
    nav: { en: 'Platform', it: 'Piattaforma' },
  },
  { path: '/operator/reconciliation', component: lazy(() => import('./reconciliation.tsx')), roles, scopes },
  { path: '/operator/provenance', component: lazy(() => import('./provenance.tsx')), roles, scopes },
];
