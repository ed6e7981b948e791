/**
 * What an area's `routes.ts` exports (shared contract of issue 14): each page's path, its lazily
 * loaded component and the roles that may open it. `web/src/pages/index.ts` gathers the areas.
 */
import type { AnyComponent } from 'preact';
import type { RouteAccess } from './guard.ts';

export interface AreaRoute extends RouteAccess {
  /** `lazy(() => import('./page.tsx'))`, so each page is its own chunk outside the initial JS. */
  // biome-ignore lint/suspicious/noExplicitAny: route components take preact-iso's route props
  readonly component: AnyComponent<any>;
  /**
   * The API paths the page asks first (exactly as it asks them), given the route's parameters and
   * the query: fetched together with the session when the app opens on this page.
   */
  readonly firstLoad?: (
    params: Readonly<Record<string, string>>,
    query: URLSearchParams,
  ) => readonly string[];
}
