import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';
import { insightsPath, rangeDaysOf, rangeOf } from './insights-range.ts';

const firstLoadOf =
  (kind: 'designer' | 'platform') => (_params: Readonly<Record<string, string>>, query: URLSearchParams) => [
    insightsPath(kind, rangeOf(rangeDaysOf(query.get('days')), new Date())),
  ];

/** The designer organisation's dashboard (its designers and admins) and the platform operator's. */
export const designerInsightsRoutes: readonly AreaRoute[] = [
  {
    path: '/insights',
    component: lazy(() => import('./designer-insights.tsx')),
    firstLoad: firstLoadOf('designer'),
    roles: ['designer', 'org_admin'],
    scopes: ['designs:read'],
    nav: { en: 'Insights', it: 'Statistiche' },
  },
];

export const platformInsightsRoutes: readonly AreaRoute[] = [
  {
    path: '/insights/platform',
    component: lazy(() => import('./platform-insights.tsx')),
    firstLoad: firstLoadOf('platform'),
    roles: ['platform_operator'],
    scopes: ['admin'],
    nav: { en: 'Insights', it: 'Statistiche' },
  },
];
