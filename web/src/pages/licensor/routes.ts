import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';

/**
 * Licensing managers (marketplaces, ERPs), designers (who may sell licenses of their own designs)
 * and admins of organisations that may issue licenses.
 */
const roles = ['licensing_manager', 'designer', 'org_admin'] as const;
const scopes = ['licenses:write'];

export const licensorRoutes: readonly AreaRoute[] = [
  {
    path: '/licensor',
    component: lazy(() => import('./licensing-overview.tsx')),
    firstLoad: () => ['/licensable-designs?limit=20', '/licenses?as=issuer&limit=20'],
    roles,
    scopes,
    nav: { en: 'Licensing', it: 'Licenze' },
  },
  { path: '/licensor/mint', component: lazy(() => import('./mint-license.tsx')), roles, scopes },
];
