/**
 * `/v1/*` to the API gateway, streaming both ways: the request body is piped up as it arrives and
 * the answer piped down as it comes, so an upload or a long list never sits whole in this process.
 * Cookies, `Origin` and `Set-Cookie` pass unchanged: the gateway's CSRF check compares `Origin`
 * with the portal's origin, which is this server's.
 */
import { type IncomingMessage, type OutgoingHttpHeaders, request, type ServerResponse } from 'node:http';
import { PROBLEM_BASE } from '#shared/errors.ts';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are this connection's, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardable(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    result[name] = value;
  }
  return result;
}

function problem(res: ServerResponse, status: number, title: string, detail: string, slug: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    type: PROBLEM_BASE + slug,
    title,
    status,
    detail,
  });
  res.writeHead(status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

export interface ProxyOptions {
  /**
   * The gateway's base URL including `/v1` (LocalCloud.gatewayUrl), or a function giving it once
   * known: the local cloud starts this server before the gateway; until then `/v1` answers 503.
   */
  readonly gatewayUrl: string | (() => string);
  /** How long the gateway may take to start answering; the gateway's own limits are shorter. */
  readonly responseTimeoutMs?: number;
  readonly log?: (line: Record<string, unknown>) => void;
}

export function createApiProxy(options: ProxyOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const gatewayUrl = options.gatewayUrl;
  const currentGateway = typeof gatewayUrl === 'string' ? () => gatewayUrl : gatewayUrl;
  const timeoutMs = options.responseTimeoutMs ?? 120_000;
  return (req, res) => {
    const target = currentGateway();
    if (target === '') {
      req.resume();
      res.setHeader('retry-after', '1');
      problem(res, 503, 'The API is starting', 'The gateway is not listening yet.', 'starting');
      return;
    }
    const gateway = new URL(target);
    const headers = forwardable(req.headers);
    const forwardedFor = req.headers['x-forwarded-for'];
    const client = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${client}` : client;
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers['x-forwarded-proto'] = 'http';
    const upstream = request({
      protocol: gateway.protocol,
      hostname: gateway.hostname,
      port: gateway.port,
      method: req.method,
      // the path is passed as received: /v1/... on both sides
      path: req.url,
      headers,
    });
    upstream.setTimeout(timeoutMs, () => upstream.destroy(new Error('gateway answer timed out')));
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardable(answer.headers));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      options.log?.({ level: 'warn', msg: 'gateway unreachable', method: req.method, error: String(err) });
      const timedOut = err.message.includes('timed out');
      problem(
        res,
        timedOut ? 504 : 502,
        timedOut ? 'The API did not answer in time' : 'The API is unreachable',
        timedOut ? 'The gateway did not answer in time.' : 'The gateway could not be reached.',
        timedOut ? 'gateway-timeout' : 'gateway-unreachable',
      );
    });
    // the person left: stop the work upstream too
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
}
