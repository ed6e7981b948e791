import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { probeFunction } from '#test/support/probe.ts';
import { FnRunner } from '../../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../../infra/local/gateway/gateway.ts';
import type { GatewayRoute } from '../../../../../infra/local/gateway/routes.ts';
import { findFreePort } from '../../../../../infra/local/mariadb.ts';

const routes: GatewayRoute[] = [
  { method: 'POST', path: '/open', auth: { type: 'anonymous' }, functionName: 'probe' },
  {
    method: 'POST',
    path: '/echo',
    auth: { type: 'scoped', anyOf: ['designs:write'] },
    functionName: 'probe',
  },
];

const SEVEN_MB = 7 * 1024 * 1024;
const execFileAsync = promisify(execFile);

interface FetchOutcome {
  status?: number;
  contentType?: string | null;
  problem?: unknown;
  error?: string;
}

/** Node's own fetch, run in a child process, posting `bytes` spaces `times` times in a row. */
async function fetchFromAnotherProcess(
  url: string,
  request: { times: number; bytes: number; headers: Record<string, string> },
): Promise<FetchOutcome[]> {
  const script = `
    const [url, times, bytes, headers] = JSON.parse(process.argv[1]);
    const outcomes = [];
    for (let i = 0; i < times; i++) {
      try {
        const response = await fetch(url, { method: 'POST', headers, body: Buffer.alloc(bytes, 0x20) });
        const text = await response.text();
        let problem;
        try { problem = JSON.parse(text); } catch {}
        outcomes.push({ status: response.status, contentType: response.headers.get('content-type'), problem });
      } catch (err) {
        outcomes.push({ error: String(err.cause?.code ?? err.cause?.message ?? err.message) });
      }
    }
    process.stdout.write(JSON.stringify(outcomes));
  `;
  const args = [JSON.stringify([url, request.times, request.bytes, request.headers])];
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script, ...args], {
    timeout: 60_000,
  });
  return JSON.parse(stdout) as FetchOutcome[];
}

describe('Local API Gateway: failures a client can read', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  /** The same catalog, but its authorizer's database is unreachable. */
  let storeDownRunner: FnRunner;
  let storeDown: RunningGateway;
  let writer: { key: string };

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'gateway_failures');
    writer = await createOrgWithKey(db.pool, ['designs:write']);
    runner = new FnRunner([probeFunction('probe'), bundledFunction('authorizer', { MYSQL_URL: db.url })]);
    gateway = await startGateway({ runner, routes, authorizerFunction: 'authorizer', authorizerCacheMs: 0 });
    // A loopback port with nothing listening: the credential store is down.
    const port = await findFreePort();
    storeDownRunner = new FnRunner([
      probeFunction('probe'),
      bundledFunction('authorizer', { MYSQL_URL: `mysql://forgecast:unused@127.0.0.1:${port}/forgecast` }),
    ]);
    storeDown = await startGateway({
      runner: storeDownRunner,
      routes,
      authorizerFunction: 'authorizer',
      authorizerCacheMs: 0,
    });
  });

  afterAll(async () => {
    await storeDown?.close();
    await storeDownRunner?.close();
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  describe('an unreachable credential store', () => {
    it('answers 503 with Retry-After for a well-formed key, never 401 and never the route', async () => {
      // Act
      const response = await fetch(`${storeDown.url}/echo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer.key}` },
      });

      // Assess: a client can tell "try again" from "your key is bad".
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({
        type: 'https://forgecast.dev/problems/authorizer-unavailable',
        status: 503,
      });
    });

    it('still answers 401 for a credential that is malformed whatever the store says', async () => {
      const response = await fetch(`${storeDown.url}/echo`, {
        method: 'POST',
        headers: { authorization: 'Bearer nonsense' },
      });
      expect(response.status).toBe(401);
    });

    it('admits the same key once the store answers', async () => {
      const response = await fetch(`${gateway.url}/echo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer.key}` },
      });
      expect(response.status).toBe(200);
    });
  });

  describe('a body over 6 MB', () => {
    it.each([
      ['an anonymous route', '/open', false],
      ['a scoped route', '/echo', true],
    ])('answers a plain fetch of 7 MB on %s with the 413 problem document', async (_name, path, withKey) => {
      // Act: an ordinary client in its own process (in this one, the client and the gateway share an
      // event loop and the race that cut uploads short with EPIPE never shows), five times over.
      const outcomes = await fetchFromAnotherProcess(`${gateway.url}${path}`, {
        times: 5,
        bytes: SEVEN_MB,
        headers: {
          'content-type': 'application/json',
          ...(withKey ? { authorization: `Bearer ${writer.key}` } : {}),
        },
      });

      // Assess
      expect(outcomes).toHaveLength(5);
      for (const outcome of outcomes) {
        expect(outcome).toMatchObject({
          status: 413,
          contentType: expect.stringMatching(/^application\/problem\+json/),
          problem: { type: 'https://forgecast.dev/problems/payload-too-large', status: 413 },
        });
      }
    });

    it('answers a streamed body with no Content-Length with the 413 problem document', async () => {
      // Prepare: 7 MB in 64 KB chunks, sent chunked.
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let sent = 0; sent < SEVEN_MB; sent += chunk.length) controller.enqueue(chunk);
          controller.close();
        },
      });

      // Act
      const response = await fetch(`${gateway.url}/open`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);

      // Assess
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ status: 413 });
    });

    it('answers Expect: 100-continue with 413 at once, before any body is sent', async () => {
      // Act
      const outcome = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const request = http.request(`${gateway.url}/open`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': SEVEN_MB, expect: '100-continue' },
        });
        request.on('continue', () => {
          continued = true;
          request.end(Buffer.alloc(SEVEN_MB, 0x20));
        });
        request.on('response', (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, continued }));
        });
        request.on('error', reject);
        request.flushHeaders();
      });

      // Assess
      expect(outcome).toEqual({ status: 413, continued: false });
    });
  });
});
