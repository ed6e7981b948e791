/**
 * The frame of every shows page: skip link, header (catalogue, my tickets, the studio for
 * creators; sign in / create an account, or the person and sign out; language), then <main>.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, currentPath, signInUrl } from '../app/api.ts';
import { LanguageSwitch, MainNavigation } from '../app/components/header-parts.tsx';
import { ToastRegion } from '../app/components/toasts.tsx';
import { ConsentMount } from '../app/consent-mount.tsx';
import { useT } from '../app/i18n.tsx';
import { appMessages } from '../app/messages.ts';
import { useSessionContext } from '../app/session.tsx';
import { navigable } from './access.ts';
import { showsShellMessages } from './messages.ts';
import type { ShowsAppRoute } from './route-types.ts';

function SignOut() {
  const t = useT(appMessages);
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      class="button button-secondary"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await api.post<void>('/session/logout', undefined, { redirectOnUnauthorized: false });
        } catch {
          // signed out or not, the page starts afresh
        } finally {
          // a full load drops every page's state that belonged to the person who left
          location.assign('/shows');
        }
      }}
    >
      {t('signOut')}
    </button>
  );
}

export function ShowsShell({
  routes,
  children,
}: {
  readonly routes: readonly ShowsAppRoute[];
  readonly children: ComponentChildren;
}) {
  const t = useT(showsShellMessages);
  const tApp = useT(appMessages);
  const { path } = useLocation();
  const { state } = useSessionContext();
  const session = state.status === 'signed-in' ? state.session : null;
  const here = path === '/' ? '/shows' : currentPath();
  return (
    <>
      <a class="skip-link" href="#main">
        {tApp('skipToContent')}
      </a>
      <header class="site-header">
        <div class="header-row">
          <a class="brand" href="/shows">
            {t('brand')}
          </a>
          <div class="header-tools">
            {session ? (
              <span class="organisation-name">{t('signedInAs', { name: session.user.name })}</span>
            ) : null}
            <LanguageSwitch />
            {session ? (
              <SignOut />
            ) : state.status === 'signed-out' ? (
              <>
                <a class="button button-primary" href={signInUrl(here)}>
                  {tApp('signIn')}
                </a>
                <a class="button button-secondary" href={signInUrl(here, true)}>
                  {t('createAccount')}
                </a>
              </>
            ) : null}
          </div>
        </div>
        <MainNavigation label={t('mainNavigation')} entries={navigable(routes, session)} />
      </header>
      <main id="main" tabIndex={-1}>
        <ToastRegion />
        {children}
      </main>
      <ConsentMount />
    </>
  );
}
