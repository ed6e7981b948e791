/**
 * Who is signed in, from `GET /v1/session` (the session function's answer, shared contract of
 * issue 14). A 401 there means "signed out", not an error: the landing page shows instead.
 */
import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api } from './api.ts';
import type { Session } from './session-model.ts';

export { hasAnyScope, type Membership, ROLES, type Role, type Session } from './session-model.ts';

export type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'signed-out' }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'signed-in'; readonly session: Session };

interface SessionContextValue {
  readonly state: SessionState;
  readonly refresh: () => Promise<void>;
  readonly switchOrganisation: (orgId: string) => Promise<void>;
  readonly signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const session = await api.get<Session>('/session', { redirectOnUnauthorized: false });
      setState({ status: 'signed-in', session });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setState({ status: 'signed-out' });
      else setState({ status: 'failed', error });
    }
  }, []);

  const switchOrganisation = useCallback(async (orgId: string) => {
    const session = await api.post<Session>('/session/organisation', { orgId });
    setState({ status: 'signed-in', session });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.post<void>('/session/logout', undefined, { redirectOnUnauthorized: false });
    } finally {
      // a full load drops every page's state that belonged to the person who left
      location.assign('/');
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const value = useMemo(
    () => ({ state, refresh, switchOrganisation, signOut }),
    [state, refresh, switchOrganisation, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionContext(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSessionContext outside SessionProvider');
  return value;
}

/** The signed-in session; pages behind the guard can rely on it. */
export function useSession(): Session {
  const { state } = useSessionContext();
  if (state.status !== 'signed-in') throw new Error('useSession on a page outside the sign-in guard');
  return state.session;
}
