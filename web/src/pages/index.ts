/**
 * Every area's pages, one line per area (shared contract of issue 14). The order here is the
 * order of the navigation.
 */
import type { AreaRoute } from '../app/routes.ts';
import { adminRoutes } from './admin/routes.ts';
import { designerRoutes } from './designer/routes.ts';
import { designerInsightsRoutes, platformInsightsRoutes } from './insights/routes.ts';
import { licensorRoutes } from './licensor/routes.ts';
import { operatorRoutes } from './operator/routes.ts';
import { printShopRoutes } from './print-shop/routes.ts';
import { webhookRoutes } from './webhooks/routes.ts';

export const areaRoutes: readonly AreaRoute[] = [
  ...designerRoutes,
  ...designerInsightsRoutes,
  ...licensorRoutes,
  ...printShopRoutes,
  ...adminRoutes,
  ...webhookRoutes,
  ...operatorRoutes,
  ...platformInsightsRoutes,
];
