import type { ApiKeyRow } from '#shared/accounts/api-key-store.ts';
import { parseApiKey, secretMatches } from '#shared/accounts/api-keys.ts';
import { cookieRequestAllowed } from '#shared/people/origin-check.ts';
import { sessionScopes } from '#shared/people/roles.ts';
import {
  hashSessionId,
  isSessionIdShape,
  readCookie,
  sessionCookiePolicy,
} from '#shared/people/session-cookie.ts';
import type { LiveSession } from '#shared/people/session-repository.ts';
import type { PrinterCredentialRow } from '#shared/printers/printer.ts';
import { parsePrinterCredential, printerSecretMatches } from '#shared/printers/printer-credential.ts';
import type { AuthContext } from '#shared/runtime/auth-context.ts';
import type { AuthorizerAnswer, AuthorizerInput } from './schema.ts';

export type StoredKey = ApiKeyRow;
export type StoredPrinter = PrinterCredentialRow;

export interface KeyLookup {
  find(keyId: string): Promise<StoredKey | undefined>;
  /** Printer credentials (`fcp_`); a lookup without it accepts API keys only. */
  findPrinter?(printerId: string): Promise<StoredPrinter | undefined>;
  /** Portal sessions (the session cookie); without it only bearer credentials are accepted. */
  sessions?: SessionLookup;
}

export interface SessionLookup {
  /** The portal's origin: names the cookie and is the only origin cookie-authenticated writes may come from. */
  readonly portalOrigin: string;
  find(idHash: Buffer, now: Date): Promise<LiveSession | undefined>;
  /** Slides the idle expiry (the repository writes at most once a minute per session). */
  touch(idHash: Buffer, now: Date): Promise<void>;
}

/**
 * How long the gateway may reuse an answer for a session cookie: removing a member or signing
 * out takes effect within this (on OCI; the local gateway keeps no session-cookie answer).
 */
export const SESSION_ANSWER_TTL_MS = 5_000;

/** How long the gateway may reuse an answer; bounds how late a revocation takes effect. */
const ANSWER_TTL_MS = 60_000;

/** All a printer may do with its credential: ask for print grants and report their outcome. */
export const PRINTER_SCOPES = ['prints:authorize'] as const;

const refuse = (description: string): Extract<AuthorizerAnswer, { active: false }> => ({
  active: false,
  wwwAuthenticate: `Bearer error="invalid_token", error_description="${description}"`,
});

export async function authorize(
  input: AuthorizerInput,
  keys: KeyLookup,
  now = new Date(),
): Promise<AuthorizerAnswer> {
  const presented = (
    input.type === 'TOKEN' ? input.token : input.data.token || input.data.authorization || ''
  ).replace(/^Bearer\s+/i, '');
  // No bearer credential: a browser with the portal's session cookie (multi-argument input only).
  if (presented === '' && input.type === 'USER_DEFINED' && keys.sessions) {
    return authorizeSession(input.data, keys.sessions, now);
  }
  const printerCredential = parsePrinterCredential(presented);
  if (printerCredential) return authorizePrinter(printerCredential, keys, now);

  const parsed = parseApiKey(presented);
  if (!parsed) return refuse('malformed credential');
  const key = await keys.find(parsed.keyId);
  // The same answer for an unknown key and a wrong secret: no oracle for valid key ids.
  if (!key || !secretMatches(parsed.secret, key.secretHash)) return refuse('unknown credential');
  if (key.revokedAt && key.revokedAt <= now) return refuse('credential revoked');
  if (key.expiresAt && key.expiresAt <= now) return refuse('credential expired');

  const expiresAt = new Date(
    Math.min(now.getTime() + ANSWER_TTL_MS, key.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY),
  );
  return activeAnswer(`key:${key.keyId}`, key.orgId, key.scopes, key.keyId, expiresAt);
}

async function authorizePrinter(
  credential: { printerId: string; secret: string },
  keys: KeyLookup,
  now: Date,
): Promise<AuthorizerAnswer> {
  const printer = await keys.findPrinter?.(credential.printerId);
  // Unknown, retired and wrong secret all read the same: a retired printer's id is no oracle either.
  if (printer?.status !== 'active' || !printerSecretMatches(credential.secret, printer.credentialHash)) {
    return refuse('unknown credential');
  }
  const expiresAt = new Date(now.getTime() + ANSWER_TTL_MS);
  return activeAnswer(
    `printer:${printer.printerId}`,
    printer.orgId,
    PRINTER_SCOPES,
    printer.printerId,
    expiresAt,
  );
}

async function authorizeSession(
  data: Readonly<Record<string, string>>,
  sessions: SessionLookup,
  now: Date,
): Promise<AuthorizerAnswer> {
  const policy = sessionCookiePolicy(sessions.portalOrigin);
  const sessionId = readCookie(data.cookie, policy.name);
  if (!sessionId || !isSessionIdShape(sessionId)) return refuse('malformed credential');
  const fromPortal = cookieRequestAllowed(
    {
      method: data.method || undefined,
      origin: data.origin || undefined,
      secFetchSite: data.secFetchSite || undefined,
    },
    sessions.portalOrigin,
  );
  // Before the lookup: a forged request learns nothing about the session it carries.
  if (!fromPortal) return { ...refuse('origin refused'), problem: 'origin-refused' };
  const idHash = hashSessionId(sessionId);
  const session = await sessions.find(idHash, now);
  if (!session) return refuse('unknown credential');
  // A removed member's session stays live only until revoked; without a role it admits nothing.
  // A session with no organisation at all is a person acting as themselves (PERSON_SCOPES).
  const membership =
    session.role && session.orgKind ? { role: session.role, orgKind: session.orgKind } : null;
  if (session.orgId !== null && !membership) return refuse('unknown credential');
  await sessions.touch(idHash, now);
  const expiresAt = new Date(
    Math.min(
      now.getTime() + SESSION_ANSWER_TTL_MS,
      session.idleExpiresAt.getTime(),
      session.absoluteExpiresAt.getTime(),
    ),
  );
  const principal = `user:${session.userId}`;
  const scopes = sessionScopes(membership);
  const context: AuthContext = {
    principal,
    // '' for a person without an organisation (principalFromHeaders admits it with a userId).
    orgId: session.orgId ?? '',
    scopes: scopes.join(' '),
    userId: session.userId,
  };
  return {
    active: true,
    principal,
    scope: scopes,
    clientId: principal,
    expiresAt: expiresAt.toISOString(),
    context,
  };
}

function activeAnswer(
  principal: string,
  orgId: string,
  scopes: readonly string[],
  keyId: string,
  expiresAt: Date,
): AuthorizerAnswer {
  const context: AuthContext = { principal, orgId, scopes: scopes.join(' '), keyId };
  return {
    active: true,
    principal,
    scope: [...scopes],
    clientId: keyId,
    expiresAt: expiresAt.toISOString(),
    context,
  };
}
