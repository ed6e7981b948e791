/**
 * The app: providers, the shell, and the router behind the sign-in guard. Signed-out people see
 * the landing page at `/`; any other address sends them to sign in and back.
 */
import type { AnyComponent } from 'preact';
import { useEffect } from 'preact/hooks';
import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { areaRoutes } from '../pages/index.ts';
import { currentPath, signInUrl } from './api.ts';
import { ButtonLink } from './components/button.tsx';
import { CopyButton } from './components/clipboard.tsx';
import { ErrorMessage, Loading } from './components/feedback.tsx';
import { PageTitle } from './components/page.tsx';
import { PageErrorBoundary } from './components/page-error-boundary.tsx';
import { ToastProvider } from './components/toasts.tsx';
import { mayOpen, visibleNavigation } from './guard.ts';
import { LanguageProvider, useLanguage, useT } from './i18n.tsx';
import { appMessages } from './messages.ts';
import type { AreaRoute } from './routes.ts';
import { SessionProvider, useSessionContext } from './session.tsx';
import { Shell } from './shell.tsx';

function Landing() {
  const t = useT(appMessages);
  return (
    <section class="landing">
      <PageTitle title={t('landingTitle')}>{t('landingTitle')}</PageTitle>
      <p class="lead">{t('landingIntro')}</p>
      <p>{t('landingSignInHint')}</p>
      <div class="actions">
        <a class="button button-primary" href={signInUrl('/')}>
          {t('signIn')}
        </a>
        <a class="button button-secondary" href={signInUrl('/', true)}>
          {t('createAccount')}
        </a>
        <a class="button button-secondary" href="/shows">
          {t('browseShows')}
        </a>
      </div>
    </section>
  );
}

function Home() {
  const t = useT(appMessages);
  const { language } = useLanguage();
  const { state } = useSessionContext();
  if (state.status !== 'signed-in') return null;
  const { session } = state;
  const entries = visibleNavigation(areaRoutes, session);
  return (
    <section>
      <PageTitle title={t('homeTitle', { name: session.user.name })}>
        {t('homeTitle', { name: session.user.name })}
      </PageTitle>
      {session.organisation && session.role ? (
        <p>
          {t('homeIntro', {
            organisation: session.organisation.name,
            role: t(`role.${session.role}`),
          })}
        </p>
      ) : (
        <p>{t('homeNoOrganisation')}</p>
      )}
      {session.organisation ? (
        <p class="organisation-id">
          {t('organisationId')} <code>{session.organisation.id}</code>{' '}
          <CopyButton text={session.organisation.id} label={t('copyOrganisationId')} />
        </p>
      ) : null}
      {entries.length > 0 ? (
        <ul class="home-links">
          {entries.map((entry) => (
            <li key={entry.path}>
              <ButtonLink href={entry.path}>{entry.nav?.[language]}</ButtonLink>
            </li>
          ))}
        </ul>
      ) : session.organisation ? (
        <p>{t('homeNoPages')}</p>
      ) : null}
      <p>{t('homeShows')}</p>
      {/* The shows app is another page (shows.html): plain links, outside this router's scope. */}
      <ul class="home-links">
        <li>
          <a class="button button-secondary" href="/shows">
            {t('browseShows')}
          </a>
        </li>
        <li>
          <a class="button button-secondary" href="/tickets">
            {t('myTickets')}
          </a>
        </li>
      </ul>
    </section>
  );
}

function NotFound() {
  const t = useT(appMessages);
  return (
    <section>
      <PageTitle title={t('notFoundTitle')}>{t('notFoundTitle')}</PageTitle>
      <p>{t('notFoundBody')}</p>
      <ButtonLink href="/">{t('goHome')}</ButtonLink>
    </section>
  );
}

function NotAllowed() {
  const t = useT(appMessages);
  const { state } = useSessionContext();
  const organisation = state.status === 'signed-in' ? (state.session.organisation?.name ?? '—') : '—';
  return (
    <section>
      <PageTitle title={t('notAllowedTitle')}>{t('notAllowedTitle')}</PageTitle>
      <p>{t('notAllowedBody', { organisation })}</p>
      <ButtonLink href="/">{t('goHome')}</ButtonLink>
    </section>
  );
}

/** One component per area route, so the router sees a different page per path. */
function guarded(route: AreaRoute): AnyComponent<Record<string, unknown>> {
  const Page = route.component;
  return function GuardedPage(props: Record<string, unknown>) {
    const { state } = useSessionContext();
    if (state.status !== 'signed-in') return null;
    return mayOpen(route, state.session) ? <Page {...props} /> : <NotAllowed />;
  };
}

const guardedRoutes = areaRoutes.map((route) => ({ path: route.path, component: guarded(route) }));

/** Signed out on a page that needs a session: off to sign in, then back here. */
function SignInRedirect() {
  const t = useT(appMessages);
  useEffect(() => {
    location.assign(signInUrl(currentPath()));
  }, []);
  return <Loading label={t('signIn')} />;
}

function Pages() {
  const t = useT(appMessages);
  const { state, refresh } = useSessionContext();
  const { path } = useLocation();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'failed') {
    return (
      <section>
        <PageTitle title={t('sessionFailedTitle')}>{t('sessionFailedTitle')}</PageTitle>
        <ErrorMessage error={state.error} onRetry={() => void refresh()} />
      </section>
    );
  }
  if (state.status === 'signed-out') return path === '/' ? <Landing /> : <SignInRedirect />;
  return (
    <PageErrorBoundary
      path={path}
      title={t('pageFailedTitle')}
      body={t('pageFailedBody')}
      reload={t('reload')}
    >
      <ErrorBoundary>
        <Router>
          <Route path="/" component={Home} />
          {guardedRoutes.map((route) => (
            <Route key={route.path} path={route.path} component={route.component} />
          ))}
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </PageErrorBoundary>
  );
}

export function App() {
  return (
    // links under /v1 (sign-in, sign-out, thumbnails) are the server's, and the shows app's
    // addresses are another page (shows.html): neither is this router's
    <LocationProvider scope={/^\/(?!(v1|shows|tickets|watch|door|studio)(\/|$))/}>
      <LanguageProvider>
        <ToastProvider>
          <SessionProvider>
            <Shell routes={areaRoutes}>
              <Pages />
            </Shell>
          </SessionProvider>
        </ToastProvider>
      </LanguageProvider>
    </LocationProvider>
  );
}
