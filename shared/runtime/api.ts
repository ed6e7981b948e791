import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { type ParsedUrlQuery, parse as parseQueryString } from 'node:querystring';
import type { z } from 'zod';
import { log } from '../base/log.ts';
import {
  AppError,
  PayloadTooLargeError,
  toProblem,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.ts';
import { classifyFailure } from './dependency-failure.ts';
import type { HttpResponse } from './http-exchange.ts';

/** Fn and API Gateway refuse bodies over 6 MB before we see them; this guards in-process use too. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * What a route handler reads: the small part of Express's request the functions use, with the
 * same meanings (`path` and `originalUrl` below the `/v1` prefix, `query` parsed like Express 5's
 * default parser, headers as the IncomingMessage has them: lower-case names, repeated values
 * joined by `, `).
 */
export interface ApiRequest<P extends string = string> {
  readonly method: string;
  /** Path below the base path, as sent (still percent-encoded). */
  readonly path: string;
  /** Path and query below the base path: the `instance` of problem answers. */
  readonly originalUrl: string;
  /** The route's `{name}` parameters, percent-decoded. */
  readonly params: Readonly<Record<P, string>>;
  readonly query: ParsedUrlQuery;
  readonly headers: IncomingHttpHeaders;
  /** The exact bytes the client sent; signatures are checked on these, never on re-serialised JSON. */
  readonly rawBody: Buffer;
  readonly ip: string | undefined;
  /** A request header by case-insensitive name. */
  get(name: string): string | undefined;
}

/** What a route handler answers with: Express's chained subset (status, set, type, json, send …). */
export interface ApiResponse {
  status(code: number): this;
  set(name: string, value: string | readonly string[]): this;
  set(fields: Readonly<Record<string, string>>): this;
  append(name: string, value: string | readonly string[]): this;
  /** Content-Type; `application/json` and `text/*` gain `charset=utf-8` as Express adds it. */
  type(contentType: string): this;
  location(url: string): this;
  json(body: unknown): void;
  send(body: string | Buffer): void;
  end(): void;
}

/**
 * The request facade over the Node IncomingMessage serverless-http builds for the call; the body
 * is the bytes read from it, the query is parsed only when read.
 */
export function apiRequest<P extends string>(
  req: IncomingMessage,
  rawBody: Buffer,
  target: { readonly path: string; readonly search: string },
  params: Readonly<Record<P, string>>,
): ApiRequest<P> {
  const headers = req.headers;
  let query: ParsedUrlQuery | undefined;
  return {
    method: req.method ?? 'GET',
    path: target.path,
    originalUrl: target.path + target.search,
    params,
    get query() {
      query ??= target.search.length > 1 ? parseQueryString(target.search.slice(1)) : {};
      return query;
    },
    headers,
    rawBody,
    ip: req.socket.remoteAddress || undefined,
    get(name) {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** Collects what a handler answers; `sent` once json/send/end ran. */
export class ResponseBuilder implements ApiResponse {
  private code = 200;
  private readonly headers = new Map<string, string[]>();
  private body: Buffer | undefined;

  get sent(): boolean {
    return this.body !== undefined;
  }

  status(code: number): this {
    this.code = code;
    return this;
  }

  set(name: string | Readonly<Record<string, string>>, value?: string | readonly string[]): this {
    if (typeof name !== 'string') {
      for (const [key, v] of Object.entries(name)) this.set(key, v);
      return this;
    }
    const key = name.toLowerCase();
    const values = typeof value === 'string' ? [value] : [...(value ?? [])];
    this.headers.set(key, key === 'content-type' ? values.map(withDefaultCharset) : values);
    return this;
  }

  append(name: string, value: string | readonly string[]): this {
    const key = name.toLowerCase();
    this.headers.set(key, [
      ...(this.headers.get(key) ?? []),
      ...(typeof value === 'string' ? [value] : value),
    ]);
    return this;
  }

  type(contentType: string): this {
    return this.set('content-type', contentType);
  }

  location(url: string): this {
    return this.set('location', encodeUrl(url));
  }

  json(body: unknown): void {
    if (!this.headers.has('content-type'))
      this.headers.set('content-type', ['application/json; charset=utf-8']);
    this.finish(Buffer.from(JSON.stringify(body) ?? '', 'utf8'));
  }

  send(body: string | Buffer): void {
    const type = this.headers.get('content-type')?.[0];
    if (typeof body === 'string') {
      this.headers.set('content-type', [type ? utf8Charset(type) : 'text/html; charset=utf-8']);
      this.finish(Buffer.from(body, 'utf8'));
    } else {
      if (!type) this.headers.set('content-type', ['application/octet-stream']);
      this.finish(body);
    }
  }

  end(): void {
    this.finish(Buffer.alloc(0));
  }

  private finish(body: Buffer): void {
    if (this.sent) throw new Error('the response was already sent');
    this.body = body;
  }

  /** The answer; HEAD and bodiless statuses lose the body as Node's server would drop it. */
  toResponse(method: string): HttpResponse {
    let body = this.body ?? Buffer.alloc(0);
    if (this.code === 204 || this.code === 304) {
      this.headers.delete('content-type');
      this.headers.delete('content-length');
      body = Buffer.alloc(0);
    } else {
      this.headers.set('content-length', [String(body.length)]);
    }
    if (method === 'HEAD') body = Buffer.alloc(0);
    return { status: this.code, headers: Object.fromEntries(this.headers), body };
  }
}

/** mime-types' rule as Express applied it: JSON and text types name their charset. */
function withDefaultCharset(type: string): string {
  if (/;\s*charset=/i.test(type)) return type;
  const essence = type.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return essence.startsWith('text/') || essence === 'application/json' || essence === 'application/javascript'
    ? `${type}; charset=utf-8`
    : type;
}

/** A string body is UTF-8, and the Content-Type says so (Express's setCharset). */
function utf8Charset(type: string): string {
  const [essence, ...params] = type.split(';').map((p) => p.trim());
  const kept = params.filter((p) => p !== '' && !/^charset=/i.test(p));
  return [essence, ...kept, 'charset=utf-8'].join('; ');
}

/** encodeurl: percent-encodes what may not appear in a URL, leaving valid escapes alone. */
function encodeUrl(url: string): string {
  return url.replace(/(?:[^\x21\x23-\x3B\x3D\x3F-\x5F\x61-\x7A\x7C\x7E]|%(?![0-9A-Fa-f]{2}))+/g, (run) =>
    encodeURI(run),
  );
}

class RouteNotFoundError extends AppError {
  readonly status = 404;
  readonly slug = 'route-not-found';
  readonly title = 'No such route';
}

class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly slug = 'method-not-allowed';
  readonly title = 'Method not allowed';

  readonly allowed: readonly string[];

  constructor(message: string, allowed: readonly string[]) {
    super(message);
    this.allowed = allowed;
  }
}

export function routeNotFound(method: string, path: string): AppError {
  return new RouteNotFoundError(`No route for ${method} ${path}`);
}

/** 405 names the methods the path does serve (RFC 9110 Allow), as the gateway does. */
export function methodNotAllowed(method: string, allowed: readonly string[]): AppError {
  return new MethodNotAllowedError(`${method} is not served here`, allowed);
}

/**
 * The one place a failure becomes an answer: dependency trouble is a 503 the client may retry,
 * AppErrors keep their status, anything else is a 500 whose detail does not leak. 5xx and
 * unexpected errors are logged here, once.
 */
export function failureResponse(
  thrown: unknown,
  request: { readonly method: string; readonly path: string; readonly originalUrl: string },
): HttpResponse {
  const err = classifyFailure(thrown);
  const problem = toProblem(err, request.originalUrl);
  if (!(err instanceof AppError) || problem.status >= 500) {
    log.error('request failed', { method: request.method, path: request.path, error: err });
  }
  const headers: Record<string, string[]> = {
    'content-type': ['application/problem+json; charset=utf-8'],
  };
  // A dependency outage says when to come back (RFC 9110 Retry-After) rather than inviting a storm.
  if (typeof problem.retryAfterSeconds === 'number')
    headers['retry-after'] = [String(problem.retryAfterSeconds)];
  if (err instanceof MethodNotAllowedError) headers.allow = [err.allowed.join(', ')];
  const body = Buffer.from(JSON.stringify(problem), 'utf8');
  headers['content-length'] = [String(body.length)];
  return { status: problem.status, headers, body };
}

/** Parses the raw body as JSON and validates it; errors name the offending fields. */
export function parseJsonBody<T>(
  req: Pick<ApiRequest, 'rawBody' | 'headers'>,
  schema: z.ZodType<T>,
  maxBytes = 1024 * 1024,
): T {
  if (req.rawBody.length > maxBytes) {
    throw new PayloadTooLargeError(`Body is ${req.rawBody.length} bytes; the limit is ${maxBytes}`);
  }
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new UnsupportedMediaTypeError('Send the body as application/json');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.rawBody.toString('utf8'));
  } catch (cause) {
    throw new ValidationError('Body is not valid JSON', { cause });
  }
  return validate(schema, parsed, 'body');
}

export function validate<T>(
  schema: z.ZodType<T>,
  value: unknown,
  where: 'body' | 'query' | 'path' | 'header',
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = result.error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, detail: i.message }));
    throw new ValidationError(`The ${where} is not valid`, { cause: result.error, extensions: { errors } });
  }
  return result.data;
}
