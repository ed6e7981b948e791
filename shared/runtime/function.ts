import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { log } from '../base/log.ts';
import { AppError } from '../errors.ts';
import {
  type ApiRequest,
  type ApiResponse,
  apiRequest,
  failureResponse,
  methodNotAllowed,
  ResponseBuilder,
  routeNotFound,
} from './api.ts';
import type { HttpRequest, HttpResponse } from './http-exchange.ts';
import type { FunctionManifest } from './manifest.ts';
import { bridgeNodeListener, type NodeListener, rawBodyOf, writeNodeResponse } from './node-bridge.ts';
import { Router } from './router.ts';

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

/** A route's handler: reads the request facade, answers through the response facade or throws. */
export type RouteHandler<P extends string = string> = (
  req: ApiRequest<P>,
  res: ApiResponse,
) => void | Promise<void>;

type RoutesOf<M extends FunctionManifest> = M['routes'][number];

/** The operation ids of a manifest declared `as const` (what `defineManifest` keeps). */
export type OperationIdOf<M extends FunctionManifest> =
  RoutesOf<M> extends infer R
    ? R extends { readonly operationId: infer O extends string }
      ? O
      : never
    : never;

/** `/print-jobs/{id}/complete` → `'id'`; `/files/{rest*}` → `'rest'`. */
export type PathParams<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends `${infer N}*` ? N : Name) | PathParams<Rest>
  : never;

/** One handler per operation id of the manifest, its `req.params` typed from the route's path. */
export type RouteHandlers<M extends FunctionManifest> = {
  readonly [Op in OperationIdOf<M>]: RouteHandler<
    PathParams<Extract<RoutesOf<M>, { readonly operationId: Op }>['path']>
  >;
};

export interface HttpFunctionOptions {
  readonly basePath?: string;
  /** Headers every answer of the function carries, failures included (a handler may override). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Extra keys are refused: a handler under a name the manifest does not route would never run. */
type OnlyOperationIds<M extends FunctionManifest, H> = [Exclude<keyof H, OperationIdOf<M>>] extends [never]
  ? [options?: HttpFunctionOptions]
  : [`not an operationId of ${M['name']}: ${Exclude<keyof H, OperationIdOf<M>> & string}`];

/**
 * An HTTP function whose routes are its manifest's: each handler is attached by `operationId`,
 * so the method and path are written once, in the catalog (`{id}` parameters, API Gateway's
 * matching rules). The handlers are built once per cold start, on the first call, so start-up
 * stays fast. Unmatched paths answer 404, a known path with another method 405 with Allow; every
 * failure maps to a problem answer in one place (`failureResponse`).
 */
export function httpFunction<M extends FunctionManifest, H extends RouteHandlers<M>>(
  manifest: M,
  createHandlers: () => H | Promise<H>,
  ...options: OnlyOperationIds<M, H>
): HttpFunction;
export function httpFunction(
  manifest: FunctionManifest,
  createHandlers: () => Record<string, RouteHandler> | Promise<Record<string, RouteHandler>>,
  options: HttpFunctionOptions = {},
): HttpFunction {
  let dispatch: Promise<Dispatch> | undefined;
  return {
    kind: 'http',
    async invoke(request) {
      dispatch ??= Promise.resolve(createHandlers()).then((handlers) =>
        bridgeNodeListener(listener(manifest, handlers, options)),
      );
      return (await dispatch)(request);
    },
  };
}

type Dispatch = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * The function as a Node request listener (serverless-http runs it, see node-bridge.ts): route,
 * run the handler against the facade, write its answer, or the failure's, to the ServerResponse.
 */
function listener(
  manifest: FunctionManifest,
  handlers: Record<string, RouteHandler>,
  { basePath = '/v1', headers = {} }: HttpFunctionOptions,
): NodeListener {
  const common = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]] as const);
  const router = new Router(
    manifest.routes.map((route) => {
      const handler = route.operationId === undefined ? undefined : handlers[route.operationId];
      // The types make this impossible; a manifest typed wide (not `as const`) could still get here.
      if (!handler) throw new Error(`${manifest.name}: no handler for ${route.method} ${route.path}`);
      return { route, target: handler };
    }),
  );
  const answer = async (req: IncomingMessage): Promise<HttpResponse> => {
    const method = req.method ?? 'GET';
    const target = belowBasePath(req.url ?? '/', basePath);
    const where = { method, path: target.path, originalUrl: target.path + target.search };
    try {
      const match = router.match(method, target.path);
      if (match.kind === 'not-found') throw routeNotFound(method, target.path);
      if (match.kind === 'method-not-allowed') throw methodNotAllowed(method, match.allowed);
      const res = new ResponseBuilder().set(headers);
      await match.target(apiRequest(req, await rawBodyOf(req), target, match.params), res);
      if (!res.sent)
        throw new Error(`${manifest.name}: the handler of ${method} ${target.path} answered nothing`);
      return res.toResponse(method);
    } catch (thrown) {
      const failure = failureResponse(thrown, where);
      return common.length === 0
        ? failure
        : { ...failure, headers: { ...Object.fromEntries(common), ...failure.headers } };
    }
  };
  return async (req, res) => writeNodeResponse(res, await answer(req));
}

function belowBasePath(url: string, basePath: string): { path: string; search: string } {
  const { pathname, search } = new URL(url, 'http://fn.local');
  if (basePath && (pathname === basePath || pathname.startsWith(`${basePath}/`))) {
    return { path: pathname.slice(basePath.length) || '/', search };
  }
  return { path: pathname, search };
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
