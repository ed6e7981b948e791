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

const ACCEPT = 'application/json, application/problem+json';
const apiUrl = (path: string) => (path.startsWith('/v1') ? path : `/v1${path}`);

/** A prefetched answer is used by the first GET of its path within this time, then never. */
const PREFETCH_FRESH_MS = 10_000;
const prefetched = new Map<string, { readonly response: Promise<Response>; readonly startedAt: number }>();

/**
 * Starts a GET now whose answer the page will ask for soon: the app starts the page's first list
 * together with the session read, rather than after it (two round trips one after the other were
 * most of the portal's load time). The next `api.get` of the same path takes this answer and goes
 * through the usual handling (problems, 401 → sign in); an answer nobody takes is dropped.
 */
export function prefetch(path: string): void {
  const url = apiUrl(path);
  if (prefetched.has(url)) return;
  const response = fetch(url, { method: 'GET', headers: { accept: ACCEPT }, credentials: 'same-origin' });
  response.catch(() => undefined); // a failure is reported to the page that takes it, not here
  prefetched.set(url, { response, startedAt: Date.now() });
}

function takePrefetched(url: string): Promise<Response> | undefined {
  const entry = prefetched.get(url);
  if (!entry) return undefined;
  prefetched.delete(url);
  return Date.now() - entry.startedAt <= PREFETCH_FRESH_MS ? entry.response : undefined;
}

async function request<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { accept: ACCEPT };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const url = apiUrl(path);
  let response: Response;
  try {
    response = await ((method === 'GET' ? takePrefetched(url) : undefined) ??
      fetch(url, {
        method,
        headers,
        credentials: 'same-origin',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      }));
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
