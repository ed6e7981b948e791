import type { AnyComponent } from 'preact';

/** A page of the shows app: who may open it, and its navigation label if it has one. */
export interface ShowsAppRoute {
  readonly path: string;
  readonly component: AnyComponent<Record<string, unknown>>;
  /** `public`: anyone; `session`: any signed-in person; `creator`: a member holding `shows:write`. */
  readonly access: 'public' | 'session' | 'creator';
  readonly nav?: { readonly en: string; readonly it: string };
}
