import type { FnContext, FnResult } from '@fnproject/fdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '#shared/errors.ts';
import type { MetricsBatch } from '#shared/metrics/buffer.ts';
import { createBufferedMetrics } from '#shared/metrics/buffered-metrics.ts';
import { toFdkHandler } from '#shared/runtime/fdk-adapter.ts';
import {
  authorizerFunction,
  eventFunction,
  type ForgecastFunction,
  type HttpFunction,
} from '#shared/runtime/function.ts';

const rawResult = (payload: string | Buffer): FnResult => ({ __fnResult: true, payload }) as FnResult;

function context(): FnContext {
  const gatewayHeaders: Record<string, string[]> = {};
  return {
    callID: 'call-1',
    deadline: null,
    fnName: 'test-fn',
    appName: 'forgecast',
    memory: 256,
    contentType: null,
    headers: {},
    getHeader: () => null,
    getAllHeaderValues: () => [],
    setResponseHeader: () => {},
    addResponseHeader: () => {},
    responseContentType: null,
    httpGateway: {
      requestURL: '/v1/x',
      method: 'GET',
      headers: gatewayHeaders,
      getHeader: () => null,
      statusCode: 200,
      setResponseHeader: () => {},
      addResponseHeader: () => {},
    },
  } as unknown as FnContext;
}

/** The adapter with a real buffered port whose flushes land here. */
function instrumented(name: string, fn: ForgecastFunction) {
  const batches: MetricsBatch[] = [];
  const metrics = createBufferedMetrics({
    sink: { send: async (batch) => void batches.push(batch) },
    flushIntervalMs: 60_000,
    autoFlush: false,
  });
  const handler = toFdkHandler(name, fn, rawResult, metrics);
  const call = (body = '{}') => handler(Buffer.from(body), context());
  async function totals() {
    await metrics.flush();
    const out: Record<string, number> = {};
    for (const s of batches.flatMap((b) => b.series)) {
      expect(s.dimensions).toEqual({ function: name });
      out[s.name] = (out[s.name] ?? 0) + (s.kind === 'histogram' ? s.count : s.sum);
    }
    return out;
  }
  return { call, totals };
}

describe('FDK adapter metrics', () => {
  beforeEach(() => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('counts every HTTP call, 5xx answers and thrown errors as errors, and times each one', async () => {
    let next: () => Promise<number> = async () => 200;
    const fn: HttpFunction = {
      kind: 'http',
      invoke: async () => ({ status: await next(), headers: {}, body: Buffer.alloc(0) }),
    };
    const { call, totals } = instrumented('designs', fn);
    await call();
    next = async () => 404;
    await call();
    next = async () => 503;
    await call();
    next = async () => {
      throw new Error('boom');
    };
    await call();
    next = async () => {
      throw new ValidationError('bad');
    };
    await call();
    expect(await totals()).toEqual({ requests: 5, errors: 2, latency_ms: 5 });
  });

  it('counts a thrown event delivery as an error, a rejected one not', async () => {
    let fail = false;
    const fn = eventFunction(z.object({ id: z.string() }), async () => {
      if (fail) throw new Error('database down');
      return { status: 'processed' };
    });
    const { call, totals } = instrumented('vod-package', fn);
    await call('{"id":"a"}');
    await call('{"nope":1}');
    fail = true;
    await expect(call('{"id":"a"}')).rejects.toThrow('retry the delivery');
    expect(await totals()).toEqual({ requests: 3, errors: 1, latency_ms: 3 });
  });

  it('counts a failing authorizer as an error, a refusal not', async () => {
    let fail = false;
    const fn = authorizerFunction(async () => {
      if (fail) throw new Error('database down');
      return { active: false };
    });
    const { call, totals } = instrumented('authorizer', fn);
    await call();
    fail = true;
    // A store that is down fails the call (the gateway answers 5xx), never a quiet refusal.
    await expect(call()).rejects.toThrow('authorizer unavailable');
    expect(await totals()).toEqual({ requests: 2, errors: 1, latency_ms: 2 });
  });
});
