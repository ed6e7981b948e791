import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { DEFAULT_RETRY_AFTER_SECONDS, PROBLEM_BASE } from '#shared/errors.ts';
import { AUTH_CONTEXT_HEADERS } from '#shared/runtime/auth-context.ts';
import { clientResponseOf, fnHttpHeaders } from '../fn/http-intent.ts';
import { type CallOutcome, type FnRunner, MAX_CALL_BODY_BYTES } from '../fn/runner.ts';
import { listen } from '../listen.ts';
import { AuthorizerClient } from './authorizer-client.ts';
import { RateLimiter } from './rate-limiter.ts';
import { type GatewayRoute, RouteTable } from './routes.ts';

export interface GatewayOptions {
  readonly runner: FnRunner;
  readonly routes: readonly GatewayRoute[];
  readonly authorizerFunction?: string;
  readonly pathPrefix?: string;
  readonly port?: number;
  readonly host?: string;
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number };
  readonly corsOrigins?: readonly string[];
  readonly authorizerCacheMs?: number;
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const ALLOWED_REQUEST_HEADERS = 'authorization, content-type, idempotency-key, if-match, x-request-id';

/**
 * The API Gateway deployment, locally: prefix, routes from the catalog, custom authorizer with
 * ANY_OF scopes, per-client-IP rate limit, CORS, the 6 MB body limit, and function back ends
 * called through the Fn runner with the same headers OCI sends.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const prefix = options.pathPrefix ?? '/v1';
  const prefixed = new RouteTable(options.routes.filter((route) => !route.root));
  const rooted = new RouteTable(options.routes.filter((route) => route.root));
  const limiter = new RateLimiter(options.rateLimit?.perSecond ?? 200, options.rateLimit?.burst ?? 400);
  const authorizer = options.authorizerFunction
    ? new AuthorizerClient(options.runner, options.authorizerFunction, options.authorizerCacheMs)
    : undefined;
  const corsOrigins = options.corsOrigins ?? ['*'];

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const requestId = randomUUID();
    res.setHeader('opc-request-id', requestId);
    handle(req, res, requestId).catch((err: unknown) => {
      options.log?.({ level: 'error', msg: 'gateway failure', error: String(err) });
      if (!res.headersSent) sendProblem(res, 500, 'internal', 'Internal error', 'The gateway failed.');
      else res.destroy();
    });
  };
  const server = http.createServer(onRequest);
  // A client that asks before sending (Expect: 100-continue) learns of an oversized body without
  // uploading it (RFC 9110 §10.1.1); every other request is told to go on.
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_CALL_BODY_BYTES) {
      res.setHeader('opc-request-id', randomUUID());
      res.setHeader('Connection', 'close');
      sendTooLarge(res);
      return;
    }
    res.writeContinue();
    onRequest(req, res);
  });
  server.keepAliveTimeout = 65_000;

  async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string,
  ): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = req.headers.origin;
    const corsOrigin =
      origin && (corsOrigins.includes('*') || corsOrigins.includes(origin)) ? origin : undefined;
    if (corsOrigin) {
      res.setHeader('Access-Control-Allow-Origin', corsOrigins.includes('*') ? '*' : corsOrigin);
      res.setHeader('Access-Control-Expose-Headers', 'opc-request-id, location, retry-after');
      if (!corsOrigins.includes('*')) res.setHeader('Vary', 'Origin');
    }

    const underPrefix = url.pathname.startsWith(`${prefix}/`);
    const table = underPrefix ? prefixed : rooted;
    const path = underPrefix ? url.pathname.slice(prefix.length) : url.pathname;
    if (!underPrefix && table.methodsFor(path).length === 0) {
      return sendProblem(res, 404, 'route-not-found', 'No such route', `Paths start with ${prefix}/`);
    }

    if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
      const methods = table.methodsFor(path);
      if (methods.length === 0)
        return sendProblem(res, 404, 'route-not-found', 'No such route', url.pathname);
      res.writeHead(204, {
        ...(corsOrigin
          ? {
              'Access-Control-Allow-Methods': [...new Set(methods)].join(', '),
              'Access-Control-Allow-Headers': ALLOWED_REQUEST_HEADERS,
              'Access-Control-Max-Age': '600',
            }
          : {}),
      });
      res.end();
      return;
    }

    const match = table.match(method, path);
    if (match.kind === 'not-found')
      return sendProblem(res, 404, 'route-not-found', 'No such route', url.pathname);
    if (match.kind === 'method-not-allowed') {
      res.setHeader('Allow', [...new Set(match.allowed)].join(', '));
      return sendProblem(
        res,
        405,
        'method-not-allowed',
        'Method not allowed',
        `${method} is not served here`,
      );
    }

    const clientIp = req.socket.remoteAddress ?? 'unknown';
    const limit = limiter.take(clientIp);
    if (!limit.allowed) {
      res.setHeader('Retry-After', String(limit.retryAfterSeconds));
      return sendProblem(res, 429, 'rate-limited', 'Too many requests', 'Slow down and retry later.');
    }

    const declaredLength = Number(req.headers['content-length'] ?? 0);
    if (declaredLength > MAX_CALL_BODY_BYTES) return refuseTooLarge(req, res);

    const authContext: Record<string, string> = {};
    if (match.route.auth.type === 'scoped') {
      const token = req.headers.authorization;
      const cookie = req.headers.cookie;
      if (!authorizer || (!token && !cookie)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return sendProblem(res, 401, 'unauthorized', 'Authentication required', 'Send an API key or token.');
      }
      // The multi-argument authorizer: bearer credential, or the portal's session cookie with
      // what the CSRF check needs.
      const answer = await authorizer.authorize({
        ...(token ? { authorization: token } : {}),
        ...(cookie ? { cookie } : {}),
        ...(typeof req.headers.origin === 'string' ? { origin: req.headers.origin } : {}),
        ...(typeof req.headers['sec-fetch-site'] === 'string'
          ? { secFetchSite: req.headers['sec-fetch-site'] }
          : {}),
        method,
      });
      if (answer === 'unavailable') {
        // Not a verdict on the credential: 503 + Retry-After, so a client keeps its key and retries.
        res.setHeader('Retry-After', String(DEFAULT_RETRY_AFTER_SECONDS));
        return sendProblem(
          res,
          503,
          'authorizer-unavailable',
          'Authentication is unavailable',
          'The credential could not be checked right now; it was not refused. Retry later.',
        );
      }
      if (!answer.active && answer.problem === 'origin-refused') {
        return sendProblem(
          res,
          403,
          'origin-refused',
          'Request refused',
          'Changes made with a session cookie must come from the portal’s own pages.',
        );
      }
      if (!answer.active) {
        res.setHeader('WWW-Authenticate', answer.wwwAuthenticate ?? 'Bearer error="invalid_token"');
        return sendProblem(
          res,
          401,
          'unauthorized',
          'Authentication required',
          'The credential was not accepted.',
        );
      }
      const required = match.route.auth.anyOf;
      if (required.length > 0 && !required.some((scope) => answer.scope.includes(scope))) {
        return sendProblem(
          res,
          403,
          'forbidden',
          'Not allowed',
          `Requires one of the scopes: ${required.join(', ')}`,
        );
      }
      Object.assign(authContext, answer.context);
    }

    const body = await readBody(req, MAX_CALL_BODY_BYTES);
    if (body === 'too-large') return refuseTooLarge(req, res);

    const headers = clientHeaders(req.rawHeaders);
    for (const [key, header] of Object.entries(AUTH_CONTEXT_HEADERS)) {
      const value = authContext[key];
      if (value !== undefined) headers[header] = [value];
    }
    headers['x-real-ip'] = [clientIp];
    headers['opc-request-id'] = [requestId];

    const outcome = await options.runner.call(match.route.functionName, {
      headers: fnHttpHeaders(method, url.pathname + url.search, headers),
      body,
    });
    sendOutcome(res, outcome);
    options.log?.({
      level: 'info',
      msg: 'request',
      method,
      path: url.pathname,
      fn: match.route.functionName,
      outcome: outcome.kind,
      status: res.statusCode,
      ms: Math.round(performance.now() - started),
      callId: outcome.callId,
    });
  }

  const { port } = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1', 'the API gateway');
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}${prefix}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Client headers with every value kept, minus anything that claims to be authorizer context. */
function clientHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (name.startsWith('x-fc-') || name === 'authorization') continue;
    headers[name] = [...(headers[name] ?? []), rawHeaders[i + 1] as string];
  }
  return headers;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping bytes; refuseTooLarge reads and drops the rest before answering.
        req.off('data', onData);
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Bytes of an oversized body read and dropped before the 413 goes out. A server that answers and
 * closes while the client is still sending makes the client fail with EPIPE/ECONNRESET before it
 * reads the answer (Node's fetch does), so the rest of the body is drained first, within bounds:
 * past them the connection is closed anyway, as API Gateway may do.
 */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 15_000;

async function refuseTooLarge(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  await drainRequest(req, MAX_DRAIN_BYTES, DRAIN_TIMEOUT_MS);
  // The connection carries nothing more: a client that sent more than the bound is cut off here.
  res.setHeader('Connection', 'close');
  sendTooLarge(res);
}

function drainRequest(req: http.IncomingMessage, maxBytes: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) {
      resolve();
      return;
    }
    let seen = 0;
    const finish = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', finish);
      req.off('error', finish);
      req.off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) {
        req.pause();
        finish();
      }
    };
    const timer = setTimeout(() => {
      req.pause();
      finish();
    }, timeoutMs);
    req.on('data', onData);
    req.once('end', finish);
    req.once('error', finish);
    req.once('close', finish);
    req.resume();
  });
}

