import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '#shared/errors.ts';
import { parseJsonBody } from '#shared/runtime/api.ts';
import {
  eventFunction,
  type HttpFunction,
  httpFunction,
  RetryableEventError,
  type RouteHandlers,
} from '#shared/runtime/function.ts';
import type { HttpRequest } from '#shared/runtime/http-exchange.ts';
import { defineManifest } from '#shared/runtime/manifest.ts';

const designSchema = z.object({ name: z.string().min(1), copies: z.number().int().positive() });

const anonymous = { type: 'anonymous' } as const;
const testManifest = defineManifest({
  name: 'runtime-test',
  summary: 'Routes exercising the HTTP runtime.',
  kind: 'http',
  memoryMb: 128,
  timeoutSeconds: 5,
  routes: [
    { method: 'GET', path: '/echo', auth: anonymous, operationId: 'echo' },
    { method: 'GET', path: '/cookies', auth: anonymous, operationId: 'cookies' },
    { method: 'POST', path: '/binary', auth: anonymous, operationId: 'binary' },
    { method: 'POST', path: '/designs', auth: anonymous, operationId: 'createDesign' },
    { method: 'GET', path: '/designs/{id}/files/{name*}', auth: anonymous, operationId: 'designFile' },
    {
      method: 'DELETE',
      path: '/designs/{id}/files/{name*}',
      auth: anonymous,
      operationId: 'deleteDesignFile',
    },
    { method: 'GET', path: '/boom', auth: anonymous, operationId: 'boom' },
    { method: 'GET', path: '/missing', auth: anonymous, operationId: 'missing' },
  ],
  events: [],
  config: [],
});

function buildApp() {
  return {
    echo: (req, res) => {
      res.json({ path: req.path, originalUrl: req.originalUrl, query: req.query });
    },
    cookies: (_req, res) => {
      res.set('x-multi', ['one', 'two']);
      res.append('Set-Cookie', 'a=1; Path=/');
      res.append('Set-Cookie', 'b=2; Path=/');
      res.status(204).end();
    },
    binary: (req, res) => {
      res.type('application/octet-stream').send(req.rawBody);
    },
    createDesign: (req, res) => {
      const design = parseJsonBody(req, designSchema, 64);
      res.status(201).json(design);
    },
    designFile: (req, res) => {
      res.json({ id: req.params.id, name: req.params.name });
    },
    deleteDesignFile: (_req, res) => {
      res.status(204).end();
    },
    boom: () => {
      throw new Error('db password is pa55word');
    },
    missing: () => {
      throw new NotFoundError('design 42 does not exist');
    },
  } satisfies RouteHandlers<typeof testManifest>;
}

const request = (overrides: Partial<HttpRequest> & Pick<HttpRequest, 'url'>): HttpRequest => ({
  method: 'GET',
  headers: {},
  body: Buffer.alloc(0),
  ...overrides,
});

const jsonOf = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString('utf8'));

