/**
 * What an area's `routes.ts` exports (shared contract of issue 14): each page's path, its lazily
 * loaded component and the roles that may open it. `web/src/pages/index.ts` gathers the areas.
 */
import type { AnyComponent } from 'preact';
import type { Role } from './session-model.ts';

export interface AreaRoute {
  /** preact-iso pattern: `/designs`, `/designs/:id`. */
  readonly path: string;
  /** `lazy(() => import('./page.tsx'))`, so each page is its own chunk outside the initial JS. */
  // biome-ignore lint/suspicious/noExplicitAny: route components take preact-iso's route props
  readonly component: AnyComponent<any>;
  /** Roles that may open the page; the navigation shows it only to them. */
  readonly roles: readonly Role[];
  /** When set, the session must also hold one of these scopes (e.g. an org admin of a designer org). */
  readonly scopes?: readonly string[];
  /** The navigation label; a page without one is reached by links only (a detail page). */
  readonly nav?: { readonly en: string; readonly it: string };
}
