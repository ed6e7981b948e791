import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { insertLoginAttempt, takeLoginAttempt } from '#shared/people/login-attempt-repository.ts';
import {
  claimInvitations,
  findMembership,
  listMembershipsOfUser,
  type MembershipView,
} from '#shared/people/membership-repository.ts';
import { type PersonScope, sessionScopes } from '#shared/people/roles.ts';
import { hashSessionId, isSessionIdShape, newSessionId } from '#shared/people/session-cookie.ts';
import {
  deleteEndedSessions,
  findLiveSession,
  insertSession,
  type LiveSession,
  revokeSession,
  rotateSessionToOrganisation,
  type SessionLifetime,
  touchSession,
} from '#shared/people/session-repository.ts';
import { findUser, type User, upsertUserFromIdentity } from '#shared/people/user-repository.ts';
import { NotAMemberError, NotSignedInError, SignInFailedError } from './errors.ts';
import type { OidcClient } from './oidc.ts';

/** A sign-in must come back from the provider within this time. */
export const LOGIN_ATTEMPT_TTL_MS = 10 * 60_000;
/** Ended sessions are kept this long (who was signed in when), then deleted at later sign-ins. */
const ENDED_SESSION_RETENTION_MS = 30 * 24 * 3_600_000;

export interface SessionDeps {
  readonly pool: DbPool;
  readonly oidc: OidcClient;
  readonly lifetime: SessionLifetime;
  readonly now?: () => Date;
}

const clock = (deps: SessionDeps) => deps.now?.() ?? new Date();

/** Step 1: remember the PKCE verifier, state, nonce and return path under a fresh login id. */
export async function beginSignIn(
  deps: SessionDeps,
  returnTo: string,
  options: { register?: boolean } = {},
): Promise<{ loginId: string; redirectTo: string }> {
  const start = await deps.oidc.start(options);
  const loginId = newSessionId();
  await insertLoginAttempt(
    deps.pool,
    hashSessionId(loginId),
    { state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, returnTo },
    new Date(clock(deps).getTime() + LOGIN_ATTEMPT_TTL_MS),
    clock(deps),
  );
  return { loginId, redirectTo: start.url.toString() };
}

/**
 * Step 2, the callback: the login id from this browser's cookie must find an attempt, whose
 * state, nonce and verifier the provider's answer must match. Then the person (created on first
 * sign-in, invitations claimed; no organisation needed: people hold tickets as themselves) and a
 * new session.
 */
export async function completeSignIn(
  deps: SessionDeps,
  loginId: string | undefined,
  callbackQuery: URLSearchParams,
  userAgent: string | undefined,
): Promise<{ sessionId: string; returnTo: string }> {
  const now = clock(deps);
  const attempt =
    loginId && isSessionIdShape(loginId)
      ? await takeLoginAttempt(deps.pool, hashSessionId(loginId), now)
      : undefined;
  if (!attempt) {
    throw new SignInFailedError('This sign-in expired or began in another browser. Start again.');
  }
  if (callbackQuery.has('error')) {
    throw new SignInFailedError(`The identity provider ended the sign-in: ${callbackQuery.get('error')}.`);
  }
  const identity = await deps.oidc.finish(callbackQuery, attempt);
  const sessionId = newSessionId();
  await withTransaction(deps.pool, async (db) => {
    const { user } = await upsertUserFromIdentity(db, identity);
    if (identity.emailVerified) await claimInvitations(db, user.id, identity.email);
    // A person who belongs nowhere signs in without an organisation: they buy and hold tickets
    // as themselves (issue 16), so no personal viewer organisation is made for them any more.
    const memberships = await listMembershipsOfUser(db, user.id);
    await insertSession(
      db,
      {
        idHash: hashSessionId(sessionId),
        userId: user.id,
        orgId: memberships[0]?.orgId ?? null,
        userAgent: userAgent ?? null,
      },
      deps.lifetime,
      now,
    );
  });
  await deleteEndedSessions(deps.pool, new Date(now.getTime() - ENDED_SESSION_RETENTION_MS));
  return { sessionId, returnTo: attempt.returnTo };
}

export interface SessionView {
  readonly user: { id: string; email: string; name: string; locale: string | null };
  readonly organisation: { id: string; name: string; kind: string } | null;
  readonly role: string | null;
  readonly scopes: PersonScope[];
  readonly memberships: Array<{ orgId: string; orgName: string; orgKind: string; role: string }>;
  readonly idleExpiresAt: string;
  readonly expiresAt: string;
}

/** The live session behind this cookie value, its idle expiry slid forward; or NotSignedInError. */
export async function currentSession(
  deps: SessionDeps,
  sessionId: string | undefined,
): Promise<{ idHash: Buffer; session: LiveSession }> {
  if (!sessionId || !isSessionIdShape(sessionId)) throw new NotSignedInError();
  const now = clock(deps);
  const idHash = hashSessionId(sessionId);
  const session = await findLiveSession(deps.pool, idHash, now);
  if (!session) throw new NotSignedInError();
  const slid = await touchSession(deps.pool, idHash, deps.lifetime, now);
  return {
    idHash,
    session: slid
      ? { ...session, idleExpiresAt: new Date(Math.min(slid.getTime(), session.absoluteExpiresAt.getTime())) }
      : session,
  };
}

export async function describeSession(deps: SessionDeps, session: LiveSession): Promise<SessionView> {
  const user: User | undefined = await findUser(deps.pool, session.userId);
  if (!user) throw new NotSignedInError();
  const memberships = await listMembershipsOfUser(deps.pool, user.id);
  const active: MembershipView | undefined = memberships.find((m) => m.orgId === session.orgId);
  return {
    user: { id: user.id, email: user.email, name: user.name, locale: user.locale },
    organisation: active ? { id: active.orgId, name: active.orgName, kind: active.orgKind } : null,
    role: active?.role ?? null,
    scopes: sessionScopes(active ? { role: active.role, orgKind: active.orgKind } : null),
    memberships: memberships.map((m) => ({
      orgId: m.orgId,
      orgName: m.orgName,
      orgKind: m.orgKind,
      role: m.role,
    })),
    idleExpiresAt: session.idleExpiresAt.toISOString(),
    expiresAt: session.absoluteExpiresAt.toISOString(),
  };
}

/** Moves the session to another of the person's organisations, under a new session id. */
export async function switchOrganisation(
  deps: SessionDeps,
  current: { idHash: Buffer; session: LiveSession },
  orgId: string,
): Promise<{ sessionId: string; session: LiveSession }> {
  const membership = await findMembership(deps.pool, current.session.userId, orgId);
  if (!membership) throw new NotAMemberError();
  const now = clock(deps);
  const sessionId = newSessionId();
  const rotated = await withTransaction(deps.pool, (db) =>
    rotateSessionToOrganisation(db, current.idHash, hashSessionId(sessionId), orgId, deps.lifetime, now),
  );
  if (!rotated) throw new NotSignedInError();
  const session = await findLiveSession(deps.pool, hashSessionId(sessionId), now);
  if (!session) throw new NotSignedInError();
  return { sessionId, session };
}

/** Ends the session behind this cookie value, if there is one. */
export async function signOut(deps: SessionDeps, sessionId: string | undefined): Promise<void> {
  if (!sessionId || !isSessionIdShape(sessionId)) return;
  await revokeSession(deps.pool, hashSessionId(sessionId), clock(deps));
}