describe('Function: httpFunction', () => {
  let fn: HttpFunction;
  let stderr: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    fn = httpFunction(testManifest, buildApp);
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('strips the /v1 base path and keeps the query', async () => {
    // Act
    const response = await fn.invoke(request({ url: '/v1/echo?a=1&a=2&b=x%20y' }));

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['content-type']?.[0]).toMatch(/^application\/json/);
    expect(jsonOf(response.body)).toEqual({
      path: '/echo',
      originalUrl: '/echo?a=1&a=2&b=x%20y',
      query: { a: ['1', '2'], b: 'x y' },
    });
  });

  it('hands the handler the URL as the client sent it (serverless-http would re-encode the query)', async () => {
    // Act
    const response = await fn.invoke(request({ url: '/v1/echo?b=x+y&a&b=%7E' }));

    // Assess
    expect(jsonOf(response.body)).toEqual({
      path: '/echo',
      originalUrl: '/echo?b=x+y&a&b=%7E',
      query: { a: '', b: ['x y', '~'] },
    });
  });

  it('honours a custom base path', async () => {
    // Prepare
    const custom = httpFunction(testManifest, buildApp, { basePath: '/api' });

    // Act
    const response = await custom.invoke(request({ url: '/api/echo' }));

    // Assess
    expect(jsonOf(response.body)).toMatchObject({ path: '/echo' });
  });

  it('does not strip a path that merely starts with the base path text', async () => {
    // Act
    const response = await fn.invoke(request({ url: '/v1echo' }));

    // Assess
    expect(response.status).toBe(404);
  });

  it('builds the handlers only once across calls', async () => {
    // Prepare
    const createApp = vi.fn(buildApp);
    const lazy = httpFunction(testManifest, createApp);

    // Act
    await lazy.invoke(request({ url: '/v1/echo' }));
    await lazy.invoke(request({ url: '/v1/echo' }));

    // Assess
    expect(createApp).toHaveBeenCalledTimes(1);
  });

  it('keeps multi-value response headers separate', async () => {
    // Act
    const response = await fn.invoke(request({ url: '/v1/cookies' }));

    // Assess
    expect(response.status).toBe(204);
    expect(response.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(response.headers['x-multi']).toEqual(['one', 'two']);
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('round-trips a binary body byte for byte', async () => {
    // Prepare
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

    // Act
    const response = await fn.invoke(
      request({
        method: 'POST',
        url: '/v1/binary',
        headers: { 'content-type': ['application/octet-stream'] },
        body: bytes,
      }),
    );

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.equals(bytes)).toBe(true);
  });

  it('accepts a valid JSON body', async () => {
    // Act
    const response = await fn.invoke(
      request({
        method: 'POST',
        url: '/v1/designs',
        headers: { 'content-type': ['application/json; charset=utf-8'] },
        body: Buffer.from(JSON.stringify({ name: 'vase', copies: 2 })),
      }),
    );

    // Assess
    expect(response.status).toBe(201);
    expect(jsonOf(response.body)).toEqual({ name: 'vase', copies: 2 });
  });

  it('answers 400 with error pointers when the body does not match the schema', async () => {
    // Act
    const response = await fn.invoke(
      request({
        method: 'POST',
        url: '/v1/designs',
        headers: { 'content-type': ['application/json'] },
        body: Buffer.from(JSON.stringify({ name: '', copies: 'two' })),
      }),
    );

    // Assess
    const problem = jsonOf(response.body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']?.[0]).toMatch(/^application\/problem\+json/);
    expect(problem).toMatchObject({
      type: 'https://forgecast.dev/problems/validation',
      status: 400,
      detail: 'The body is not valid',
    });
    const pointers = (problem.errors as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(['/copies', '/name']);
  });

  it('answers 400 when the body is not JSON', async () => {
    // Act
    const response = await fn.invoke(
      request({
        method: 'POST',
        url: '/v1/designs',
        headers: { 'content-type': ['application/json'] },
        body: Buffer.from('{"name":'),
      }),
    );

    // Assess
    expect(response.status).toBe(400);
    expect(jsonOf(response.body)).toMatchObject({ detail: 'Body is not valid JSON' });
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    // Act
    const response = await fn.invoke(
      request({
        method: 'POST',
        url: '/v1/designs',
        headers: { 'content-type': ['text/plain'] },
        body: Buffer.from('{}'),
      }),
    );

    // Assess
    expect(response.status).toBe(415);
    expect(jsonOf(response.body)).toMatchObject({
      type: 'https://forgecast.dev/problems/unsupported-media-type',
    });
  });

  it('answers 413 for a body over the limit', async () => {
    // Act
    const response = await fn.invoke(
      request({
        method: 'POST',
        url: '/v1/designs',
        headers: { 'content-type': ['application/json'] },
        body: Buffer.from(JSON.stringify({ name: 'x'.repeat(100), copies: 1 })),
      }),
    );

    // Assess
    expect(response.status).toBe(413);
    expect(jsonOf(response.body)).toMatchObject({ type: 'https://forgecast.dev/problems/payload-too-large' });
  });

  it('answers a 404 problem for an unmatched route', async () => {
    // Act
    const response = await fn.invoke(request({ method: 'DELETE', url: '/v1/nowhere' }));

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers['content-type']?.[0]).toMatch(/^application\/problem\+json/);
    expect(jsonOf(response.body)).toMatchObject({
      type: 'https://forgecast.dev/problems/route-not-found',
      status: 404,
      detail: 'No route for DELETE /nowhere',
    });
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    // Act
    const response = await fn.invoke(request({ method: 'PUT', url: '/v1/designs/7/files/a/b.stl' }));

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.allow).toEqual(['GET, DELETE']);
    expect(jsonOf(response.body)).toMatchObject({
      type: 'https://forgecast.dev/problems/method-not-allowed',
      status: 405,
    });
  });

  it('matches the catalog path: {name} one decoded segment, {name*} the rest', async () => {
    // Act
    const response = await fn.invoke(request({ url: '/v1/designs/a%20b/files/dir/x%C3%A9.stl' }));

    // Assess
    expect(response.status).toBe(200);
    expect(jsonOf(response.body)).toEqual({ id: 'a b', name: 'dir/xé.stl' });
  });

  it('answers HEAD with the GET route, without a body', async () => {
    // Act
    const response = await fn.invoke(request({ method: 'HEAD', url: '/v1/echo' }));

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(0);
  });

  it('maps a thrown AppError to its status', async () => {
    // Act
    const response = await fn.invoke(request({ url: '/v1/missing' }));

    // Assess
    expect(response.status).toBe(404);
    expect(jsonOf(response.body)).toMatchObject({ detail: 'design 42 does not exist' });
  });

  it('answers 500 for a generic error without leaking its message', async () => {
    // Act
    const response = await fn.invoke(request({ url: '/v1/boom' }));

    // Assess
    expect(response.status).toBe(500);
    expect(jsonOf(response.body)).toMatchObject({ type: 'https://forgecast.dev/problems/internal' });
    expect(response.body.toString('utf8')).not.toContain('pa55word');
    const logged = stderr.mock.calls.map((call: unknown[]) => String(call[0])).join('');
    expect(logged).toContain('request failed');
  });
});

describe('Function: eventFunction', () => {
  const schema = z.object({ id: z.string(), size: z.number() });

  beforeEach(() => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('hands a valid event to the handler and returns its outcome', async () => {
    // Prepare
    const handle = vi.fn(async () => ({ status: 'processed' as const, detail: { n: 1 } }));
    const fn = eventFunction(schema, handle);

    // Act
    const outcome = await fn.deliver(Buffer.from(JSON.stringify({ id: 'a', size: 3 })));

    // Assess
    expect(fn.kind).toBe('event');
    expect(outcome).toEqual({ status: 'processed', detail: { n: 1 } });
    expect(handle).toHaveBeenCalledWith({ id: 'a', size: 3 });
  });

  it('hands the whenEmpty event to the handler for an empty body, and only for an empty body', async () => {
    const handle = vi.fn(async () => ({ status: 'processed' as const }));
    const fn = eventFunction(schema, handle, { whenEmpty: () => ({ id: 'tick', size: 0 }) });

    expect(await fn.deliver(Buffer.alloc(0))).toEqual({ status: 'processed' });
    expect(await fn.deliver(Buffer.from(' \n'))).toEqual({ status: 'processed' });
    expect(handle).toHaveBeenCalledWith({ id: 'tick', size: 0 });
    expect(handle).toHaveBeenCalledTimes(2);

    expect((await fn.deliver(Buffer.from('{"id":"x"}'))).status).toBe('rejected');
    expect(handle).toHaveBeenCalledTimes(2);
  });

  it('rejects an empty body when no whenEmpty event is given', async () => {
    const handle = vi.fn(async () => ({ status: 'processed' as const }));
    const fn = eventFunction(schema, handle);

    expect((await fn.deliver(Buffer.alloc(0))).status).toBe('rejected');
    expect(handle).not.toHaveBeenCalled();
  });

  it('rejects a body that is not JSON without calling the handler', async () => {
    // Prepare
    const handle = vi.fn(async () => ({ status: 'processed' as const }));
    const fn = eventFunction(schema, handle);

    // Act
    const outcome = await fn.deliver(Buffer.from('not json'));

    // Assess
    expect(outcome).toEqual({ status: 'rejected', reason: 'event body is not JSON' });
    expect(handle).not.toHaveBeenCalled();
  });

  it('rejects an event that does not match the schema, naming the field', async () => {
    // Prepare
    const handle = vi.fn(async () => ({ status: 'processed' as const }));
    const fn = eventFunction(schema, handle);

    // Act
    const outcome = await fn.deliver(Buffer.from(JSON.stringify({ id: 'a', size: 'big' })));

    // Assess
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.reason).toMatch(/^size: /);
    expect(handle).not.toHaveBeenCalled();
  });

  it.each([
    ['ValidationError', new ValidationError('bad size')],
    ['ConflictError', new ConflictError('already licensed')],
  ])('rejects when the handler throws a 4xx %s', async (_label, error) => {
    // Prepare
    const fn = eventFunction(schema, async () => {
      throw error;
    });

    // Act
    const outcome = await fn.deliver(Buffer.from(JSON.stringify({ id: 'a', size: 1 })));

    // Assess
    expect(outcome).toEqual({ status: 'rejected', reason: error.message });
  });

  it('throws RetryableEventError with the cause for any other failure', async () => {
    // Prepare
    const cause = new Error('lock wait timeout');
    const fn = eventFunction(schema, async () => {
      throw cause;
    });

    // Act
    const result = fn.deliver(Buffer.from(JSON.stringify({ id: 'a', size: 1 })));

    // Assess
    await expect(result).rejects.toBeInstanceOf(RetryableEventError);
    await expect(result).rejects.toMatchObject({ cause, name: 'RetryableEventError' });
  });

  it('passes a RetryableEventError from the handler through unchanged', async () => {
    // Prepare
    const original = new RetryableEventError('queue down');
    const fn = eventFunction(schema, async () => {
      throw original;
    });

    // Act
    const result = fn.deliver(Buffer.from(JSON.stringify({ id: 'a', size: 1 })));

    // Assess
    await expect(result).rejects.toBe(original);
  });
});
