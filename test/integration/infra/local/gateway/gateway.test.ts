import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { revokeApiKey } from '#shared/accounts/api-key-store.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { probeFunction } from '#test/support/probe.ts';
import { FnRunner } from '../../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../../infra/local/gateway/gateway.ts';
import type { GatewayRoute } from '../../../../../infra/local/gateway/routes.ts';

const routes: GatewayRoute[] = [
  { method: 'GET', path: '/open', auth: { type: 'anonymous' }, functionName: 'probe' },
  { method: 'GET', path: '/items/{id}', auth: { type: 'anonymous' }, functionName: 'probe' },
  { method: 'GET', path: '/items/special', auth: { type: 'anonymous' }, functionName: 'probe' },
  { method: 'GET', path: '/files/{rest*}', auth: { type: 'anonymous' }, functionName: 'probe' },
  {
    method: 'POST',
    path: '/echo',
    auth: { type: 'scoped', anyOf: ['designs:write', 'admin'] },
    functionName: 'probe',
  },
  { method: 'GET', path: '/echo', auth: { type: 'scoped', anyOf: [] }, functionName: 'probe' },
];

describe('Function: startGateway', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let writer: { orgId: string; keyId: string; key: string };
  let reader: { key: string };

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'gateway');
    writer = await createOrgWithKey(db.pool, ['designs:write']);
    reader = await createOrgWithKey(db.pool, ['designs:read']);
    runner = new FnRunner([probeFunction('probe'), bundledFunction('authorizer', { MYSQL_URL: db.url })]);
    gateway = await startGateway({ runner, routes, authorizerFunction: 'authorizer', authorizerCacheMs: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  const echo = async (response: Response) =>
    (await response.json()) as { url: string; headers: Record<string, string> };

  describe('routing', () => {
    it('routes below the /v1 prefix and hands the function the full relative URL', async () => {
      const response = await fetch(`${gateway.url}/items/42?x=1`);
      expect(response.status).toBe(404); // the probe has no /items route: the function answered
      const viaOpen = await fetch(`${gateway.url}/open`);
      expect(viaOpen.status).toBe(404);
      expect(((await viaOpen.json()) as { detail: string }).detail).toContain('/open');
    });

    it('prefers a literal segment over a parameter and matches wildcards', async () => {
      const special = await fetch(`${gateway.url}/items/special`);
      const rest = await fetch(`${gateway.url}/files/a/b/c.txt`);
      expect(special.headers.get('content-type')).toMatch(/problem\+json/);
      expect(((await special.json()) as { detail: string }).detail).toContain('/items/special');
      expect(((await rest.json()) as { detail: string }).detail).toContain('/files/a/b/c.txt');
    });

    it('answers 404 for an unknown path and 405 with Allow for a known path and wrong method', async () => {
      const unknown = await fetch(`${gateway.url}/nothing-here`);
      const noPrefix = await fetch(gateway.url.replace('/v1', '/open'));
      const wrongMethod = await fetch(`${gateway.url}/open`, { method: 'DELETE' });

      expect(unknown.status).toBe(404);
      expect(noPrefix.status).toBe(404);
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('GET');
    });
  });

  describe('custom authorizer', () => {
    it('answers 401 with WWW-Authenticate when no credential is sent', async () => {
      const response = await fetch(`${gateway.url}/echo`, { method: 'POST' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
    });

    it('answers 401 for an unknown or malformed key', async () => {
      const forged = `${writer.key.slice(0, -4)}AAAA`;
      for (const token of [forged, 'Bearer nonsense']) {
        const response = await fetch(`${gateway.url}/echo`, {
          method: 'POST',
          headers: { authorization: token },
        });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toContain('invalid_token');
      }
    });

    it('answers 403 when the key lacks every required scope', async () => {
      const response = await fetch(`${gateway.url}/echo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${reader.key}` },
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { detail: string }).detail).toContain('designs:write');
    });

    it('admits a key with a required scope and passes the authorizer context, not client claims', async () => {
      const response = await fetch(`${gateway.url}/echo`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${writer.key}`,
          'x-fc-org': 'someone-else',
          'content-type': 'application/json',
        },
        body: '{"hello":"world"}',
      });

      expect(response.status).toBe(200);
      const seen = await echo(response);
      expect(seen.headers['x-fc-org']).toBe(writer.orgId);
      expect(seen.headers['x-fc-scopes']).toBe('designs:write');
      expect(seen.headers['x-fc-principal']).toBe(`key:${writer.keyId}`);
      expect(seen.headers.authorization).toBeUndefined();
    });

    it('admits any valid key on an authentication-only route', async () => {
      const response = await fetch(`${gateway.url}/echo`, { headers: { authorization: reader.key } });
      expect(response.status).toBe(200);
    });

    it('refuses a revoked key', async () => {
      const doomed = await createOrgWithKey(db.pool, ['designs:write']);
      const before = await fetch(`${gateway.url}/echo`, { headers: { authorization: doomed.key } });
      expect(before.status).toBe(200);

      expect(await revokeApiKey(db.pool, doomed.keyId, doomed.orgId)).toBe(true);

      const after = await fetch(`${gateway.url}/echo`, { headers: { authorization: doomed.key } });
      expect(after.status).toBe(401);
    });

    it('refuses an expired key', async () => {
      const expired = await createOrgWithKey(db.pool, ['designs:write'], {
        expiresAt: new Date(Date.now() - 1000),
      });
      const response = await fetch(`${gateway.url}/echo`, { headers: { authorization: expired.key } });
      expect(response.status).toBe(401);
    });
  });

  describe('limits', () => {
    it('refuses a body over 6 MB with 413 before calling the function', async () => {
      const response = await fetch(`${gateway.url}/echo`, {
        method: 'POST',
        headers: { authorization: writer.key, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(6 * 1024 * 1024 + 10),
      });
      expect(response.status).toBe(413);
    });

    it('rate-limits per client IP with 429 and Retry-After', async () => {
      const limited = await startGateway({ runner, routes, rateLimit: { perSecond: 1, burst: 3 } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i += 1) {
          const response = await fetch(`${limited.url}/files/x`);
          statuses.push(response.status);
          if (response.status === 429)
            expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        }
        expect(statuses.slice(0, 3)).toEqual([404, 404, 404]);
        expect(statuses.slice(3)).toContain(429);
      } finally {
        await limited.close();
      }
    });
  });

  describe('CORS', () => {
    it('answers a preflight with the methods of the matched path', async () => {
      const response = await fetch(`${gateway.url}/echo`, {
        method: 'OPTIONS',
        headers: { origin: 'https://portal.example', 'access-control-request-method': 'POST' },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-methods')).toBe('POST, GET');
      expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    });

    it('restricts origins when configured', async () => {
      const strict = await startGateway({ runner, routes, corsOrigins: ['https://portal.example'] });
      try {
        const allowed = await fetch(`${strict.url}/open`, { headers: { origin: 'https://portal.example' } });
        const other = await fetch(`${strict.url}/open`, { headers: { origin: 'https://evil.example' } });
        expect(allowed.headers.get('access-control-allow-origin')).toBe('https://portal.example');
        expect(other.headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        await strict.close();
      }
    });
  });
});
