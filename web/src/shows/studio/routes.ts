import { lazy } from 'preact-iso';
import type { ShowsAppRoute } from '../route-types.ts';

/**
 * The creator studio's pages (members holding `shows:write`). The more specific paths come
 * first: the router takes the first match, and `/studio/shows/:id` would also match `new`.
 */
export const studioRoutes: readonly ShowsAppRoute[] = [
  {
    path: '/studio',
    component: lazy(() => import('./studio-overview.tsx')),
    access: 'creator',
    nav: { en: 'Studio', it: 'Studio' },
  },
  { path: '/studio/videos/new', component: lazy(() => import('./video-upload.tsx')), access: 'creator' },
  { path: '/studio/shows/new', component: lazy(() => import('./show-form.tsx')), access: 'creator' },
  { path: '/studio/shows/:id/audience', component: lazy(() => import('./audience.tsx')), access: 'creator' },
  { path: '/studio/shows/:id', component: lazy(() => import('./show-form.tsx')), access: 'creator' },
  { path: '/studio/live', component: lazy(() => import('./go-live.tsx')), access: 'creator' },
  { path: '/studio/insights', component: lazy(() => import('./insights.tsx')), access: 'creator' },
];
