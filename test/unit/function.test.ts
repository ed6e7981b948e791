import type { Request, Response } from 'express';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '#shared/errors.ts';
import { createApi, parseJsonBody } from '#shared/runtime/api.ts';
import {
  eventFunction,
  type HttpFunction,
  httpFunction,
  RetryableEventError,
} from '#shared/runtime/function.ts';
import type { HttpRequest } from '#shared/runtime/http-exchange.ts';

const designSchema = z.object({ name: z.string().min(1), copies: z.number().int().positive() });

function buildApp() {
  const app = createApi();
  app.get('/echo', (req: Request, res: Response) => {
    res.json({ path: req.path, originalUrl: req.originalUrl, query: req.query });
  });
  app.get('/cookies', (_req: Request, res: Response) => {
    res.setHeader('x-multi', ['one', 'two']);
    res.append('Set-Cookie', 'a=1; Path=/');
    res.append('Set-Cookie', 'b=2; Path=/');
    res.status(204).end();
  });
  app.post('/binary', (req: Request, res: Response) => {
    res.type('application/octet-stream').send(req.rawBody);
  });
  app.post('/designs', (req: Request, res: Response) => {
    const design = parseJsonBody(req, designSchema, 64);
    res.status(201).json(design);
  });
  app.get('/boom', () => {
    throw new Error('db password is pa55word');
  });
  app.get('/missing', () => {
    throw new NotFoundError('design 42 does not exist');
  });
  return app;
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
    fn = httpFunction(buildApp);
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

  it('honours a custom base path', async () => {
    // Prepare
    const custom = httpFunction(buildApp, { basePath: '/api' });

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

  it('builds the app only once across calls', async () => {
    // Prepare
    const createApp = vi.fn(buildApp);
    const lazy = httpFunction(createApp);

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
