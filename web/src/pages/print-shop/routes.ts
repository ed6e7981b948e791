import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';

export const printShopRoutes: readonly AreaRoute[] = [
  {
    path: '/print-shop',
    component: lazy(() => import('./placeholder.tsx')),
    roles: ['print_shop_operator', 'org_admin'],
    scopes: ['printers:write'],
    nav: { en: 'Print shop', it: 'Centro stampa' },
  },
];
