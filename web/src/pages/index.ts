/**
 * Every area's pages, one line per area (shared contract of issue 14). The order here is the
 * order of the navigation.
 */
import type { AreaRoute } from '../app/routes.ts';
import { adminRoutes } from './admin/routes.ts';
import { designerRoutes } from './designer/routes.ts';
import { licensorRoutes } from './licensor/routes.ts';
import { operatorRoutes } from './operator/routes.ts';
import { printShopRoutes } from './print-shop/routes.ts';

export const areaRoutes: readonly AreaRoute[] = [
  ...designerRoutes,
  ...licensorRoutes,
  ...printShopRoutes,
  ...adminRoutes,
  ...operatorRoutes,
];
