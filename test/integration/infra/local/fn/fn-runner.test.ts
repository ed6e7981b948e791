import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeFunction } from '#test/support/probe.ts';
import { clientResponseOf, fnHttpHeaders } from '../../../../../infra/local/fn/http-intent.ts';
import { type CallOutcome, FnRunner } from '../../../../../infra/local/fn/runner.ts';

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

/**
 * Blocks (no event loop turn) until the kernel has finished killing `pid`: every thread gone and
 * its files (the listening socket) closed, only the zombie left or nothing. The runner cannot
 * have processed the exit yet, which is the window in which a call used to be routed to the dead
 * process.
 */
function waitUntilDeadWithoutYielding(pid: number): void {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const zombie = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
      // The leader turns zombie before the last thread has closed the shared file table.
      if (
        zombie &&
        readdirSync(`/proc/${pid}/task`).length === 1 &&
        readdirSync(`/proc/${pid}/fd`).length === 0
      )
        return;
    } catch {
      return;
    }
  }
  throw new Error(`process ${pid} still alive after SIGKILL`);
}

function httpCallTo(runner: FnRunner, name: string, url: string, timeoutMs?: number) {
  return runner.call(name, {
    headers: fnHttpHeaders('GET', url, {}),
    body: Buffer.alloc(0),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

function okResponse(outcome: CallOutcome) {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
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
      // Act: four calls of 300 ms at once, on a pool of at most two processes.
      const started = performance.now();
      const pids = await Promise.all(
        Array.from({ length: 4 }, () => httpCall(runner, 'GET', '/v1/slow?ms=300').then(okResponse)),
      ).then((responses) => responses.map((r) => JSON.parse(r.body.toString()).pid as number));
      const elapsedMs = performance.now() - started;

      // Assess: never two calls in one process at once, so at least two rounds of 300 ms. Which
      // process serves which call depends on how fast the second one starts (a call takes the
      // first process that is free), but the pool grows to its limit and no further.
      expect(elapsedMs).toBeGreaterThanOrEqual(595);
      expect(new Set(pids).size).toBeLessThanOrEqual(2);
      const until = Date.now() + 30_000;
      while (runner.pool('probe').size < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(runner.pool('probe').size).toBe(2);
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

  describe('Method: call (a slow or busy machine)', () => {
    // Longer than the 5 s after which the runner used to give up on a starting process.
    const SLOW_START_MS = 6_000;

    it('waits for a process slower to start than 5 s and serves every queued call with it', async () => {
      // Prepare
      const slow = new FnRunner(
        [probeFunction('slow', { PROBE_START_DELAY_MS: String(SLOW_START_MS) }, 60)],
        {
          processesPerFunction: 1,
        },
      );
      try {
        // Act
        const outcomes = await Promise.all(
          Array.from({ length: 3 }, () => httpCallTo(slow, 'slow', '/v1/echo')),
        );

        // Assess
        expect(outcomes.map((outcome) => outcome.kind)).toEqual(['ok', 'ok', 'ok']);
        const pids = outcomes.map((outcome) => JSON.parse(okResponse(outcome).body.toString()).pid as number);
        expect(new Set(pids).size).toBe(1);
        expect(slow.pool('slow').lastColdStartMs).toBeGreaterThanOrEqual(SLOW_START_MS);
      } finally {
        await slow.close();
      }
    });

    it('warms a function slower to start than 5 s instead of failing the start-up', async () => {
      const slow = new FnRunner([probeFunction('slow', { PROBE_START_DELAY_MS: String(SLOW_START_MS) }, 60)]);
      try {
        await slow.warmAll();

        expect(slow.pool('slow').coldStarts).toBe(1);
        expect((await httpCallTo(slow, 'slow', '/v1/echo')).kind).toBe('ok');
      } finally {
        await slow.close();
      }
    });

    it('gives a call queued behind a busy pool up at its own deadline, not when a process frees', async () => {
      // Prepare: one process, busy for 3 s.
      const busy = new FnRunner([probeFunction('busy', {}, 30)], { processesPerFunction: 1 });
      try {
        await busy.warmAll();
        // The call takes the only idle process synchronously (FunctionPool.acquire), so the next
        // one queues behind it.
        const long = httpCallTo(busy, 'busy', '/v1/slow?ms=3000');
        let longSettled = false;
        void long.finally(() => {
          longSettled = true;
        });

        // Act
        const queued = await httpCallTo(busy, 'busy', '/v1/echo', 500);

        // Assess: it gave up while the process was still busy, not once it was free.
        expect(queued.kind).toBe('timeout');
        expect(longSettled).toBe(false);
        expect((await long).kind).toBe('ok');
      } finally {
        await busy.close();
      }
    });
  });

  describe('Method: call (a process that died)', () => {
    it('sends the next call to a fresh process when the idle one was SIGKILLed', async () => {
      // Prepare: one idle process, killed; the runner has not yet seen it exit.
      const mortal = new FnRunner([probeFunction('mortal')], { processesPerFunction: 2 });
      try {
        const first = JSON.parse(okResponse(await httpCallTo(mortal, 'mortal', '/v1/echo')).body.toString());
        expect(mortal.pool('mortal').size).toBe(1);
        process.kill(first.pid, 'SIGKILL');
        waitUntilDeadWithoutYielding(first.pid);

        // Act
        const outcome = await httpCallTo(mortal, 'mortal', '/v1/echo');

        // Assess
        const second = JSON.parse(okResponse(outcome).body.toString());
        expect(second.pid).not.toBe(first.pid);
      } finally {
        await mortal.close();
      }
    });

    it('does not send a call again when its process died while running it', async () => {
      const mortal = new FnRunner([probeFunction('mortal')], { processesPerFunction: 2 });
      try {
        const outcome = await httpCallTo(mortal, 'mortal', '/v1/crash');

        expect(outcome.kind).toBe('crashed');
        expect(mortal.pool('mortal').coldStarts).toBe(1);
      } finally {
        await mortal.close();
      }
    });
  });
});
