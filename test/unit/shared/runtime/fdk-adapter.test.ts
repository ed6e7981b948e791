import type { FnContext, FnResult, HttpGatewayContext } from '@fnproject/fdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '#shared/errors.ts';
import { toFdkHandler } from '#shared/runtime/fdk-adapter.ts';
import {
  authorizerFunction,
  eventFunction,
  type HttpFunction,
  RetryableEventError,
} from '#shared/runtime/function.ts';
import type { HttpRequest, HttpResponse } from '#shared/runtime/http-exchange.ts';

interface FakeResult extends FnResult {
  readonly payload: string | Buffer;
}

const rawResult = (payload: string | Buffer): FakeResult => ({ __fnResult: true, payload });

interface FakeContext extends FnContext {
  readonly responseHeaders: [string, string[]][];
  readonly httpGateway: HttpGatewayContext & { statusCode: number };
}

function fakeContext(options: {
  method?: string;
  url?: string;
  headers?: Record<string, string[]>;
  contentType?: string;
  deadline?: Date | null;
}): FakeContext {
  const responseHeaders: [string, string[]][] = [];
  const gatewayHeaders = options.headers ?? {};
  const httpGateway = {
    requestURL: options.url ?? null,
    method: options.method ?? null,
    headers: gatewayHeaders,
    getHeader: (key: string) => gatewayHeaders[key]?.[0] ?? null,
    statusCode: 200,
    setResponseHeader: (key: string, ...values: string[]) => {
      responseHeaders.push([key, values]);
    },
    addResponseHeader: (key: string, ...values: string[]) => {
      responseHeaders.push([key, values]);
    },
  };
  return {
    callID: 'call-1',
    deadline: options.deadline ?? null,
    fnName: 'test-fn',
    appName: 'forgecast',
    memory: 256,
    contentType: options.contentType ?? null,
    headers: {},
    getHeader: (key: string) => (key.toLowerCase() === 'content-type' ? (options.contentType ?? null) : null),
    getAllHeaderValues: () => [],
    setResponseHeader: () => {
      throw new Error('HTTP responses must set headers on the gateway context');
    },
    addResponseHeader: () => {
      throw new Error('HTTP responses must set headers on the gateway context');
    },
    responseContentType: null,
    httpGateway,
    responseHeaders,
  };
}

const asFake = (result: FnResult): FakeResult => result as FakeResult;

