/**
 * The shows app (issue 16): the same providers as the portal (language, notices, session), its own
 * shell and router. Public pages open signed out; personal pages send a signed-out person to sign
 * in and back; the door and the studio need `shows:write`.
 */
import type { AnyComponent } from 'preact';
import { useEffect } from 'preact/hooks';
import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { currentPath, signInUrl } from '../app/api.ts';
import { ButtonLink } from '../app/components/button.tsx';
import { ErrorMessage, Loading } from '../app/components/feedback.tsx';
import { PageTitle } from '../app/components/page.tsx';
import { PageErrorBoundary } from '../app/components/page-error-boundary.tsx';
import { ToastProvider } from '../app/components/toasts.tsx';
import { LanguageProvider, useT } from '../app/i18n.tsx';
import { appMessages } from '../app/messages.ts';
import { SessionProvider, useSessionContext } from '../app/session.tsx';
import { decide } from './access.ts';
import { showsShellMessages } from './messages.ts';
import type { ShowsAppRoute } from './route-types.ts';
import { showsAppRoutes } from './routes.ts';
import { ShowsShell } from './shell.tsx';

function NotFound() {
  const t = useT(appMessages);
  return (
    <section>
      <PageTitle title={t('notFoundTitle')}>{t('notFoundTitle')}</PageTitle>
      <p>{t('notFoundBody')}</p>
      <ButtonLink href="/shows">{t('goHome')}</ButtonLink>
    </section>
  );
}

function NotAllowed() {
  const t = useT(showsShellMessages);
  const tApp = useT(appMessages);
  return (
    <section>
      <PageTitle title={t('notAllowedTitle')}>{t('notAllowedTitle')}</PageTitle>
      <p>{t('notAllowedBody')}</p>
      <ButtonLink href="/shows">{tApp('goHome')}</ButtonLink>
    </section>
  );
}

/** Signed out on a personal page: off to sign in, then back here. */
function SignInRedirect() {
  const t = useT(appMessages);
  useEffect(() => {
    location.assign(signInUrl(currentPath()));
  }, []);
  return <Loading label={t('signIn')} />;
}

/** One component per route, so the router sees a different page per path. */
function guarded(route: ShowsAppRoute): AnyComponent<Record<string, unknown>> {
  const Page = route.component;
  return function GuardedPage(props: Record<string, unknown>) {
    const t = useT(appMessages);
    const { state, refresh } = useSessionContext();
    if (route.access === 'public') return <Page {...props} />;
    if (state.status === 'loading') return <Loading />;
    if (state.status === 'failed') {
      return (
        <section>
          <PageTitle title={t('sessionFailedTitle')}>{t('sessionFailedTitle')}</PageTitle>
          <ErrorMessage error={state.error} onRetry={() => void refresh()} />
        </section>
      );
    }
    const verdict = decide(route.access, state.status === 'signed-in' ? state.session : null);
    if (verdict === 'sign-in') return <SignInRedirect />;
    if (verdict === 'refused') return <NotAllowed />;
    return <Page {...props} />;
  };
}

const guardedRoutes = showsAppRoutes.map((route) => ({ path: route.path, component: guarded(route) }));

/** `/` is the portal's: the shows app's home is the catalogue. */
function ToCatalogue() {
  const { route } = useLocation();
  useEffect(() => route('/shows', true), [route]);
  return null;
}

function Pages() {
  const t = useT(appMessages);
  const { path } = useLocation();
  return (
    <PageErrorBoundary
      path={path}
      title={t('pageFailedTitle')}
      body={t('pageFailedBody')}
      reload={t('reload')}
    >
      <ErrorBoundary>
        <Router>
          <Route path="/" component={ToCatalogue} />
          {guardedRoutes.map((route) => (
            <Route key={route.path} path={route.path} component={route.component} />
          ))}
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </PageErrorBoundary>
  );
}

export function ShowsApp() {
  return (
    // links under /v1 (sign-in, sign-out, posters) are the server's; the portal's own pages are
    // another app, so only the shows app's prefixes are routed here
    <LocationProvider scope={/^\/(shows|tickets|studio|watch\/|door\/)/}>
      <LanguageProvider>
        <ToastProvider>
          <SessionProvider>
            <ShowsShell routes={showsAppRoutes}>
              <Pages />
            </ShowsShell>
          </SessionProvider>
        </ToastProvider>
      </LanguageProvider>
    </LocationProvider>
  );
}
