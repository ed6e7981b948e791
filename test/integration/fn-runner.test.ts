import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientResponseOf, fnHttpHeaders } from '../../infra/local/fn/http-intent.ts';
import { type CallOutcome, FnRunner } from '../../infra/local/fn/runner.ts';
import { probeFunction } from '../support/probe.ts';

function httpCall(
  runner: FnRunner,
  method: string,
  url: string,
  body = Buffer.alloc(0),
  headers = {},
  timeoutMs?: number,
) {
  return runner.call('probe', {
    headers: fnHttpHeaders(method, url, headers),
    body,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

function okResponse(outcome: CallOutcome) {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}`);
  return clientResponseOf(outcome.reply);
}

describe('Class: FnRunner', () => {
  let runner: FnRunner;

  beforeAll(() => {
    runner = new FnRunner([probeFunction('probe')], { processesPerFunction: 2 });
  });
  afterAll(async () => {
    await runner.close();
  });

  describe('Method: call (HTTP intent)', () => {
    it('passes method, relative URL, query and every header value through the real FDK', async () => {
      // Act
      const response = okResponse(
        await httpCall(runner, 'GET', '/v1/echo?a=1&a=2&b=x%20y', Buffer.alloc(0), {
          'X-Trace': ['t1', 't2'],
          Accept: 'application/json',
        }),
      );

      // Assess
      expect(response.status).toBe(200);
      const echoed = JSON.parse(response.body.toString('utf8'));
      expect(echoed.method).toBe('GET');
      expect(echoed.url).toBe('/echo?a=1&a=2&b=x%20y');
      expect(echoed.query).toEqual({ a: ['1', '2'], b: 'x y' });
      expect(echoed.headers['x-trace']).toBe('t1, t2');
      expect(echoed.headers.accept).toBe('application/json');
    });

    it('returns status and multi-value response headers set by the function', async () => {
      const response = okResponse(await httpCall(runner, 'GET', '/v1/multi'));

      expect(response.status).toBe(207);
      expect(response.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
      expect(response.headers['x-multi']).toEqual(['one', 'two']);
      expect(response.headers['content-type']).toEqual(['text/plain; charset=utf-8']);
      expect(response.body.toString()).toBe('multi');
    });

    it('round-trips a binary body byte for byte', async () => {
      const bytes = Buffer.alloc(256 * 1024);
      for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 7919) % 256;

      const response = okResponse(
        await httpCall(runner, 'POST', '/v1/bytes', bytes, { 'Content-Type': 'application/octet-stream' }),
      );

      expect(response.headers['content-type']?.[0]).toMatch(/^application\/octet-stream/);
      expect(Buffer.compare(response.body, bytes)).toBe(0);
    });

    it('keeps a UTF-8 body over 1 MB intact across chunk boundaries', async () => {
      const text = '€🖨️ forgecast ü '.repeat(90_000);
      const body = Buffer.from(JSON.stringify({ text }), 'utf8');
      expect(body.length).toBeGreaterThan(1024 * 1024);

      const response = okResponse(
        await httpCall(runner, 'POST', '/v1/echo', body, { 'Content-Type': 'application/json' }),
      );

      const echoed = JSON.parse(response.body.toString('utf8'));
      const received = Buffer.from(echoed.bodyBase64, 'base64');
      expect(createHash('sha256').update(received).digest('hex')).toBe(
        createHash('sha256').update(body).digest('hex'),
      );
    });

    it('maps an unexpected error to a 500 problem that does not leak the message', async () => {
      const response = okResponse(await httpCall(runner, 'GET', '/v1/throw'));

      expect(response.status).toBe(500);
      expect(response.headers['content-type']?.[0]).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(response.body.toString('utf8'));
      expect(problem).toMatchObject({ status: 500, title: 'Internal error' });
      expect(response.body.toString()).not.toContain('hunter2');
    });

    it('answers an unknown route with a 404 problem', async () => {
      const response = okResponse(await httpCall(runner, 'GET', '/v1/nowhere'));
      expect(response.status).toBe(404);
      expect(JSON.parse(response.body.toString()).type).toMatch(/route-not-found$/);
    });

    it('answers 504 when the call outlives its deadline', async () => {
      const outcome = await httpCall(runner, 'GET', '/v1/slow?ms=3000', Buffer.alloc(0), {}, 800);

      // The adapter answers just before the deadline; if it could not, the runner times out.
      if (outcome.kind === 'ok') expect(clientResponseOf(outcome.reply).status).toBe(504);
      else expect(outcome.kind).toBe('timeout');
    });

    it('refuses a body over 6 MB without calling the function', async () => {
      const outcome = await httpCall(runner, 'POST', '/v1/echo', Buffer.alloc(6 * 1024 * 1024 + 1));
      expect(outcome.kind).toBe('too-large');
    });

    it('replaces a process that crashed mid-call; the next call succeeds', async () => {
      const before = JSON.parse(okResponse(await httpCall(runner, 'GET', '/v1/echo')).body.toString()).pid;

      const crashed = await httpCall(runner, 'GET', '/v1/crash');
      expect(crashed.kind).toBe('crashed');

      const after = okResponse(await httpCall(runner, 'GET', '/v1/echo'));
      expect(after.status).toBe(200);
      expect(typeof before).toBe('number');
    });

    it('runs one call at a time per process and grows the pool to its limit', async () => {
      const pids = await Promise.all(
        Array.from({ length: 4 }, () => httpCall(runner, 'GET', '/v1/slow?ms=300').then(okResponse)),
      ).then((responses) => responses.map((r) => JSON.parse(r.body.toString()).pid as number));

      expect(new Set(pids).size).toBe(2);
      expect(runner.pool('probe').size).toBeLessThanOrEqual(2);
    });
  });

  describe('Method: call (start-up)', () => {
    it('reports a function whose config is missing as start-failed, naming the variable', async () => {
      const lines: string[] = [];
      const broken = new FnRunner([
        { ...probeFunction('broken', { PROBE_REQUIRE_CONFIG: '1' }), onLog: (_s, line) => lines.push(line) },
      ]);
      try {
        const outcome = await broken.call('broken', {
          headers: fnHttpHeaders('GET', '/v1/echo', {}),
          body: Buffer.alloc(0),
        });
        expect(outcome.kind).toBe('start-failed');
        if (outcome.kind === 'start-failed') expect(outcome.detail).toContain('PROBE_DATABASE_URL');
        expect(lines.join('\n')).toContain('PROBE_DATABASE_URL is required');
      } finally {
        await broken.close();
      }
    });
  });
});
