import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';

/**
 * The designer organisation's dashboard (its designers and admins) and the platform operator's.
 * No first-load list: the range helpers it needs became a chunk shared with the studio's insights
 * page, in every portal page's initial JS (measured: 21419 B gzip with it, 21043 B without).
 */
export const designerInsightsRoutes: readonly AreaRoute[] = [
  {
    path: '/insights',
    component: lazy(() => import('./designer-insights.tsx')),
    roles: ['designer', 'org_admin'],
    scopes: ['designs:read'],
    nav: { en: 'Insights', it: 'Statistiche' },
  },
];

export const platformInsightsRoutes: readonly AreaRoute[] = [
  {
    path: '/insights/platform',
    component: lazy(() => import('./platform-insights.tsx')),
    roles: ['platform_operator'],
    scopes: ['admin'],
    nav: { en: 'Insights', it: 'Statistiche' },
  },
];
