import type { ShowsAppRoute } from '../route-types.ts';

/** The creator studio's pages (filled in by the studio work). */
export const studioRoutes: readonly ShowsAppRoute[] = [];
