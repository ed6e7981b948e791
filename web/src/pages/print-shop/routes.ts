import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';

/** Print-shop operators and admins of organisations that run printers. */
const roles = ['print_shop_operator', 'org_admin'] as const;
const scopes = ['printers:write'];

export const printShopRoutes: readonly AreaRoute[] = [
  {
    path: '/print-shop',
    component: lazy(() => import('./licenses-held.tsx')),
    firstLoad: () => ['/licenses?as=holder&limit=20'],
    roles,
    scopes,
    nav: { en: 'Print shop', it: 'Centro stampa' },
  },
  {
    path: '/print-shop/printers',
    component: lazy(() => import('./printers.tsx')),
    firstLoad: () => ['/printers?limit=50'],
    roles,
    scopes,
  },
  { path: '/print-shop/jobs', component: lazy(() => import('./print-jobs.tsx')), roles, scopes },
];
