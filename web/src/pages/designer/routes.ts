import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';
import { designPath, designsPath } from './designs-api.ts';

const roles = ['designer', 'org_admin'] as const;
const scopes = ['designs:read', 'designs:write'];

export const designerRoutes: readonly AreaRoute[] = [
  {
    path: '/designs',
    component: lazy(() => import('./designs-list.tsx')),
    firstLoad: () => [designsPath(null)],
    roles,
    scopes,
    nav: { en: 'Designs', it: 'Progetti' },
  },
  // before /designs/:id, which "new" would also match
  {
    path: '/designs/new',
    component: lazy(() => import('./design-upload.tsx')),
    roles,
    scopes: ['designs:write'],
  },
  {
    path: '/designs/:id',
    component: lazy(() => import('./design-detail.tsx')),
    firstLoad: ({ id }) => (id ? [designPath(id)] : []),
    roles,
    scopes,
  },
];