function sendTooLarge(res: http.ServerResponse): void {
  sendProblem(
    res,
    413,
    'payload-too-large',
    'Payload too large',
    `Bodies are limited to ${MAX_CALL_BODY_BYTES / (1024 * 1024)} MB.`,
  );
}

function sendOutcome(res: http.ServerResponse, outcome: CallOutcome): void {
  switch (outcome.kind) {
    case 'ok': {
      const response = clientResponseOf(outcome.reply);
      for (const [name, values] of Object.entries(response.headers)) res.setHeader(name, values);
      res.writeHead(response.status);
      res.end(response.body);
      return;
    }
    case 'failed':
    case 'crashed':
      sendProblem(res, 502, 'function-failed', 'Function failed', `Call ${outcome.callId} failed.`);
      return;
    case 'start-failed':
      sendProblem(res, 502, 'function-start-failed', 'Function failed to start', `Call ${outcome.callId}.`);
      return;
    case 'timeout':
      sendProblem(res, 504, 'function-timeout', 'Function timed out', `Call ${outcome.callId} timed out.`);
      return;
    case 'too-large':
      sendTooLarge(res);
      return;
  }
}

function sendProblem(
  res: http.ServerResponse,
  status: number,
  slug: string,
  title: string,
  detail: string,
): void {
  const body = JSON.stringify({ type: PROBLEM_BASE + slug, title, status, detail });
  res.writeHead(status, {
    'Content-Type': 'application/problem+json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
