import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';

export const licensorRoutes: readonly AreaRoute[] = [
  {
    path: '/licensor',
    component: lazy(() => import('./placeholder.tsx')),
    roles: ['licensing_manager', 'org_admin'],
    scopes: ['licenses:write'],
    nav: { en: 'Licensing', it: 'Licenze' },
  },
];
