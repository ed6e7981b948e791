/**
 * Typed errors. Domain code throws these; the edge (runtime adapter) maps them once to
 * RFC 9457 problem responses. Anything else becomes a 500 whose detail never leaks.
 */
export interface ProblemFields {
  readonly status: number;
  readonly type: string;
  readonly title: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  /** Stable slug, rendered as `https://forgecast.dev/problems/<slug>`. */
  abstract readonly slug: string;
  abstract readonly title: string;
  /** Extra members for the problem document (must be safe to show a client). */
  readonly extensions: Record<string, unknown>;

  constructor(message: string, options?: { cause?: unknown; extensions?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.extensions = options?.extensions ?? {};
  }
}

/**
 * A refusal the caller can act on, named by a stable domain code: the problem type is the code in
 * URL form and `extensions.code` repeats it for machines. Functions subclass it to name their own.
 */
export class CodedProblemError extends AppError {
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  readonly code: string;

  constructor(
    status: number,
    code: string,
    title: string,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...extensions } });
    this.status = status;
    this.code = code;
    this.slug = code.replaceAll('_', '-');
    this.title = title;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly slug = 'validation';
  readonly title = 'Request is not valid';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly slug = 'unauthorized';
  readonly title = 'Authentication required';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly slug = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly slug = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly slug = 'conflict';
  readonly title = 'Conflict';
}

/** Well-formed but not acceptable: e.g. an Idempotency-Key reused with a different request. */
export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly slug = 'unprocessable';
  readonly title = 'Request cannot be processed';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly slug = 'payload-too-large';
  readonly title = 'Payload too large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly slug = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

export class DeadlineExceededError extends AppError {
  readonly status = 504;
  readonly slug = 'deadline-exceeded';
  readonly title = 'The call ran out of time';
}

/**
 * Whether `test` holds for `err` or an error in its `cause` chain (at most `maxDepth` deep): how
 * the database and network classifiers find a client's code under the wrappers around it.
 */
export function anyInCauseChain(
  err: unknown,
  test: (error: Record<string, unknown>) => boolean,
  maxDepth = 6,
): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < maxDepth && current !== null && typeof current === 'object'; depth++) {
    if (test(current as Record<string, unknown>)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Seconds a client is told to wait when a dependency gave no better estimate. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * A dependency (database, object storage, chain node, payment provider) that is down, refusing or
 * timing out. Not the caller's fault and likely to pass: 503 with `Retry-After`, never 500.
 */
export class DependencyUnavailableError extends AppError {
  readonly status = 503;
  readonly slug = 'dependency-unavailable';
  readonly title = 'A dependency is unavailable';

  constructor(message: string, options?: { cause?: unknown; extensions?: Record<string, unknown> }) {
    super(message, {
      ...options,
      extensions: { retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS, ...options?.extensions },
    });
  }
}

/** Raised at cold start when configuration is missing or invalid; names the variable. */
export class ConfigError extends Error {
  readonly variables: readonly string[];
  constructor(message: string, variables: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
    this.variables = variables;
  }
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** Every problem type is this URL followed by the error's slug. */
export const PROBLEM_BASE = 'https://forgecast.dev/problems/';

/** Maps any thrown value to a problem document. Unknown errors never leak their message. */
export function toProblem(err: unknown, instance?: string): ProblemDocument {
  if (err instanceof AppError) {
    return {
      ...err.extensions,
      type: PROBLEM_BASE + err.slug,
      title: err.title,
      status: err.status,
      detail: err.message,
      ...(instance ? { instance } : {}),
    };
  }
  return {
    type: `${PROBLEM_BASE}internal`,
    title: 'Internal error',
    status: 500,
    detail: 'The function failed; the call id identifies it in the logs.',
    ...(instance ? { instance } : {}),
  };
}
