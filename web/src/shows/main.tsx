/** The shows app's entry (web/shows.html): everything else loads per page. */
import { render } from 'preact';
import { prefetch } from '../app/api.ts';
import { matchRoute } from '../app/first-load.ts';
import { ShowsApp } from './app.tsx';
import { showsAppRoutes } from './routes.ts';
import '../app/styles.css';
import './shows.css';

// What the page needs starts at once: the session, the page's chunk and its first API read.
prefetch('/session');
for (const route of showsAppRoutes) {
  const params = matchRoute(route.path, location.pathname);
  if (!params) continue;
  (route.component as { preload?: () => Promise<unknown> }).preload?.().catch(() => undefined);
  for (const path of route.firstLoad?.(params, new URLSearchParams(location.search)) ?? []) prefetch(path);
  route.early?.(params);
  break;
}

const root = document.getElementById('app');
if (root) {
  // /shows and /shows/:id arrive with the page already in the mount node for readers that run no
  // script (functions/shows/public-page.ts): the app draws its own, so that one goes first and the
  // two are never on screen together (Preact would otherwise try to reuse its elements).
  root.replaceChildren();
  render(<ShowsApp />, root);
}
