import { describe, expect, it } from 'vitest';
import { loadAuthorizerConfig } from '#functions/authorizer/config.ts';
import { loadSessionConfig } from '#functions/session/config.ts';
import { returnToSchema } from '#functions/session/schema.ts';
import { SCOPES } from '#shared/accounts/api-keys.ts';
import { ConfigError } from '#shared/errors.ts';
import { sessionLifetimeOf } from '#shared/people/config.ts';
import { cookieRequestAllowed } from '#shared/people/origin-check.ts';
import { MEMBERS_SCOPE, ROLES, scopesForRole } from '#shared/people/roles.ts';
import {
  hashSessionId,
  isSessionIdShape,
  newSessionId,
  readCookie,
  serializeCookie,
  sessionCookiePolicy,
} from '#shared/people/session-cookie.ts';
import { pickLanguage } from '../../../../infra/local/identity/pages.ts';

const PORTAL = 'https://app.example.com';

describe('Function: scopesForRole', () => {
  it('gives every working role only scopes API keys know, and the operator admin', () => {
    for (const role of ROLES.filter((r) => r !== 'org_admin')) {
      for (const scope of scopesForRole(role, 'designer'))
        expect(SCOPES, `${role}: ${scope}`).toContain(scope);
    }
    expect(scopesForRole('platform_operator', 'operator')).toEqual(['admin']);
    expect(scopesForRole('designer', 'designer')).toContain('designs:write');
    expect(scopesForRole('viewer', 'viewer')).toEqual(['tickets:read', 'tickets:buy']);
  });

  it('gives an organisation admin what its kind may do plus member management, never admin', () => {
    expect(scopesForRole('org_admin', 'licensee')).toEqual(
      expect.arrayContaining(['printers:write', 'licenses:write', MEMBERS_SCOPE]),
    );
    expect(scopesForRole('org_admin', 'designer')).not.toContain('printers:write');
    expect(scopesForRole('org_admin', 'creator')).not.toContain('admin');
    expect(SCOPES as readonly string[]).not.toContain(MEMBERS_SCOPE);
  });
});

describe('Function: cookieRequestAllowed', () => {
  const allowed = (method: string | undefined, origin?: string, secFetchSite?: string) =>
    cookieRequestAllowed({ method, origin, secFetchSite }, PORTAL);

  it('admits reads, and writes only from the portal’s origin', () => {
    expect(allowed('GET')).toBe(true);
    expect(allowed('HEAD')).toBe(true);
    expect(allowed('POST', PORTAL)).toBe(true);
    expect(allowed('DELETE', PORTAL)).toBe(true);
    expect(allowed('POST')).toBe(false);
    expect(allowed('PATCH', 'https://evil.example')).toBe(false);
    expect(allowed('POST', 'null')).toBe(false);
    expect(allowed('POST', 'https://app.example.com.evil.example')).toBe(false);
    expect(allowed('POST', 'http://app.example.com')).toBe(false);
  });

  it('refuses a foreign Origin even on a read', () => {
    expect(allowed('GET', 'https://evil.example')).toBe(false);
  });

  it('without the method (OCI), admits no-Origin requests only from non-browsers or the same origin', () => {
    expect(allowed(undefined, PORTAL)).toBe(true);
    expect(allowed(undefined, 'https://evil.example')).toBe(false);
    expect(allowed(undefined)).toBe(true); // curl: no Sec-Fetch-Site, cannot be forged by a page
    expect(allowed(undefined, undefined, 'same-origin')).toBe(true);
    expect(allowed(undefined, undefined, 'cross-site')).toBe(false);
    expect(allowed(undefined, undefined, 'same-site')).toBe(false);
    expect(allowed(undefined, undefined, 'none')).toBe(false);
  });
});

