import { createPool } from '#shared/db/pool.ts';
import { cookieRequestAllowed } from '#shared/people/origin-check.ts';
import { MEMBERS_SCOPE } from '#shared/people/roles.ts';
import { readCookie, serializeCookie, sessionCookiePolicy } from '#shared/people/session-cookie.ts';
import { type ApiRequest, type ApiResponse, parseJsonBody, validate } from '#shared/runtime/api.ts';
import type { Principal } from '#shared/runtime/auth-context.ts';
import { httpFunction, type RouteHandler } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { loadSessionConfig } from './config.ts';
import { NotAMemberError, NotSignedInError, OriginRefusedError } from './errors.ts';
import { sessionManifest } from './manifest.ts';
import { addMember, changeMemberRole, membersOf, removeMember } from './members.ts';
import { OidcClient } from './oidc.ts';
import { presentMember } from './present.ts';
import {
  addMemberSchema,
  callbackQuerySchema,
  changeRoleSchema,
  idSchema,
  loginQuerySchema,
  membersQuerySchema,
  switchOrganisationSchema,
} from './schema.ts';
import {
  beginSignIn,
  completeSignIn,
  currentSession,
  describeSession,
  LOGIN_ATTEMPT_TTL_MS,
  type SessionDeps,
  signOut,
  switchOrganisation,
} from './sessions.ts';

const config = loadSessionConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const portalOrigin = new URL(config.PORTAL_ORIGIN).origin;
const cookies = sessionCookiePolicy(portalOrigin);
const deps: SessionDeps = {
  pool,
  lifetime: config.lifetime,
  oidc: new OidcClient({
    issuerUrl: config.OIDC_ISSUER_URL,
    clientId: config.OIDC_CLIENT_ID,
    clientSecret: config.OIDC_CLIENT_SECRET,
    // The portal serves /v1 on its own origin, so the callback lands on the portal's host.
    redirectUri: `${portalOrigin}/v1/session/callback`,
  }),
};

const header = (req: ApiRequest, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Writes with the session cookie must come from the portal's pages (see shared/people/origin-check.ts). */
function assertFromPortal(req: ApiRequest): void {
  const allowed = cookieRequestAllowed(
    { method: req.method, origin: header(req, 'origin'), secFetchSite: header(req, 'sec-fetch-site') },
    portalOrigin,
  );
  if (!allowed) throw new OriginRefusedError();
}

/**
 * Who manages members, and of which organisation: their own, or, for the operator (`admin`), the
 * one `?orgId=` names (how an organisation gets its first admin).
 */
function membersCaller(req: ApiRequest): Principal {
  const principal = requirePrincipal(req);
  requireScope(principal, MEMBERS_SCOPE);
  const { orgId } = validate(membersQuerySchema, req.query, 'query');
  if (!orgId || orgId === principal.orgId) return principal;
  if (!principal.scopes.includes('admin')) {
    throw new NotAMemberError('Only the platform operator manages another organisation’s members.');
  }
  return { ...principal, orgId };
}

const sessionCookieOf = (req: ApiRequest) => readCookie(req.headers.cookie, cookies.name);
const clearSessionCookie = (res: ApiResponse) =>
  res.append('Set-Cookie', serializeCookie(cookies, cookies.name, '', 0));

/** Starts a sign-in (or a registration) at the identity provider, remembering the attempt in a cookie. */
const startSignIn =
  (register: boolean): RouteHandler =>
  async (req, res) => {
    const { returnTo } = validate(loginQuerySchema, req.query, 'query');
    const { loginId, redirectTo } = await beginSignIn(deps, returnTo, { register });
    res
      .append('Set-Cookie', serializeCookie(cookies, cookies.loginName, loginId, LOGIN_ATTEMPT_TTL_MS / 1000))
      .status(302)
      .set('Location', redirectTo)
      .end();
  };

export const handler = httpFunction(
  sessionManifest,
  () => ({
    signIn: startSignIn(false),
    register: startSignIn(true),

    signInCallback: async (req, res) => {
      validate(callbackQuerySchema, req.query, 'query');
      const query = new URL(req.originalUrl, 'http://fn.local').searchParams;
      // The login cookie is spent whatever happens: a failed callback cannot be replayed.
      res.append('Set-Cookie', serializeCookie(cookies, cookies.loginName, '', 0));
      const { sessionId, returnTo } = await completeSignIn(
        deps,
        readCookie(req.headers.cookie, cookies.loginName),
        query,
        header(req, 'user-agent'),
      );
      res
        .append(
          'Set-Cookie',
          serializeCookie(cookies, cookies.name, sessionId, config.lifetime.absoluteMs / 1000),
        )
        .status(302)
        .set('Location', returnTo)
        .end();
    },

    getSession: async (req, res) => {
      try {
        const { session } = await currentSession(deps, sessionCookieOf(req));
        res.json(await describeSession(deps, session));
      } catch (err) {
        // Only a session that is gone loses its cookie: a database outage must not sign anyone out.
        if (err instanceof NotSignedInError) clearSessionCookie(res);
        throw err;
      }
    },

    switchOrganisation: async (req, res) => {
      assertFromPortal(req);
      const { orgId } = parseJsonBody(req, switchOrganisationSchema);
      const current = await currentSession(deps, sessionCookieOf(req));
      const switched = await switchOrganisation(deps, current, orgId);
      const secondsLeft = (switched.session.absoluteExpiresAt.getTime() - Date.now()) / 1000;
      res.append('Set-Cookie', serializeCookie(cookies, cookies.name, switched.sessionId, secondsLeft));
      res.json(await describeSession(deps, switched.session));
    },

    signOut: async (req, res) => {
      assertFromPortal(req);
      await signOut(deps, sessionCookieOf(req));
      clearSessionCookie(res);
      res.status(204).end();
    },

    listMembers: async (req, res) => {
      const principal = membersCaller(req);
      res.json({ items: (await membersOf(pool, principal)).map(presentMember) });
    },

    addMember: async (req, res) => {
      const principal = membersCaller(req);
      const input = parseJsonBody(req, addMemberSchema);
      const member = await addMember(pool, principal, input);
      res.status(201).json(presentMember(member));
    },

    changeMemberRole: async (req, res) => {
      const principal = membersCaller(req);
      const userId = validate(idSchema, req.params.userId, 'path');
      const { role } = parseJsonBody(req, changeRoleSchema);
      await changeMemberRole(pool, principal, userId, role);
      res.status(204).end();
    },

    removeMember: async (req, res) => {
      const principal = membersCaller(req);
      const userId = validate(idSchema, req.params.userId, 'path');
      await removeMember(pool, principal, userId);
      res.status(204).end();
    },
  }),
  // Nothing this function answers may be cached: sessions, consent, personal data.
  { headers: { 'Cache-Control': 'no-store' } },
);
