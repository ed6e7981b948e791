/**
 * The frame around every page: skip link, header with the organisation switcher, the role's
 * navigation, the language switch and sign-out; then the page in <main>.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { signInUrl } from './api.ts';
import { Button } from './components/button.tsx';
import { ErrorMessage } from './components/feedback.tsx';
import { LanguageSwitch, MainNavigation } from './components/header-parts.tsx';
import { ToastRegion } from './components/toasts.tsx';
import { ConsentMount } from './consent-mount.tsx';
import { visibleNavigation } from './guard.ts';
import { useT } from './i18n.tsx';
import { appMessages } from './messages.ts';
import type { AreaRoute } from './routes.ts';
import { type Session, useSessionContext } from './session.tsx';

function OrganisationSwitch({ session }: { readonly session: Session }) {
  const t = useT(appMessages);
  const { switchOrganisation } = useSessionContext();
  const { route } = useLocation();
  const [chosen, setChosen] = useState(session.organisation?.id ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (session.memberships.length <= 1) {
    return <span class="organisation-name">{session.organisation?.name ?? t('noOrganisation')}</span>;
  }
  // A button, not the select's change, switches: moving through the options with the keyboard
  // must not change the page under the person (WCAG 3.2.2).
  return (
    <form
      class="inline-form"
      onSubmit={async (event) => {
        event.preventDefault();
        if (chosen === session.organisation?.id) return;
        setError(null);
        setBusy(true);
        try {
          await switchOrganisation(chosen);
          route('/'); // the old page may not exist for the new role
        } catch (failure) {
          setError(failure);
        } finally {
          setBusy(false);
        }
      }}
    >
      <label class="inline-field">
        <span>{t('organisation')}</span>
        <select value={chosen} onChange={(event) => setChosen(event.currentTarget.value)}>
          {session.memberships.map((membership) => (
            <option key={membership.orgId} value={membership.orgId}>
              {membership.orgName}
            </option>
          ))}
        </select>
      </label>
      <Button type="submit" variant="secondary" busy={busy}>
        {t('switchOrganisation')}
      </Button>
      {error ? <ErrorMessage error={error} /> : null}
    </form>
  );
}

export function Shell({
  routes,
  children,
}: {
  readonly routes: readonly AreaRoute[];
  readonly children: ComponentChildren;
}) {
  const t = useT(appMessages);
  const { state, signOut } = useSessionContext();
  const session = state.status === 'signed-in' ? state.session : null;
  return (
    <>
      <a class="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header class="site-header">
        <div class="header-row">
          <a class="brand" href="/">
            {t('brand')}
          </a>
          <div class="header-tools">
            {session ? <OrganisationSwitch session={session} /> : null}
            <LanguageSwitch />
            {session ? (
              <button type="button" class="button button-secondary" onClick={() => void signOut()}>
                {t('signOut')}
              </button>
            ) : state.status === 'signed-out' ? (
              <a class="button button-primary" href={signInUrl('/')}>
                {t('signIn')}
              </a>
            ) : null}
          </div>
        </div>
        {session ? (
          <MainNavigation label={t('mainNavigation')} entries={visibleNavigation(routes, session)} />
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        <ToastRegion />
        {children}
      </main>
      <ConsentMount />
    </>
  );
}