describe('Session cookie', () => {
  it('uses __Host- and Secure over https, the plain name over http', () => {
    expect(sessionCookiePolicy(PORTAL)).toEqual({
      name: '__Host-fc_session',
      loginName: '__Host-fc_login',
      secure: true,
    });
    expect(sessionCookiePolicy('http://127.0.0.1:8082')).toEqual({
      name: 'fc_session',
      loginName: 'fc_login',
      secure: false,
    });
  });

  it('serialises HttpOnly, SameSite=Lax, Path=/ with Max-Age (and Secure in production)', () => {
    const policy = sessionCookiePolicy(PORTAL);
    expect(serializeCookie(policy, policy.name, 'abc', 3600.7)).toBe(
      '__Host-fc_session=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=3600; Secure',
    );
  });

  it('makes 256-bit ids, stores their SHA-256, and reads the right cookie', () => {
    const id = newSessionId();
    expect(isSessionIdShape(id)).toBe(true);
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    expect(hashSessionId(id)).toHaveLength(32);
    expect(newSessionId()).not.toBe(id);
    expect(readCookie(`theme=dark; fc_session=${id}; other=1`, 'fc_session')).toBe(id);
    expect(readCookie('xfc_session=1', 'fc_session')).toBeUndefined();
    expect(readCookie(['a=1', 'fc_session=2'], 'fc_session')).toBe('2');
    expect(readCookie(`fc_session=1; ${'x'.repeat(9000)}`, 'fc_session')).toBeUndefined();
  });

  it('keeps the idle lifetime within the absolute one', () => {
    expect(sessionLifetimeOf({ SESSION_IDLE_MINUTES: 30, SESSION_ABSOLUTE_HOURS: 12 })).toEqual({
      idleMs: 30 * 60_000,
      absoluteMs: 12 * 3_600_000,
    });
    expect(sessionLifetimeOf({ SESSION_IDLE_MINUTES: 120, SESSION_ABSOLUTE_HOURS: 1 }).idleMs).toBe(
      3_600_000,
    );
  });
});

describe('Schema: returnTo', () => {
  it('accepts paths on the portal and refuses everything that could leave it', () => {
    for (const ok of ['/', '/designs', '/designs/01ABC?tab=proof#chain', '/a//b']) {
      expect(returnToSchema.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of [
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      'designs',
      '/\tevil',
      '',
      `/${'a'.repeat(2048)}`,
    ]) {
      expect(returnToSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('Function: pickLanguage', () => {
  it('picks Italian or English by preference, English otherwise', () => {
    expect(pickLanguage('it-IT,it;q=0.9,en;q=0.8')).toBe('it');
    expect(pickLanguage('de-DE,en;q=0.5,it;q=0.4')).toBe('en');
    expect(pickLanguage('en;q=0.2,it;q=0.9')).toBe('it');
    expect(pickLanguage('fr')).toBe('en');
    expect(pickLanguage(undefined)).toBe('en');
    expect(pickLanguage('it;q=0')).toBe('en');
  });
});

describe('Function: loadSessionConfig', () => {
  const base = {
    MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/forgecast',
    PORTAL_ORIGIN: PORTAL,
    OIDC_ISSUER_URL: 'https://idcs-1.identity.oraclecloud.com',
    OIDC_CLIENT_ID: 'portal',
    OIDC_CLIENT_SECRET: 'secret',
  };

  it('defaults to 30 minutes idle and 12 hours absolute', () => {
    const config = loadSessionConfig(base);
    expect(config.lifetime).toEqual({ idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 });
  });

  it('names every missing or invalid variable and never echoes the secret', () => {
    let error: unknown;
    try {
      loadSessionConfig({
        ...base,
        PORTAL_ORIGIN: 'https://app.example.com/portal',
        OIDC_CLIENT_ID: '',
        SESSION_IDLE_MINUTES: '0',
        OIDC_CLIENT_SECRET: 'not-shown-anywhere',
        OIDC_ISSUER_URL: 'not a url',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(
      expect.arrayContaining(['PORTAL_ORIGIN', 'OIDC_CLIENT_ID', 'SESSION_IDLE_MINUTES', 'OIDC_ISSUER_URL']),
    );
    expect((error as Error).message).not.toContain('not-shown-anywhere');
  });

  it('lets the authorizer run without a portal (API keys only)', () => {
    expect(loadAuthorizerConfig({ MYSQL_URL: base.MYSQL_URL }).PORTAL_ORIGIN).toBeUndefined();
    expect(() =>
      loadAuthorizerConfig({ MYSQL_URL: base.MYSQL_URL, PORTAL_ORIGIN: 'app.example.com' }),
    ).toThrow(ConfigError);
  });
});
