/**
 * When the app opens, everything the page will need starts at once: the session read, the page's
 * code (its lazy chunk) and the page's first API reads. Otherwise each waited for the one before
 * (session → render → chunk → list), and the two API round trips one after the other were most of
 * the portal's load time through the local cloud.
 */
import { prefetch } from './api.ts';
import type { AreaRoute } from './routes.ts';

/** The route's parameters if `path` matches its pattern (`/designs/:id`), else null. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = got[index] as string;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (part !== actual) return null;
  }
  return params;
}

export function startFirstLoads(routes: readonly AreaRoute[], path: string, search: string): void {
  prefetch('/session');
  // the first route that matches, as the router picks it (/designs/new before /designs/:id)
  for (const route of routes) {
    const params = matchRoute(route.path, path);
    if (!params) continue;
    // a chunk that fails to load is reported by the page when it renders (PageErrorBoundary)
    const page = route.component as { preload?: () => Promise<unknown> };
    page.preload?.().catch(() => undefined);
    for (const apiPath of route.firstLoad?.(params, new URLSearchParams(search)) ?? []) prefetch(apiPath);
    return;
  }
}