describe('Function: toFdkHandler', () => {
  beforeEach(() => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('HTTP functions', () => {
    it('maps the gateway request to an HttpRequest', async () => {
      // Prepare
      let seen: HttpRequest | undefined;
      const fn: HttpFunction = {
        kind: 'http',
        invoke: async (request) => {
          seen = request;
          return { status: 204, headers: {}, body: Buffer.alloc(0) };
        },
      };
      const ctx = fakeContext({
        method: 'POST',
        url: '/v1/designs?x=1',
        headers: { 'X-Forwarded-For': ['203.0.113.9, 10.0.0.1'], Accept: ['a', 'b'] },
        contentType: 'application/json',
      });
      const handler = toFdkHandler('designs', fn, rawResult);

      // Act
      await handler(Buffer.from('{}'), ctx);

      // Assess
      expect(seen).toEqual({
        method: 'POST',
        url: '/v1/designs?x=1',
        headers: {
          'x-forwarded-for': ['203.0.113.9, 10.0.0.1'],
          accept: ['a', 'b'],
          'content-type': ['application/json'],
        },
        body: Buffer.from('{}'),
        sourceIp: '203.0.113.9',
      });
    });

    it('writes status, content type and headers to the context', async () => {
      // Prepare
      const response: HttpResponse = {
        status: 201,
        headers: {
          'content-type': ['application/json; charset=utf-8'],
          'set-cookie': ['a=1', 'b=2'],
          location: ['/v1/designs/42'],
          'content-length': ['2'],
          connection: ['keep-alive'],
          'transfer-encoding': ['chunked'],
        },
        body: Buffer.from('{}'),
      };
      const fn: HttpFunction = { kind: 'http', invoke: async () => response };
      const ctx = fakeContext({ method: 'POST', url: '/v1/designs' });
      const handler = toFdkHandler('designs', fn, rawResult);

      // Act
      const result = asFake(await handler(Buffer.alloc(0), ctx));

      // Assess
      expect(ctx.httpGateway.statusCode).toBe(201);
      expect(ctx.responseContentType).toBe('application/json; charset=utf-8');
      expect(ctx.responseHeaders).toEqual([
        ['set-cookie', ['a=1', 'b=2']],
        ['location', ['/v1/designs/42']],
      ]);
      expect(result.payload).toEqual(Buffer.from('{}'));
    });

    it('defaults the content type to octet-stream', async () => {
      // Prepare
      const fn: HttpFunction = {
        kind: 'http',
        invoke: async () => ({ status: 200, headers: {}, body: Buffer.from([1, 2, 3]) }),
      };
      const ctx = fakeContext({ url: '/v1/blob' });

      // Act
      const result = asFake(await toFdkHandler('blob', fn, rawResult)(Buffer.alloc(0), ctx));

      // Assess
      expect(ctx.responseContentType).toBe('application/octet-stream');
      expect(result.payload).toEqual(Buffer.from([1, 2, 3]));
    });

    it('answers a 500 problem, never undefined, when invoke throws', async () => {
      // Prepare
      const fn: HttpFunction = {
        kind: 'http',
        invoke: async () => {
          throw new Error('socket hang up at 10.0.0.7');
        },
      };
      const ctx = fakeContext({ method: 'GET', url: '/v1/x' });

      // Act
      const result = await toFdkHandler('x', fn, rawResult)(Buffer.alloc(0), ctx);

      // Assess
      expect(result).toBeDefined();
      const body = String(asFake(result).payload);
      expect(ctx.httpGateway.statusCode).toBe(500);
      expect(ctx.responseContentType).toBe('application/problem+json');
      expect(JSON.parse(body)).toMatchObject({ status: 500, instance: '/v1/x' });
      expect(body).not.toContain('10.0.0.7');
    });

    it('answers 503 with Retry-After when the app could not even be built because the database is down', async () => {
      // Prepare: what mysql2 raises for a refused connection, thrown before any route ran.
      const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:3306'), {
        code: 'ECONNREFUSED',
      });
      const fn: HttpFunction = {
        kind: 'http',
        invoke: async () => {
          throw refused;
        },
      };
      const ctx = fakeContext({ url: '/v1/w' });

      // Act
      const result = asFake(await toFdkHandler('w', fn, rawResult)(Buffer.alloc(0), ctx));

      // Assess
      expect(ctx.httpGateway.statusCode).toBe(503);
      expect(ctx.responseHeaders).toContainEqual(['retry-after', ['5']]);
      expect(String(result.payload)).not.toContain('10.0.0.9');
    });

    it('maps an AppError thrown outside the app to its status', async () => {
      // Prepare
      const fn: HttpFunction = {
        kind: 'http',
        invoke: async () => {
          throw new NotFoundError('gone');
        },
      };
      const ctx = fakeContext({ url: '/v1/y' });

      // Act
      await toFdkHandler('y', fn, rawResult)(Buffer.alloc(0), ctx);

      // Assess
      expect(ctx.httpGateway.statusCode).toBe(404);
    });

    it('answers 504 when the deadline has already passed', async () => {
      // Prepare
      const invoke = vi.fn(async () => ({ status: 200, headers: {}, body: Buffer.alloc(0) }));
      const fn: HttpFunction = { kind: 'http', invoke };
      const ctx = fakeContext({ url: '/v1/z', deadline: new Date(Date.now() - 1_000) });

      // Act
      const result = asFake(await toFdkHandler('z', fn, rawResult)(Buffer.alloc(0), ctx));

      // Assess
      expect(ctx.httpGateway.statusCode).toBe(504);
      expect(JSON.parse(String(result.payload))).toMatchObject({
        type: 'https://forgecast.dev/problems/deadline-exceeded',
      });
    });
  });

  describe('event functions', () => {
    const schema = z.object({ id: z.string() });

    it('answers the outcome as JSON', async () => {
      // Prepare
      const fn = eventFunction(schema, async () => ({ status: 'processed' }));
      const ctx = fakeContext({});

      // Act
      const result = asFake(await toFdkHandler('ev', fn, rawResult)(Buffer.from('{"id":"1"}'), ctx));

      // Assess
      expect(ctx.responseContentType).toBe('application/json');
      expect(JSON.parse(String(result.payload))).toEqual({ status: 'processed' });
    });

    it('answers a rejection as JSON rather than failing', async () => {
      // Prepare
      const fn = eventFunction(schema, async () => {
        throw new ValidationError('bad event');
      });
      const ctx = fakeContext({});

      // Act
      const result = asFake(await toFdkHandler('ev', fn, rawResult)(Buffer.from('{"id":"1"}'), ctx));

      // Assess
      expect(JSON.parse(String(result.payload))).toEqual({ status: 'rejected', reason: 'bad event' });
    });

    it('throws a sanitised error for a retryable failure', async () => {
      // Prepare
      const secretText = 'mysql://app:pa55word@db/forgecast unreachable';
      const fn = eventFunction(schema, async () => {
        throw new RetryableEventError(secretText, { cause: new Error(secretText) });
      });
      const ctx = fakeContext({});

      // Act
      const result = toFdkHandler('ev', fn, rawResult)(Buffer.from('{"id":"1"}'), ctx);

      // Assess
      await expect(result).rejects.toThrow('event processing failed; retry the delivery');
      const error = await Promise.resolve(result).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).not.toContain('pa55word');
      expect((error as Error).cause).toBeUndefined();
    });
  });

  describe('authorizer functions', () => {
    it('answers the authorizer result as JSON', async () => {
      // Prepare
      const fn = authorizerFunction(async (body) => ({ active: true, echoed: body.toString('utf8') }));
      const ctx = fakeContext({});

      // Act
      const result = asFake(await toFdkHandler('auth', fn, rawResult)(Buffer.from('tok'), ctx));

      // Assess
      expect(ctx.responseContentType).toBe('application/json');
      expect(JSON.parse(String(result.payload))).toEqual({ active: true, echoed: 'tok' });
    });

    it('fails the call, never answering inactive, when the authorizer cannot decide', async () => {
      // Prepare: an inactive answer would become a 401 for a valid key at API Gateway.
      const fn = authorizerFunction(async () => {
        throw new Error('key table unreachable');
      });
      const ctx = fakeContext({});

      // Act
      const call = toFdkHandler('auth', fn, rawResult)(Buffer.from('tok'), ctx);

      // Assess: the FDK turns a rejection into "function failed"; its message leaks nothing.
      const failure = await Promise.resolve(call).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(String(failure)).not.toContain('unreachable');
    });
  });
});
