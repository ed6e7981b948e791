import type { Express } from 'express';
import type { z } from 'zod';
import { log } from '../base/log.ts';
import { AppError } from '../errors.ts';
import { finishApi } from './api.ts';
import { bridgeExpress } from './express-bridge.ts';
import type { HttpRequest, HttpResponse } from './http-exchange.ts';

/**
 * What a function module's `handler` export is. The runtime (FDK adapter, local runner, tests)
 * only ever sees these three shapes.
 */
export interface HttpFunction {
  readonly kind: 'http';
  invoke(request: HttpRequest): Promise<HttpResponse>;
}

export type EventOutcome =
  | { readonly status: 'processed'; readonly detail?: Record<string, unknown> }
  | { readonly status: 'duplicate' }
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'rejected'; readonly reason: string };

export interface EventFunction {
  readonly kind: 'event';
  /** Resolves with an outcome, or rejects with RetryableEventError so the delivery is retried. */
  deliver(body: Buffer): Promise<EventOutcome>;
}

export interface AuthorizerFunction {
  readonly kind: 'authorizer';
  authorize(body: Buffer): Promise<unknown>;
}

export type ForgecastFunction = HttpFunction | EventFunction | AuthorizerFunction;

/** Thrown by event handlers when a later delivery may succeed (dependency down, lock timeout). */
export class RetryableEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableEventError';
  }
}

/** An HTTP function: an Express app built once per cold start (on first call, so start-up stays fast). */
export function httpFunction(
  createApp: () => Express | Promise<Express>,
  options?: { basePath?: string },
): HttpFunction {
  const basePath = options?.basePath ?? '/v1';
  let bridge: Promise<(request: HttpRequest) => Promise<HttpResponse>> | undefined;
  return {
    kind: 'http',
    async invoke(request) {
      bridge ??= Promise.resolve(createApp()).then((app) => bridgeExpress(finishApi(app)));
      return (await bridge)({ ...request, url: stripBasePath(request.url, basePath) });
    },
  };
}

function stripBasePath(url: string, basePath: string): string {
  const target = new URL(url, 'http://fn.local');
  const { pathname } = target;
  if (basePath && (pathname === basePath || pathname.startsWith(`${basePath}/`))) {
    return (pathname.slice(basePath.length) || '/') + target.search;
  }
  return pathname + target.search;
}

export interface EventFunctionOptions {
  /**
   * The event an empty body stands for. A scheduled function gives its schedule tick here: OCI
   * Resource Scheduler is configured to send the tick as the body, and if a schedule ever
   * arrives without one, the function still does its periodic work instead of refusing it.
   */
  readonly whenEmpty?: () => unknown;
}

/**
 * An event function: the body is parsed and validated against `schema`; a body that does not
 * match is rejected (retrying cannot fix it) and logged, never thrown back for endless retries.
 */
export function eventFunction<E>(
  schema: z.ZodType<E>,
  handle: (event: E) => Promise<EventOutcome>,
  options: EventFunctionOptions = {},
): EventFunction {
  return {
    kind: 'event',
    async deliver(body) {
      let parsed: unknown;
      try {
        parsed =
          options.whenEmpty && body.toString('utf8').trim() === ''
            ? options.whenEmpty()
            : JSON.parse(body.toString('utf8'));
      } catch {
        log.error('event is not JSON', { bytes: body.length });
        return { status: 'rejected', reason: 'event body is not JSON' };
      }
      const result = schema.safeParse(parsed);
      if (!result.success) {
        const reason = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        log.error('event does not match its contract', { reason });
        return { status: 'rejected', reason };
      }
      try {
        return await handle(result.data);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          log.warn('event rejected', { error: err });
          return { status: 'rejected', reason: err.message };
        }
        throw err instanceof RetryableEventError
          ? err
          : new RetryableEventError('event processing failed', { cause: err });
      }
    },
  };
}

export function authorizerFunction(authorize: (body: Buffer) => Promise<unknown>): AuthorizerFunction {
  return { kind: 'authorizer', authorize };
}
