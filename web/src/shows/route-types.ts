import type { AnyComponent } from 'preact';

/** A page of the shows app: who may open it, and its navigation label if it has one. */
export interface ShowsAppRoute {
  readonly path: string;
  /** `lazy(() => import(...))`; it gets preact-iso's route props (`params`, `query`, `path`). */
  // biome-ignore lint/suspicious/noExplicitAny: route components take preact-iso's route props
  readonly component: AnyComponent<any>;
  /** `public`: anyone; `session`: any signed-in person; `creator`: a member holding `shows:write`. */
  readonly access: 'public' | 'session' | 'creator';
  readonly nav?: { readonly en: string; readonly it: string };
}
