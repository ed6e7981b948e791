import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { showsManifest } from '#functions/shows/manifest.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { isDatabaseUnavailable } from '#shared/db/unavailable.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { defineManifest } from '#shared/runtime/manifest.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { findFreePort } from '../../../../infra/local/mariadb.ts';

const anonymous = { type: 'anonymous' } as const;
const readingManifest = defineManifest({
  name: 'dependency-unavailable-test',
  summary: 'Routes that read the database.',
  kind: 'http',
  memoryMb: 128,
  timeoutSeconds: 30,
  routes: [
    { method: 'GET', path: '/rows', auth: anonymous, operationId: 'rows' },
    { method: 'GET', path: '/bad-sql', auth: anonymous, operationId: 'badSql' },
    { method: 'GET', path: '/slow', auth: anonymous, operationId: 'slow' },
  ],
  events: [],
  config: [],
});

/** One route that reads the database, as every grant, video read and checkout does. */
function readingFunction(pool: DbPool) {
  return httpFunction(readingManifest, () => ({
    rows: async (_req, res) => {
      const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 AS one');
      res.json(rows);
    },
    badSql: async (_req, res) => {
      await pool.query('SELECT no_such_column FROM no_such_table');
      res.json({});
    },
    slow: async (_req, res) => {
      await pool.query("SELECT SLEEP(30) AS 'dependency-unavailable-probe'");
      res.json({});
    },
  }));
}

const get = (url: string) => ({ method: 'GET', url, headers: {}, body: Buffer.alloc(0) });

describe('Edge: database trouble answers 503, not 500', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'dependency_unavailable');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('answers 503 problem+json with Retry-After when the database refuses connections', async () => {
    // Prepare: a loopback port with nothing listening, a database that is down
    const port = await findFreePort();
    const pool = createPool(`mysql://app:secret@127.0.0.1:${port}/forgecast`, { connectionLimit: 1 });
    const fn = readingFunction(pool);

    try {
      // Act
      const response = await fn.invoke(get('/v1/rows'));

      // Assess
      expect(response.status).toBe(503);
      expect(response.headers['content-type']?.[0]).toMatch(/^application\/problem\+json/);
      expect(Number(response.headers['retry-after']?.[0])).toBeGreaterThan(0);
      const problem = JSON.parse(response.body.toString('utf8'));
      expect(problem).toMatchObject({
        type: 'https://forgecast.dev/problems/dependency-unavailable',
        status: 503,
        retryAfterSeconds: expect.any(Number),
      });
      // The client learns what to do, not the database's address or the driver's message.
      expect(response.body.toString('utf8')).not.toContain(String(port));
      expect(response.body.toString('utf8')).not.toContain('ECONNREFUSED');
    } finally {
      await pool.end();
    }
  });

  it('answers 503 when the server kills the connection under a running query (a restart or failover)', async () => {
    // Prepare: a request whose query is running when the server drops its connection.
    const pool = createPool(db.url, { connectionLimit: 1 });
    const fn = readingFunction(pool);
    try {
      const pending = fn.invoke(get('/v1/slow'));
      const started = Date.now();
      let connectionId: number | undefined;
      while (connectionId === undefined && Date.now() - started < 20_000) {
        const [rows] = await db.pool.query<RowDataPacket[]>(
          "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%dependency-unavailable-probe%' AND INFO NOT LIKE '%PROCESSLIST%'",
        );
        connectionId = rows[0] ? Number(rows[0].ID) : undefined;
        if (connectionId === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(connectionId).toBeDefined();

      // Act
      await db.pool.query(`KILL CONNECTION ${connectionId}`);
      const response = await pending;

      // Assess
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']?.[0]).toBeDefined();
    } finally {
      await pool.end();
    }
  });

  it('keeps a wrong statement a 500: only unavailability is retryable', async () => {
    // Prepare
    const fn = readingFunction(db.pool);

    // Act
    const response = await fn.invoke(get('/v1/bad-sql'));

    // Assess
    expect(response.status).toBe(500);
    expect(response.headers['retry-after']).toBeUndefined();
  });
});

describe('A real function while its database is down', () => {
  it('answers the public show read with 503 + Retry-After through the gateway, not 500', async () => {
    // Prepare: the bundled shows function, its database a closed port; its anonymous route, so
    // the answer comes from the function itself.
    const port = await findFreePort();
    const runner = new FnRunner([
      bundledFunction(showsManifest.name, {
        MYSQL_URL: `mysql://forgecast:unused@127.0.0.1:${port}/forgecast`,
        STRIPE_API_BASE: 'http://127.0.0.1:9',
        STRIPE_SECRET_KEY: 'sk_test_unused',
        CHECKOUT_SUCCESS_URL: 'https://forgecast.test/paid',
        CHECKOUT_CANCEL_URL: 'https://forgecast.test/cancelled',
        S3_ENDPOINT: 'http://127.0.0.1:9',
        S3_REGION: 'local',
        S3_ACCESS_KEY_ID: 'unused',
        S3_SECRET_ACCESS_KEY: 'unused',
        MEDIA_BUCKET: 'media',
      }),
    ]);
    const gateway = await startGateway({
      runner,
      routes: showsManifest.routes
        .filter((route) => route.auth.type === 'anonymous')
        .map((route) => ({ ...route, functionName: showsManifest.name })),
    });
    try {
      // Act
      const response = await fetch(`${gateway.url}/shows/01J00000000000000000000000`);

      // Assess
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await response.json()).toMatchObject({
        type: 'https://forgecast.dev/problems/dependency-unavailable',
        status: 503,
      });
    } finally {
      await gateway.close();
      await runner.close();
    }
  });
});

describe('Function: isDatabaseUnavailable', () => {
  it.each([
    ['a lock wait timeout that outlived its retries', { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }],
    ['too many connections', { code: 'ER_CON_COUNT_ERROR', errno: 1040 }],
    ['a read-only server during failover', { code: 'ER_OPTION_PREVENTS_STATEMENT', errno: 1290 }],
    ['a lost connection', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }],
    ['a wrapped connection timeout', new Error('claim failed', { cause: { code: 'ETIMEDOUT' } })],
  ])('is true for %s', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a duplicate key', { code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' }],
    ['a syntax error', { code: 'ER_PARSE_ERROR', errno: 1064, sqlState: '42000' }],
    ['a plain error', new Error('boom')],
    ['nothing', undefined],
  ])('is false for %s', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
