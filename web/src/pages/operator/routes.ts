import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';

export const operatorRoutes: readonly AreaRoute[] = [
  {
    path: '/operator',
    component: lazy(() => import('./placeholder.tsx')),
    roles: ['platform_operator'],
    scopes: ['admin'],
    nav: { en: 'Platform', it: 'Piattaforma' },
  },
];
