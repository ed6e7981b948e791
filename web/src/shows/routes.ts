/**
 * The shows app's pages: the viewers' (catalogue, show, purchase, tickets, watch), the door, and
 * the creator studio's (web/src/shows/studio/routes.ts). Each page is a lazy chunk; the first
 * route whose pattern matches wins (as preact-iso's Router picks it).
 */
import { lazy } from 'preact-iso';
import { startEarlyPost } from './early-post.ts';
import type { ShowsAppRoute } from './route-types.ts';
import { studioRoutes } from './studio/routes.ts';

export interface ViewerRoute extends ShowsAppRoute {
  /** The API paths the page reads first, fetched together with the session when the app opens here. */
  readonly firstLoad?: (
    params: Readonly<Record<string, string>>,
    query: URLSearchParams,
  ) => readonly string[];
  /** Work to start when the app opens on this page, beside the session read (a POST, a chunk). */
  readonly early?: (params: Readonly<Record<string, string>>) => void;
}

export const viewerRoutes: readonly ViewerRoute[] = [
  {
    path: '/shows',
    component: lazy(() => import('./catalogue.tsx')),
    access: 'public',
    nav: { en: 'Shows', it: 'Spettacoli' },
    firstLoad: (_params, query) => [
      `/shows?when=${['live', 'on_demand'].includes(query.get('when') ?? '') ? query.get('when') : 'upcoming'}&limit=12`,
    ],
  },
  {
    path: '/shows/:id',
    component: lazy(() => import('./show-page.tsx')),
    access: 'public',
    firstLoad: ({ id }) => (id ? [`/shows/${encodeURIComponent(id)}`] : []),
  },
  { path: '/shows/:id/bought', component: lazy(() => import('./bought.tsx')), access: 'session' },
  {
    path: '/tickets',
    component: lazy(() => import('./tickets/tickets-list.tsx')),
    access: 'session',
    nav: { en: 'My tickets', it: 'I miei biglietti' },
  },
  { path: '/tickets/:id', component: lazy(() => import('./tickets/ticket-page.tsx')), access: 'session' },
  {
    path: '/watch/:showId',
    component: lazy(() => import('./watch/watch-page.tsx')),
    access: 'session',
    firstLoad: ({ showId }) => (showId ? [`/shows/${encodeURIComponent(showId)}`] : []),
    early: ({ showId }) => {
      if (!showId) return;
      startEarlyPost(`/shows/${encodeURIComponent(showId)}/playback`);
      void import('./watch/player.ts').catch(() => undefined); // hls.js while the rest loads
    },
  },
  { path: '/door/:showId', component: lazy(() => import('./door.tsx')), access: 'creator' },
];

export const showsAppRoutes: readonly ViewerRoute[] = [...viewerRoutes, ...studioRoutes];
