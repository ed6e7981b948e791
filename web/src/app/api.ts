/**
 * The one way pages talk to `/v1`. Same origin, so the session cookie rides along and the browser
 * sends `Origin` on writes (the gateway's CSRF check). Failures become `ApiError`s carrying the
 * RFC 9457 problem, which `problemSentence` turns into words; a 401 sends the person to sign in
 * and comes back to the page they were on.
 */
import { type Problem, toProblem } from './problems.ts';

/** A refused or failed call: the problem document, or a network failure with no answer at all. */
export class ApiError extends Error {
  readonly problem: Problem | null;
  readonly status: number;
  constructor(message: string, problem: Problem | null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.problem = problem;
    this.status = problem?.status ?? 0;
  }
}

export interface RequestOptions {
  /** Sent as `Idempotency-Key`: mints send one per form submission, so a retry or double click acts once. */
  readonly idempotencyKey?: string;
  /** A 401 normally sends the person to sign in; the session probe handles it itself. */
  readonly redirectOnUnauthorized?: boolean;
  readonly signal?: AbortSignal;
}

/** Where a signed-out person goes to sign in, returning to `returnTo` (a path on this site). */
export function signInUrl(returnTo: string, register = false): string {
  const safe = returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/';
  return `/v1/session/${register ? 'register' : 'login'}?returnTo=${encodeURIComponent(safe)}`;
}

export function currentPath(): string {
  return `${location.pathname}${location.search}`;
}

/** A fresh Idempotency-Key (random UUID), to be made once per form submission. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

async function request<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(path.startsWith('/v1') ? path : `/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new ApiError(`${method} ${path}: no answer`, null, { cause: err });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (response.ok) return parsed as T;
  const problem = toProblem(response.status, parsed);
  if (response.status === 401 && options.redirectOnUnauthorized !== false) {
    location.assign(signInUrl(currentPath()));
  }
  throw new ApiError(`${method} ${path}: ${response.status} ${problem.title}`, problem);
}

export const api = {
  get: <T>(path: string, options: RequestOptions = {}) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options: RequestOptions = {}) =>
    request<T>('POST', path, body, options),
  put: <T>(path: string, body?: unknown, options: RequestOptions = {}) =>
    request<T>('PUT', path, body, options),
  patch: <T>(path: string, body?: unknown, options: RequestOptions = {}) =>
    request<T>('PATCH', path, body, options),
  delete: <T = void>(path: string, options: RequestOptions = {}) =>
    request<T>('DELETE', path, undefined, options),
};
