import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountsManifest } from '#functions/accounts/manifest.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { SCOPES } from '#shared/accounts/api-keys.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';

interface CreatedOrg {
  id: string;
  name: string;
  kind: string;
  apiKey: { keyId: string; key: string; scopes: string[] };
}

interface CreatedKey {
  keyId: string;
  key: string;
  scopes: string[];
}

interface Problem {
  type: string;
  status: number;
  detail?: string;
  errors?: Array<{ pointer: string; detail: string }>;
}

/** The accounts function as built for Fn, behind the real gateway and authorizer (no cache). */
describe('Function: accounts', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let operator: string;

  const call = (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });

  const post = (path: string, key: string, body: unknown) =>
    call(path, key, { method: 'POST', body: JSON.stringify(body) });

  async function createOrg(name: string, scopes: string[]): Promise<CreatedOrg> {
    const response = await post('/orgs', operator, { name, kind: 'designer', scopes });
    expect(response.status).toBe(201);
    return (await response.json()) as CreatedOrg;
  }

  async function countOrgs(): Promise<number> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM organisations');
    return Number(rows[0]?.n);
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'accounts');
    operator = (await createOrgWithKey(db.pool, SCOPES, { kind: 'operator' })).key;
    runner = new FnRunner([
      bundledFunction('accounts', { MYSQL_URL: db.url }),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
    ]);
    gateway = await startGateway({
      runner,
      routes: accountsManifest.routes.map((route) => ({ ...route, functionName: accountsManifest.name })),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  it('lets an operator create an organisation and returns its key once, never again', async () => {
    // Act
    const response = await post('/orgs', operator, {
      name: 'Acme Designs',
      kind: 'designer',
      scopes: ['designs:read', 'designs:write'],
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const org = (await response.json()) as CreatedOrg;
    expect(org).toMatchObject({ name: 'Acme Designs', kind: 'designer' });
    expect(org.apiKey.key).toMatch(new RegExp(`^fck_${org.apiKey.keyId}_[A-Za-z0-9_-]{43}$`));
    expect(org.apiKey.scopes).toEqual(['designs:read', 'designs:write']);

    const listed = await call('/api-keys', org.apiKey.key);
    expect(listed.status).toBe(200);
    const text = await listed.text();
    const { items } = JSON.parse(text) as { items: Array<Record<string, unknown>> };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ keyId: org.apiKey.keyId, name: 'initial', revokedAt: null });
    const secret = org.apiKey.key.split('_').slice(2).join('_');
    expect(text).not.toContain(secret);
    expect(Object.keys(items[0] ?? {}).sort()).toEqual(
      ['createdAt', 'expiresAt', 'keyId', 'name', 'revokedAt', 'scopes'].sort(),
    );
  });

  it('stores only a hash of the key: neither the key nor part of it', async () => {
    // Prepare
    const org = await createOrg('Hash Check', ['designs:read']);

    // Act
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT secret_hash, HEX(secret_hash) AS hex FROM api_keys WHERE key_id = ?',
      [org.apiKey.keyId],
    );

    // Assess
    const stored = rows[0]?.secret_hash as Buffer;
    expect(stored).toHaveLength(32);
    const key = org.apiKey.key;
    const secret = key.split('_').slice(2).join('_');
    for (const form of [stored.toString('hex'), stored.toString('base64url'), stored.toString('latin1')]) {
      expect(form).not.toBe(key);
      expect(key).not.toContain(form);
    }
    expect(stored.equals(Buffer.from(secret, 'base64url'))).toBe(false);
    expect(Buffer.from(key).includes(stored)).toBe(false);
  });

  it('refuses POST /orgs to an organisation key (403) and creates nothing', async () => {
    // Prepare
    const org = await createOrg('Not An Operator', ['designs:read', 'designs:write']);
    const before = await countOrgs();

    // Act
    const response = await post('/orgs', org.apiKey.key, {
      name: 'Sneaky',
      kind: 'designer',
      scopes: ['admin'],
    });

    // Assess
    expect(response.status).toBe(403);
    expect(await countOrgs()).toBe(before);
  });

  it('never gives a customer organisation the ingest workers’ scope (400 naming it) and creates nothing', async () => {
    // Prepare
    const before = await countOrgs();

    // Act: an operator asks for a creator organisation that could act as a live ingest agent
    const response = await post('/orgs', operator, {
      name: 'Creator with machine powers',
      kind: 'creator',
      scopes: ['videos:write', 'live:ingest'],
    });

    // Assess
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('live:ingest');
    expect(await countOrgs()).toBe(before);
  });

  it('refuses to grant a scope the caller does not hold (403) and stores no key', async () => {
    // Prepare
    const org = await createOrg('Scoped', ['designs:read']);

    // Act
    const response = await post('/api-keys', org.apiKey.key, {
      name: 'escalation',
      scopes: ['designs:read', 'designs:write'],
    });

    // Assess
    expect(response.status).toBe(403);
    expect(((await response.json()) as Problem).detail).toContain('designs:write');
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM api_keys WHERE org_id = ?',
      [org.id],
    );
    expect(Number(rows[0]?.n)).toBe(1);
  });

  it('issues a key with a subset of the caller’s scopes, and that key authenticates', async () => {
    // Prepare
    const org = await createOrg('Subset', ['designs:read', 'designs:write']);

    // Act
    const response = await post('/api-keys', org.apiKey.key, { name: 'read only', scopes: ['designs:read'] });

    // Assess
    expect(response.status).toBe(201);
    const created = (await response.json()) as CreatedKey;
    expect(created.scopes).toEqual(['designs:read']);
    expect(created.key).not.toBe(org.apiKey.key);
    const listed = await call('/api-keys', created.key);
    expect(listed.status).toBe(200);
    const { items } = (await listed.json()) as { items: Array<{ keyId: string; scopes: string[] }> };
    expect(items.map((item) => item.keyId).sort()).toEqual([org.apiKey.keyId, created.keyId].sort());
    expect(items.find((item) => item.keyId === created.keyId)?.scopes).toEqual(['designs:read']);
  });

  it('refuses a key whose expiry has already passed with a 400 naming /expiresAt, and stores none', async () => {
    // Prepare
    const org = await createOrg('Expired at birth', ['designs:read']);
    const keysBefore = async () => {
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM api_keys WHERE org_id = ?',
        [org.id],
      );
      return Number(rows[0]?.n);
    };

    // Act
    const past = await post('/api-keys', org.apiKey.key, {
      name: 'stillborn',
      scopes: ['designs:read'],
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const future = await post('/api-keys', org.apiKey.key, {
      name: 'a week',
      scopes: ['designs:read'],
      expiresAt: '2099-01-01T00:00:00+02:00',
    });

    // Assess
    expect(past.status).toBe(400);
    const problem = (await past.json()) as Problem;
    expect(problem.errors).toEqual([{ pointer: '/expiresAt', detail: 'must be in the future' }]);
    expect(future.status).toBe(201);
    expect(await keysBefore()).toBe(2);
  });

  it('revokes a key: DELETE answers 204 and the very next call with it is 401', async () => {
    // Prepare
    const org = await createOrg('Revoker', ['designs:read']);
    const created = (await (
      await post('/api-keys', org.apiKey.key, { name: 'doomed', scopes: ['designs:read'] })
    ).json()) as CreatedKey;
    expect((await call('/api-keys', created.key)).status).toBe(200);

    // Act
    const revoked = await call(`/api-keys/${created.keyId}`, org.apiKey.key, { method: 'DELETE' });

    // Assess
    expect(revoked.status).toBe(204);
    const after = await call('/api-keys', created.key);
    expect(after.status).toBe(401);
    expect((await call('/api-keys', org.apiKey.key)).status).toBe(200);
    const again = await call(`/api-keys/${created.keyId}`, org.apiKey.key, { method: 'DELETE' });
    expect(again.status).toBe(404);
  });

  it('does not let one organisation revoke another’s key (404), and the key keeps working', async () => {
    // Prepare
    const victim = await createOrg('Victim', ['designs:read']);
    const attacker = await createOrg('Attacker', ['designs:read']);

    // Act
    const response = await call(`/api-keys/${victim.apiKey.keyId}`, attacker.apiKey.key, {
      method: 'DELETE',
    });

    // Assess
    expect(response.status).toBe(404);
    expect((await call('/api-keys', victim.apiKey.key)).status).toBe(200);
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT revoked_at FROM api_keys WHERE key_id = ?', [
      victim.apiKey.keyId,
    ]);
    expect(rows[0]?.revoked_at).toBeNull();
  });

  it('answers malformed JSON and invalid fields with a 400 problem', async () => {
    // Act
    const malformed = await call('/orgs', operator, { method: 'POST', body: '{"name": "Broken",' });
    const invalid = await post('/orgs', operator, { name: '', kind: 'pirate', scopes: [] });

    // Assess
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await malformed.json()) as Problem).type).toMatch(/\/validation$/);
    expect(invalid.status).toBe(400);
    const problem = (await invalid.json()) as Problem;
    expect(problem.errors?.map((error) => error.pointer).sort()).toEqual(['/kind', '/name', '/scopes']);
  });

  it('answers a body that is not JSON with 415', async () => {
    // Prepare
    const before = await countOrgs();

    // Act
    const response = await call('/orgs', operator, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'Plain', kind: 'designer', scopes: ['designs:read'] }),
    });

    // Assess
    expect(response.status).toBe(415);
    expect(((await response.json()) as Problem).type).toMatch(/\/unsupported-media-type$/);
    expect(await countOrgs()).toBe(before);
  });
});
