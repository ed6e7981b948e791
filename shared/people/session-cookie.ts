import { createHash, randomBytes } from 'node:crypto';

/**
 * Portal session ids: 256 random bits, base64url. The browser holds the id in an HttpOnly cookie;
 * the database holds only its SHA-256 (a slow hash buys nothing for a random 256-bit value and
 * would sit on every request's path, as for API keys).
 */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSessionId(id: string): Buffer {
  return createHash('sha256').update(id, 'utf8').digest();
}

const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function isSessionIdShape(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}

/**
 * The cookie's name and attributes follow the portal's origin: over https it is
 * `__Host-fc_session` with `Secure` (the prefix makes browsers refuse it unless Secure, Path=/ and
 * no Domain, so a sibling host cannot plant one); over plain http (the local cloud) `fc_session`.
 */
export interface SessionCookiePolicy {
  readonly name: string;
  readonly loginName: string;
  readonly secure: boolean;
}

export function sessionCookiePolicy(portalOrigin: string): SessionCookiePolicy {
  const secure = new URL(portalOrigin).protocol === 'https:';
  return {
    name: secure ? '__Host-fc_session' : 'fc_session',
    loginName: secure ? '__Host-fc_login' : 'fc_login',
    secure,
  };
}

/** `Set-Cookie` value for a cookie the page script must never read. */
export function serializeCookie(
  policy: SessionCookiePolicy,
  name: string,
  value: string,
  maxAgeSeconds: number,
): string {
  return [
    `${name}=${value}`,
    'HttpOnly',
    'SameSite=Lax',
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(policy.secure ? ['Secure'] : []),
  ].join('; ');
}

/** The value of cookie `name` in a Cookie header (first one wins, as browsers send the most specific first). */
export function readCookie(header: string | readonly string[] | undefined, name: string): string | undefined {
  const text = typeof header === 'string' ? header : (header ?? []).join('; ');
  if (text.length > 8192) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
