import type { FnContext, FnHandler, FnResult, HttpGatewayContext } from '@fnproject/fdk';
import { withDeadline } from '../base/deadline.ts';
import { log, withCallScope } from '../base/log.ts';
import { toProblem } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { processMetrics } from '../metrics/metrics-from-config.ts';
import { classifyFailure } from './dependency-failure.ts';
import type { ForgecastFunction } from './function.ts';
import type { HttpRequest, HttpResponse } from './http-exchange.ts';

type RawResult = (result: string | Buffer) => FnResult;

/**
 * The one place Fn meets forgecast. It never lets a call resolve to undefined/null (that crashes
 * the FDK) and never lets an exception reach the FDK for HTTP calls (its 502 body would carry
 * `err.toString()`). Event calls that should be retried do fail, with a sanitised message.
 */
export function toFdkHandler(
  name: string,
  fn: ForgecastFunction,
  rawResult: RawResult,
  metrics: Metrics = processMetrics(),
): FnHandler {
  // Bound once: the hot path only adds to in-memory aggregates (no await, no I/O).
  const recorded = metrics.with({ function: name });
  return (input, ctx) =>
    withCallScope({ fn: name, callId: ctx.callID ?? 'unknown' }, async () => {
      const started = performance.now();
      // A 5xx answer, a thrown event delivery or a failed authorizer call; also anything unforeseen.
      let failed = true;
      try {
        switch (fn.kind) {
          case 'http': {
            // The FDK builds a new gateway context, copying every header, on each read: take one.
            const gateway = ctx.httpGateway;
            const response = await invokeHttp(fn.invoke, input, ctx, gateway);
            writeHttpResponse(ctx, gateway, response);
            failed = response.status >= 500;
            log.debug('call done', { status: response.status, ms: Math.round(performance.now() - started) });
            return rawResult(response.body);
          }
          case 'event': {
            try {
              const outcome = await withDeadline(ctx.deadline, fn.deliver(input));
              log.info('event handled', { outcome, ms: Math.round(performance.now() - started) });
              ctx.responseContentType = 'application/json';
              failed = false;
              return rawResult(JSON.stringify(outcome));
            } catch (err) {
              log.error('event failed; delivery should be retried', { error: err });
              throw new Error('event processing failed; retry the delivery');
            }
          }
          case 'authorizer': {
            ctx.responseContentType = 'application/json';
            try {
              const answer = JSON.stringify(await withDeadline(ctx.deadline, fn.authorize(input)));
              failed = false;
              return rawResult(answer);
            } catch (err) {
              // An authorizer that cannot decide (its store is down) must not answer `active: false`:
              // API Gateway would turn that into 401 for a valid key. Failing the call makes the
              // gateway answer 5xx and admit nobody; the message carries nothing of `err`.
              log.error('authorizer could not decide; failing the call', { error: err });
              throw new Error('authorizer unavailable');
            }
          }
        }
      } finally {
        recorded.count('requests');
        if (failed) recorded.count('errors');
        recorded.observe('latency_ms', performance.now() - started);
      }
    });
}

async function invokeHttp(
  invoke: (r: HttpRequest) => Promise<HttpResponse>,
  input: Buffer,
  ctx: FnContext,
  gateway: HttpGatewayContext,
) {
  try {
    const headers: Record<string, string[]> = {};
    for (const [key, values] of Object.entries(gateway.headers)) headers[key.toLowerCase()] = values;
    const contentType = ctx.getHeader('Content-Type');
    if (contentType !== null && headers['content-type'] === undefined)
      headers['content-type'] = [contentType];
    const request: HttpRequest = {
      method: gateway.method ?? 'GET',
      url: gateway.requestURL ?? '/',
      headers,
      body: input,
      sourceIp: headers['x-real-ip']?.[0] ?? headers['x-forwarded-for']?.[0]?.split(',')[0]?.trim(),
    };
    return await withDeadline(ctx.deadline, invoke(request));
  } catch (err) {
    log.error('http call failed outside the app', { error: err });
    // The same mapping as inside the app: an app that could not be built because the database is
    // down is a 503 with Retry-After too.
    const problem = toProblem(classifyFailure(err), gateway.requestURL ?? undefined);
    return {
      status: problem.status,
      headers: {
        'content-type': ['application/problem+json'],
        ...(typeof problem.retryAfterSeconds === 'number'
          ? { 'retry-after': [String(problem.retryAfterSeconds)] }
          : {}),
      },
      body: Buffer.from(JSON.stringify(problem)),
    };
  }
}

function writeHttpResponse(ctx: FnContext, gateway: HttpGatewayContext, response: HttpResponse): void {
  gateway.statusCode = response.status;
  ctx.responseContentType = 'application/octet-stream';
  for (const [key, values] of Object.entries(response.headers)) {
    if (key === 'content-length' || key === 'transfer-encoding' || key === 'connection') continue;
    if (key === 'content-type') ctx.responseContentType = values[0] ?? 'application/octet-stream';
    else gateway.setResponseHeader(key, ...values);
  }
}
