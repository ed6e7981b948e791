import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sessionManifest } from '#functions/session/manifest.ts';
import { putMembership } from '#shared/people/membership-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { CookieBrowser, formAction } from '#test/support/cookie-browser.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { probeFunction } from '#test/support/probe.ts';
import { clientResponseOf, fnHttpHeaders } from '../../../../infra/local/fn/http-intent.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import type { GatewayRoute } from '../../../../infra/local/gateway/routes.ts';
import {
  type RunningLocalIdentity,
  startLocalIdentity,
} from '../../../../infra/local/identity/local-identity.ts';
import { SEEDED_ORGANISATIONS, type SeededPerson } from '../../../../infra/local/identity/seed.ts';

/**
 * The sign-in flow end to end with real parts: MariaDB, the local OpenID provider
 * (oidc-provider) on loopback, the bundled session and authorizer functions on the FDK, and
 * the local gateway. Driven with plain HTTP through the provider's own forms.
 */
const probeRoutes: GatewayRoute[] = [
  {
    method: 'POST',
    path: '/echo',
    auth: { type: 'scoped', anyOf: ['designs:write', 'admin'] },
    functionName: 'probe',
  },
  { method: 'GET', path: '/echo', auth: { type: 'scoped', anyOf: [] }, functionName: 'probe' },
  {
    // The probe answers /echo only: a route that needs a person scope, told apart by its method.
    method: 'PUT',
    path: '/echo',
    auth: { type: 'scoped', anyOf: ['tickets:read', 'admin'] },
    functionName: 'probe',
  },
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface SessionBody {
  user: { id: string; email: string; name: string };
  organisation: { id: string; name: string; kind: string } | null;
  role: string | null;
  scopes: string[];
  memberships: Array<{ orgId: string; role: string }>;
  idleExpiresAt: string;
  expiresAt: string;
}

describe('Function: session (sign-in flow through the local OpenID provider)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let identity: RunningLocalIdentity;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let portal: string;
  let people: SeededPerson[];

  const person = (role: string) => {
    const found = people.find((p) => p.role === role);
    if (!found) throw new Error(`no seeded ${role}`);
    return found;
  };

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'session_flow');
    dataDir = await mkdtemp(join(tmpdir(), 'forgecast-session-'));
    const port = await freePort();
    // No web server here: the gateway's origin stands in for the portal's (both serve /v1).
    portal = `http://127.0.0.1:${port}`;
    identity = await startLocalIdentity({ dataDir, mysqlUrl: db.url, portalOrigin: portal, port: 0 });
    people = JSON.parse(await readFile(identity.seededPeopleFile, 'utf8')) as SeededPerson[];
    runner = new FnRunner([
      bundledFunction('session', { MYSQL_URL: db.url, ...identity.functionEnv }, 15),
      bundledFunction('authorizer', { MYSQL_URL: db.url, PORTAL_ORIGIN: portal }),
      probeFunction('probe'),
      // The same function with its database unreachable (a closed port).
      bundledFunction(
        'session-db-down',
        {
          ...identity.functionEnv,
          FORGECAST_FUNCTION: 'session',
          MYSQL_URL: 'mysql://forgecast:unused@127.0.0.1:9/forgecast',
        },
        15,
      ),
    ]);
    gateway = await startGateway({
      runner,
      routes: [
        ...sessionManifest.routes.map((route) => ({ ...route, functionName: 'session' })),
        ...probeRoutes,
      ],
      authorizerFunction: 'authorizer',
      port,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await identity?.close();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const api = (path: string) => `${gateway.url}${path}`;
  const isCallback = (location: URL) => location.pathname === '/v1/session/callback';

  /** Starts a sign-in and fills the provider's form; returns the callback URL the provider sent the browser to. */
  async function reachCallback(browser: CookieBrowser, who: SeededPerson, start = api('/session/login')) {
    const { response: form, url: formUrl } = await browser.follow(start);
    expect(form.status).toBe(200);
    const html = await form.text();
    const body = new URLSearchParams({ email: who.email, password: who.password });
    const { response } = await browser.follow(
      formAction(html, formUrl),
      { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      isCallback,
    );
    const location = response.headers.get('location');
    expect(location, `the provider answered ${response.status}`).toBeTruthy();
    await response.arrayBuffer();
    return new URL(location as string, formUrl);
  }

  async function signIn(
    who: SeededPerson,
    returnTo = '/',
  ): Promise<{ browser: CookieBrowser; callback: Response }> {
    const browser = new CookieBrowser();
    const callbackUrl = await reachCallback(
      browser,
      who,
      api(`/session/login?returnTo=${encodeURIComponent(returnTo)}`),
    );
    const callback = await browser.fetch(callbackUrl.toString());
    return { browser, callback };
  }

  const session = async (browser: CookieBrowser) => {
    const response = await browser.fetch(api('/session'));
    return { status: response.status, body: (await response.json()) as SessionBody & { type?: string } };
  };

  describe('signing in', () => {
    it('ends at returnTo with an HttpOnly, SameSite=Lax, Path=/ session cookie and a session for the seeded person', async () => {
      // Act
      const { browser, callback } = await signIn(person('designer'), '/designs?tab=mine');

      // Assess
      expect(callback.status).toBe(302);
      expect(callback.headers.get('location')).toBe('/designs?tab=mine');
      const cookie = browser.cookie(portal, 'fc_session');
      expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookie?.raw).toMatch(/; HttpOnly/);
      expect(cookie?.raw).toMatch(/; SameSite=Lax/);
      expect(cookie?.raw).toMatch(/; Path=\//);
      expect(cookie?.raw).not.toMatch(/Secure/); // plain http locally; https portals get Secure and __Host-
      expect(browser.cookie(portal, 'fc_login')).toBeUndefined();
      const { status, body } = await session(browser);
      expect(status).toBe(200);
      expect(body.user.email).toBe('designer@forgecast.test');
      expect(body.organisation).toEqual(SEEDED_ORGANISATIONS.designer);
      expect(body.role).toBe('designer');
      expect(body.scopes).toEqual(expect.arrayContaining(['designs:write', 'designs:read']));
      expect(body.scopes).not.toContain('admin');
    });

    it('stores only a hash of the session id', async () => {
      // Prepare
      const { browser } = await signIn(person('print_shop_operator'));
      const id = browser.cookie(portal, 'fc_session')?.value as string;

      // Act
      const [rows] = await db.pool.query<import('mysql2').RowDataPacket[]>(
        'SELECT id_hash FROM sessions WHERE id_hash = UNHEX(SHA2(?, 256))',
        [id],
      );
      const [plain] = await db.pool.query<import('mysql2').RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM sessions WHERE id_hash = ?',
        [Buffer.from(id)],
      );

      // Assess
      expect(rows).toHaveLength(1);
      expect(plain[0]?.n).toBe(0);
    });

    it('refuses a wrong password on the provider’s page, in the browser’s language, with labelled inputs', async () => {
      // Prepare
      const browser = new CookieBrowser({ 'accept-language': 'it-IT,it;q=0.9,en;q=0.5' });
      const { response: form, url } = await browser.follow(api('/session/login'));
      const html = await form.text();

      // Act
      const wrong = await browser.fetch(formAction(html, url), {
        method: 'POST',
        body: new URLSearchParams({ email: person('designer').email, password: 'not the password' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });

      // Assess
      expect(html).toContain('<html lang="it">');
      expect(html).toContain('<label for="email">');
      expect(html).toContain('<label for="password">');
      expect(wrong.status).toBe(401);
      const again = await wrong.text();
      expect(again).toContain('role="alert"');
      expect(again).toContain('Email e password non corrispondono');
    });
  });

  describe('what the callback refuses', () => {
    it('refuses a returnTo that leaves the portal (no open redirect)', async () => {
      const browser = new CookieBrowser();
      for (const returnTo of [
        'https://evil.example/',
        '//evil.example/x',
        '/\\evil.example',
        'javascript:alert(1)',
        'designs',
      ]) {
        const response = await browser.fetch(api(`/session/login?returnTo=${encodeURIComponent(returnTo)}`));
        expect(response.status, returnTo).toBe(400);
        expect(response.headers.get('location')).toBeNull();
      }
    });

    it('refuses a callback whose state does not match the sign-in this browser started', async () => {
      // Prepare: a second sign-in in the same browser replaces the first one's login cookie
      const browser = new CookieBrowser();
      const callbackUrl = await reachCallback(browser, person('designer'));
      await browser.fetch(api('/session/login'));

      // Act
      const response = await browser.fetch(callbackUrl.toString());

      // Assess
      expect(response.status).toBe(400);
      expect(((await response.json()) as { type: string }).type).toMatch(/sign-in-failed$/);
      expect(browser.cookie(portal, 'fc_session')).toBeUndefined();
    });

    it('refuses a callback with a tampered state', async () => {
      const browser = new CookieBrowser();
      const callbackUrl = await reachCallback(browser, person('designer'));
      callbackUrl.searchParams.set('state', 'forged-state-value');

      const response = await browser.fetch(callbackUrl.toString());

      expect(response.status).toBe(400);
      expect(browser.cookie(portal, 'fc_session')).toBeUndefined();
    });

    it('refuses a callback opened in another browser (no login cookie)', async () => {
      const starter = new CookieBrowser();
      const callbackUrl = await reachCallback(starter, person('designer'));

      const response = await new CookieBrowser().fetch(callbackUrl.toString());

      expect(response.status).toBe(400);
    });

    it('refuses a code redeemed with another PKCE verifier (the provider checks it)', async () => {
      // Prepare: the stored verifier no longer matches the challenge the provider saw
      const browser = new CookieBrowser();
      const callbackUrl = await reachCallback(browser, person('designer'));
      await db.pool.query(
        "UPDATE login_attempts SET code_verifier = REPEAT('a', 43) WHERE id_hash = UNHEX(SHA2(?, 256))",
        [browser.cookie(portal, 'fc_login')?.value],
      );

      // Act
      const response = await browser.fetch(callbackUrl.toString());

      // Assess
      expect(response.status).toBe(400);
      expect(browser.cookie(portal, 'fc_session')).toBeUndefined();
    });

    it('deletes sign-in attempts that expired without a callback when the next one starts', async () => {
      // Prepare
      await db.pool.query(
        `INSERT INTO login_attempts (id_hash, state, nonce, code_verifier, return_to, expires_at)
         VALUES (UNHEX(SHA2('abandoned', 256)), 's', 'n', 'v', '/', NOW(3) - INTERVAL 1 MINUTE)`,
      );

      // Act
      await (await new CookieBrowser().fetch(api('/session/login'))).arrayBuffer();

      // Assess
      const [rows] = await db.pool.query<import('mysql2').RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM login_attempts WHERE id_hash = UNHEX(SHA2('abandoned', 256))",
      );
      expect(rows[0]?.n).toBe(0);
    });

    it('answers a replayed callback 400: the login attempt is used once', async () => {
      const browser = new CookieBrowser();
      const callbackUrl = await reachCallback(browser, person('designer'));
      const login = browser.cookie(portal, 'fc_login')?.value as string;
      expect((await browser.fetch(callbackUrl.toString())).status).toBe(302);

      browser.setCookie(portal, 'fc_login', login);
      const replay = await browser.fetch(callbackUrl.toString());

      expect(replay.status).toBe(400);
    });
  });

  describe('expiry and sign-out', () => {
    it('ends a session idle past its idle expiry, and one past its absolute expiry', async () => {
      // Prepare
      const idle = await signIn(person('designer'));
      const old = await signIn(person('designer'));
      const hashOf = (browser: CookieBrowser) => browser.cookie(portal, 'fc_session')?.value;

      // Act
      await db.pool.query(
        'UPDATE sessions SET idle_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id_hash = UNHEX(SHA2(?, 256))',
        [hashOf(idle.browser)],
      );
      await db.pool.query(
        'UPDATE sessions SET absolute_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id_hash = UNHEX(SHA2(?, 256))',
        [hashOf(old.browser)],
      );

      // Assess
      for (const { browser } of [idle, old]) {
        const { status, body } = await session(browser);
        expect(status).toBe(401);
        expect(body.type).toMatch(/not-signed-in$/);
        const echo = await browser.fetch(api('/echo'));
        expect(echo.status).toBe(401);
      }
    });

    it('slides the idle expiry on use (at most once a minute), never past the absolute one', async () => {
      // Prepare
      const { browser } = await signIn(person('designer'));
      const first = (await session(browser)).body;
      const id = browser.cookie(portal, 'fc_session')?.value;
      await db.pool.query(
        `UPDATE sessions SET last_seen_at = NOW(3) - INTERVAL 2 MINUTE, idle_expires_at = NOW(3) + INTERVAL 5 MINUTE,
                absolute_expires_at = NOW(3) + INTERVAL 10 MINUTE WHERE id_hash = UNHEX(SHA2(?, 256))`,
        [id],
      );

      // Act
      const slid = (await session(browser)).body;

      // Assess: default 30 min idle, capped at the absolute expiry 10 minutes away
      expect(Date.parse(first.expiresAt) - Date.parse(first.idleExpiresAt)).toBeGreaterThan(11 * 3_600_000);
      expect(slid.idleExpiresAt).toBe(slid.expiresAt);
      expect(Date.parse(slid.expiresAt) - Date.now()).toBeLessThan(10 * 60_000 + 5_000);
    });

    it('writes the sliding expiry at most once a minute, from GET /session and from the authorizer alike', async () => {
      // Prepare
      const { browser } = await signIn(person('designer'));
      const id = browser.cookie(portal, 'fc_session')?.value;
      const lastSeen = async () => {
        const [rows] = await db.pool.query<import('mysql2').RowDataPacket[]>(
          'SELECT last_seen_at FROM sessions WHERE id_hash = UNHEX(SHA2(?, 256))',
          [id],
        );
        return (rows[0] as { last_seen_at: Date }).last_seen_at.getTime();
      };
      const signedInAt = await lastSeen();

      // Act 1: used within the minute
      await session(browser);
      await (await browser.fetch(api('/echo'))).arrayBuffer();
      const unchanged = await lastSeen();
      // Act 2: last seen 61 s ago, then one scoped call
      await db.pool.query(
        'UPDATE sessions SET last_seen_at = last_seen_at - INTERVAL 61 SECOND WHERE id_hash = UNHEX(SHA2(?, 256))',
        [id],
      );
      await (await browser.fetch(api('/echo'))).arrayBuffer();
      const touched = await lastSeen();

      // Assess
      expect(unchanged).toBe(signedInAt);
      expect(touched).toBeGreaterThan(signedInAt - 61_000);
      expect(touched).toBeGreaterThanOrEqual(signedInAt);
    });

    it('signs out: 204, the cookie cleared, the session refused at once by GET /session and by the authorizer', async () => {
      // Prepare
      const { browser } = await signIn(person('designer'));
      const id = browser.cookie(portal, 'fc_session')?.value as string;
      expect((await browser.fetch(api('/echo'))).status).toBe(200);

      // Act
      const out = await browser.fetch(api('/session/logout'), {
        method: 'POST',
        headers: { origin: portal },
      });

      // Assess
      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie().join('\n')).toMatch(
        /fc_session=; HttpOnly; SameSite=Lax; Path=\/; Max-Age=0/,
      );
      expect(browser.cookie(portal, 'fc_session')).toBeUndefined();
      browser.setCookie(portal, 'fc_session', id); // a copy of the cookie kept elsewhere
      expect((await browser.fetch(api('/echo'))).status).toBe(401); // the very next request
      expect((await session(browser)).status).toBe(401);
    });

    it('keeps the cookie when the database is down: 503, not a sign-out', async () => {
      // Act
      const outcome = await runner.call('session-db-down', {
        headers: fnHttpHeaders('GET', '/v1/session', { cookie: [`fc_session=${'a'.repeat(43)}`] }),
        body: Buffer.alloc(0),
      });

      // Assess
      expect(outcome.kind).toBe('ok');
      const response = clientResponseOf((outcome as { reply: Parameters<typeof clientResponseOf>[0] }).reply);
      expect(response.status).toBe(503);
      expect(response.headers['set-cookie']).toBeUndefined();
    });

    it('refuses a sign-out posted from another site', async () => {
      const { browser } = await signIn(person('designer'));

      const response = await browser.fetch(api('/session/logout'), {
        method: 'POST',
        headers: { origin: 'https://evil.example' },
      });

      expect(response.status).toBe(403);
      expect(((await response.json()) as { type: string }).type).toMatch(/origin-refused$/);
      expect((await session(browser)).status).toBe(200);
    });
  });

  describe('the authorizer with the session cookie', () => {
    it('admits a write from the portal’s origin, with the person as principal and the role’s scopes', async () => {
      // Prepare
      const { browser } = await signIn(person('designer'));
      const me = (await session(browser)).body;

      // Act
      const response = await browser.fetch(api('/echo'), {
        method: 'POST',
        headers: { origin: portal, 'content-type': 'application/json' },
        body: '{}',
      });

      // Assess
      expect(response.status).toBe(200);
      const { headers } = (await response.json()) as { headers: Record<string, string> };
      expect(headers['x-fc-principal']).toBe(`user:${me.user.id}`);
      expect(headers['x-fc-user']).toBe(me.user.id);
      expect(headers['x-fc-org']).toBe(SEEDED_ORGANISATIONS.designer.id);
      expect(headers['x-fc-scopes']?.split(' ')).toContain('designs:write');
      expect(headers['x-fc-key-id']).toBeUndefined();
    });

    it('refuses a cookie-authenticated write with a foreign Origin or none: 403 origin-refused', async () => {
      const { browser } = await signIn(person('designer'));

      const foreign = await browser.fetch(api('/echo'), {
        method: 'POST',
        headers: { origin: 'https://evil.example' },
      });
      const none = await browser.fetch(api('/echo'), { method: 'POST' });
      const nullOrigin = await browser.fetch(api('/echo'), { method: 'POST', headers: { origin: 'null' } });

      for (const response of [foreign, none, nullOrigin]) {
        expect(response.status).toBe(403);
        expect(((await response.json()) as { type: string }).type).toBe(
          'https://forgecast.dev/problems/origin-refused',
        );
      }
      // A read without Origin (a same-origin GET) passes.
      expect((await browser.fetch(api('/echo'))).status).toBe(200);
    });

    it('admits a person without an organisation as themselves: org empty, the person scopes only', async () => {
      // Prepare: a signed-in person whose session names no organisation.
      const { browser } = await signIn(person('designer'));
      const me = (await session(browser)).body;
      await db.pool.query('UPDATE sessions SET org_id = NULL WHERE user_id = ? AND revoked_at IS NULL', [
        me.user.id,
      ]);

      // Act
      const tickets = await browser.fetch(api('/echo'), { method: 'PUT', headers: { origin: portal } });
      const designs = await browser.fetch(api('/echo'), { method: 'POST', headers: { origin: portal } });

      // Assess
      expect(tickets.status).toBe(200);
      const { headers } = (await tickets.json()) as { headers: Record<string, string> };
      expect(headers['x-fc-principal']).toBe(`user:${me.user.id}`);
      expect(headers['x-fc-user']).toBe(me.user.id);
      expect(headers['x-fc-org'] ?? '').toBe('');
      expect(headers['x-fc-scopes']?.split(' ')).toEqual(['tickets:read', 'tickets:buy']);
      expect(designs.status).toBe(403);
    });

    it('gives every member the person scopes beside the role’s', async () => {
      const { browser } = await signIn(person('designer'));

      const response = await browser.fetch(api('/echo'), { method: 'PUT', headers: { origin: portal } });

      expect(response.status).toBe(200);
      const { headers } = (await response.json()) as { headers: Record<string, string> };
      expect(headers['x-fc-scopes']?.split(' ')).toEqual(
        expect.arrayContaining(['designs:write', 'tickets:read', 'tickets:buy']),
      );
    });

    it('refuses a role without the route’s scope: 403', async () => {
      const { browser } = await signIn(person('print_shop_operator'));

      const response = await browser.fetch(api('/echo'), { method: 'POST', headers: { origin: portal } });

      expect(response.status).toBe(403);
    });

    it('keeps API keys working exactly as before, with or without a cookie beside them', async () => {
      // Prepare
      const key = await createOrgWithKey(db.pool, ['designs:write']);
      const { browser } = await signIn(person('print_shop_operator'));

      // Act
      const plain = await fetch(api('/echo'), {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}` },
      });
      const beside = await browser.fetch(api('/echo'), {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, origin: 'https://elsewhere.example' },
      });
      const bad = await fetch(api('/echo'), {
        method: 'POST',
        headers: { authorization: 'Bearer fck_nope' },
      });

      // Assess
      for (const response of [plain, beside]) {
        expect(response.status).toBe(200);
        const { headers } = (await response.json()) as { headers: Record<string, string> };
        expect(headers['x-fc-principal']).toBe(`key:${key.keyId}`);
        expect(headers['x-fc-org']).toBe(key.orgId);
        expect(headers['x-fc-user']).toBeUndefined();
      }
      expect(bad.status).toBe(401);
    });
  });

  describe('organisations and members', () => {
    it('switches the active organisation to another membership, and refuses one that is not', async () => {
      // Prepare
      const { browser } = await signIn(person('licensing_manager'));
      const me = (await session(browser)).body;
      await putMembership(db.pool, me.user.id, SEEDED_ORGANISATIONS.designer.id, 'designer');
      const before = await browser.fetch(api('/echo')); // an answer OCI's gateway would keep for up to 5 s
      expect(((await before.json()) as { headers: Record<string, string> }).headers['x-fc-org']).toBe(
        SEEDED_ORGANISATIONS.printShop.id,
      );
      const oldId = browser.cookie(portal, 'fc_session')?.value as string;

      // Act
      const switched = await browser.fetch(api('/session/organisation'), {
        method: 'POST',
        headers: { origin: portal, 'content-type': 'application/json' },
        body: JSON.stringify({ orgId: SEEDED_ORGANISATIONS.designer.id }),
      });
      const refused = await browser.fetch(api('/session/organisation'), {
        method: 'POST',
        headers: { origin: portal, 'content-type': 'application/json' },
        body: JSON.stringify({ orgId: SEEDED_ORGANISATIONS.operator.id }),
      });

      // Assess
      expect(switched.status).toBe(200);
      const body = (await switched.json()) as SessionBody;
      expect(body.organisation?.id).toBe(SEEDED_ORGANISATIONS.designer.id);
      expect(body.role).toBe('designer');
      expect(body.memberships).toHaveLength(2);
      expect(refused.status).toBe(403);
      // A new session id: no cached answer for the old organisation applies, and the old id is ended.
      const newId = browser.cookie(portal, 'fc_session')?.value as string;
      expect(newId).not.toBe(oldId);
      const echo = await browser.fetch(api('/echo'));
      const { headers } = (await echo.json()) as { headers: Record<string, string> };
      expect(headers['x-fc-org']).toBe(SEEDED_ORGANISATIONS.designer.id);
      const stale = new CookieBrowser();
      stale.setCookie(portal, 'fc_session', oldId);
      expect((await session(stale)).status).toBe(401);
    });

    it('lets the organisation admin list, add and remove members; a removed member’s next request is refused', async () => {
      // Prepare
      const admin = await signIn(person('org_admin'));
      const creator = await signIn(person('creator'));
      const creatorId = (await session(creator.browser)).body.user.id;
      expect((await creator.browser.fetch(api('/echo'))).status).toBe(200);
      const write = { origin: portal, 'content-type': 'application/json' };

      // Act
      const list = await admin.browser.fetch(api('/members'));
      const invited = await admin.browser.fetch(api('/members'), {
        method: 'POST',
        headers: write,
        body: JSON.stringify({ email: 'New.Person@Example.com', role: 'designer' }),
      });
      const operatorRole = await admin.browser.fetch(api('/members'), {
        method: 'POST',
        headers: write,
        body: JSON.stringify({ email: 'someone@example.com', role: 'platform_operator' }),
      });
      const removed = await admin.browser.fetch(api(`/members/${creatorId}`), {
        method: 'DELETE',
        headers: { origin: portal },
      });

      // Assess
      expect(list.status).toBe(200);
      const members = ((await list.json()) as { items: Array<{ email: string; role: string }> }).items;
      expect(members.map((m) => m.email)).toEqual(
        expect.arrayContaining(['designer@forgecast.test', 'creator@forgecast.test', 'admin@forgecast.test']),
      );
      expect(invited.status).toBe(201);
      expect(await invited.json()).toMatchObject({
        email: 'new.person@example.com',
        status: 'invited',
        userId: null,
      });
      expect(operatorRole.status).toBe(403);
      expect(removed.status).toBe(204);
      expect((await creator.browser.fetch(api('/echo'))).status).toBe(401); // the very next request
      expect((await session(creator.browser)).status).toBe(401);
      // Signing in again, they belong nowhere: a person without an organisation, not the studio.
      const again = await signIn(person('creator'));
      const body = (await session(again.browser)).body;
      expect(body.organisation).toBeNull();
      expect(body.memberships.map((m) => m.orgId)).not.toContain(SEEDED_ORGANISATIONS.designer.id);
    });

    it('lets the operator name an organisation’s first admin (?orgId=), and no one else reach another organisation', async () => {
      // Prepare
      const fresh = await createOrgWithKey(db.pool, ['designs:read'], { kind: 'designer' });
      const operator = await signIn(person('platform_operator'));
      const admin = await signIn(person('org_admin'));
      const write = { origin: portal, 'content-type': 'application/json' };

      // Act
      const named = await operator.browser.fetch(api(`/members?orgId=${fresh.orgId}`), {
        method: 'POST',
        headers: write,
        body: JSON.stringify({ email: 'first.admin@example.com', role: 'org_admin' }),
      });
      const listed = await operator.browser.fetch(api(`/members?orgId=${fresh.orgId}`));
      const foreign = await admin.browser.fetch(api(`/members?orgId=${fresh.orgId}`));
      const missing = await operator.browser.fetch(api('/members?orgId=0000000000000000000000ZZZZ'), {
        method: 'POST',
        headers: write,
        body: JSON.stringify({ email: 'x@example.com', role: 'viewer' }),
      });

      // Assess
      expect(named.status).toBe(201);
      const items = ((await listed.json()) as { items: Array<{ email: string; status: string }> }).items;
      expect(items).toEqual([
        expect.objectContaining({ email: 'first.admin@example.com', status: 'invited' }),
      ]);
      expect(foreign.status).toBe(403);
      expect(missing.status).toBe(404);
    });

    it('refuses the members API to a member who is not an admin', async () => {
      const { browser } = await signIn(person('designer'));

      expect((await browser.fetch(api('/members'))).status).toBe(403);
    });
  });

  describe('viewer self-registration', () => {
    it('signs up through prompt=create and lands as a person of their own, holding ticket scopes', async () => {
      // Prepare
      const browser = new CookieBrowser();
      const { response: form, url } = await browser.follow(api('/session/register?returnTo=/shows'));
      const html = await form.text();
      expect(html).toContain('Create a viewer account');
      expect(html).toContain('<label for="name">');

      // Act
      const { response } = await browser.follow(
        formAction(html, url),
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            name: 'Chiara Gallo',
            email: 'chiara@example.com',
            password: 'a long enough password',
          }),
        },
        (location) => location.pathname === '/shows',
      );

      // Assess
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/shows');
      const { body } = await session(browser);
      expect(body.user).toMatchObject({ email: 'chiara@example.com', name: 'Chiara Gallo' });
      // No personal viewer organisation (issue 16): tickets belong to the person.
      expect(body.organisation).toBeNull();
      expect(body.role).toBeNull();
      expect(body.scopes).toEqual(['tickets:read', 'tickets:buy']);
      expect(body.memberships).toHaveLength(0);
      const [organisations] = await db.pool.query<import('mysql2').RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM organisations WHERE name = 'Chiara Gallo (viewer)'",
      );
      expect(Number(organisations[0]?.n)).toBe(0);
    });
  });
});
