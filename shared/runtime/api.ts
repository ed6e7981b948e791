import express, { type Express, type NextFunction, type Request, type Response } from 'express';
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

declare global {
  // biome-ignore lint/suspicious/noRedeclare: augmenting Express's global Request type
  namespace Express {
    interface Request {
      /** The exact bytes the client sent; signatures are checked on these, never on re-serialised JSON. */
      rawBody: Buffer;
    }
  }
}

/** Fn and API Gateway refuse bodies over 6 MB before we see them; this guards in-process use too. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * An Express app with forgecast's edge behaviour: the raw body kept, problem+json for every
 * error, no framework fingerprint. Routes are registered by the caller below the `/v1` prefix.
 */
export function createApi(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req: Request, _res: Response, next: NextFunction) => {
    // serverless-http hands the body over as a Buffer on req.body; keep it raw and clear body.
    const body: unknown = req.body;
    req.rawBody = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    req.body = undefined;
    next();
  });
  return app;
}

/** Terminal middleware: unmatched routes and the one place errors become problem responses. */
export function finishApi(app: Express): Express {
  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new RouteNotFoundError(`No route for ${req.method} ${req.path}`));
  });
  app.use((thrown: unknown, req: Request, res: Response, _next: NextFunction) => {
    // Database or network trouble is a 503 the client may retry, decided here once for every handler.
    const err = classifyFailure(thrown);
    const problem = toProblem(err, req.originalUrl);
    if (!(err instanceof AppError) || problem.status >= 500) {
      log.error('request failed', { method: req.method, path: req.path, error: err });
    }
    // A dependency outage says when to come back (RFC 9110 Retry-After) rather than inviting a storm.
    if (typeof problem.retryAfterSeconds === 'number')
      res.set('Retry-After', String(problem.retryAfterSeconds));
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  });
  return app;
}

class RouteNotFoundError extends AppError {
  readonly status = 404;
  readonly slug = 'route-not-found';
  readonly title = 'No such route';
}

/** Parses the raw body as JSON and validates it; errors name the offending fields. */
export function parseJsonBody<T>(req: Request, schema: z.ZodType<T>, maxBytes = 1024 * 1024): T {
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
