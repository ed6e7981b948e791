/**
 * The local web server for the portal (issue 14): serves the built app (`dist/web`) with the
 * single-page fallback, cache and security headers, and proxies `/v1/*` to the API gateway so
 * the page and the API share one origin (first-party session cookie, no CORS), as the CDN does in
 * production (infra/fastly/forgecast.vcl).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { listen } from '../listen.ts';
import { createApiProxy } from './proxy.ts';
import { CACHE_IMMUTABLE, CACHE_REVALIDATE, securityHeaders } from './security-headers.ts';
import { contentTypeOf, renderedPagePath, resolvePath } from './static-files.ts';

export interface WebServerOptions {
  /** The built app: `dist/web` (scripts/build.ts WEB_DIST_DIR). */
  readonly root: string;
  /** The gateway's base URL including `/v1`, or how to get it once the gateway listens. */
  readonly gatewayUrl: string | (() => string);
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Origins the page may send to besides its own: object storage for presigned uploads. */
  readonly uploadOrigins?: readonly string[];
  /** The CDN edge's origin (HLS for the watch page): connect-src and media-src. */
  readonly mediaOrigins?: readonly string[];
  /** Other origins the pages open connections to (the local chat server's WebSocket). */
  readonly connectOrigins?: readonly string[];
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface RunningWebServer {
  /** `http://127.0.0.1:<port>`: the portal's origin (PORTAL_ORIGIN for the authorizer). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const API_PREFIX = '/v1';
/** The shows function answers a page in milliseconds; past this the static page serves. */
const RENDERED_PAGE_TIMEOUT_MS = 10_000;

/**
 * Built files are kept in memory once read, keyed by path and checked against size and mtime on
 * every request (a rebuild replaces them). `dist/web` is a few hundred KB, and reading each file
 * per request went through libuv's thread pool, which this process shares with the local cloud's
 * object storage, key hashing and chain: under load that queueing, not the bytes, made the portal
 * slower through the cloud than from a bare static server. Bounded all the same.
 */
const MAX_CACHED_FILE_BYTES = 1024 * 1024;
const MAX_CACHED_TOTAL_BYTES = 32 * 1024 * 1024;

interface CachedBody {
  readonly size: number;
  readonly mtimeMs: number;
  readonly body: Buffer;
}

function fileBodies(): (file: { path: string; size: number; mtimeMs: number }) => Promise<Buffer> {
  const cache = new Map<string, CachedBody>();
  let total = 0;
  return async ({ path, size, mtimeMs }) => {
    const cached = cache.get(path);
    if (cached && cached.size === size && cached.mtimeMs === mtimeMs) return cached.body;
    const body = await readFile(path);
    if (cached) {
      cache.delete(path);
      total -= cached.body.length;
    }
    if (body.length <= MAX_CACHED_FILE_BYTES && total + body.length <= MAX_CACHED_TOTAL_BYTES) {
      cache.set(path, { size, mtimeMs, body });
      total += body.length;
    }
    return body;
  };
}

/** Whether a request URL is the API's (the CDN's recv snippet uses the same rule). */
export function isApiPath(url: string): boolean {
  return url === API_PREFIX || url.startsWith(`${API_PREFIX}/`) || url.startsWith(`${API_PREFIX}?`);
}

function plain(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const root = resolve(options.root);
  const host = options.host ?? '127.0.0.1';
  const originsOf = (urls: readonly string[] | undefined) =>
    (urls ?? []).map((url) => {
      const { protocol, host } = new URL(url);
      return `${protocol}//${host}`; // ws:// keeps its scheme (URL.origin is 'null' for it)
    });
  const headers = securityHeaders(originsOf(options.uploadOrigins), {
    mediaOrigins: originsOf(options.mediaOrigins),
    connectOrigins: originsOf(options.connectOrigins),
  });
  const proxy = createApiProxy({
    gatewayUrl: options.gatewayUrl,
    ...(options.log ? { log: options.log } : {}),
  });

  const bodyOf = fileBodies();
  const currentGateway =
    typeof options.gatewayUrl === 'string' ? () => options.gatewayUrl as string : options.gatewayUrl;

  /**
   * A public page of the shows app as the shows function renders it (`GET /v1/pages/…`), as the
   * portal's Fastly service answers it: its status (a show not on sale is a 404 page), its
   * Cache-Control, this server's security headers. False when it could not be had (the gateway
   * not up, a 5xx): then the static shows.html answers, as at the edge, and the app still works.
   */
  const serveRendered = async (req: IncomingMessage, res: ServerResponse, apiPath: string) => {
    const gateway = currentGateway();
    if (gateway === '') return false;
    let answer: Response;
    let body: Buffer;
    try {
      answer = await fetch(`${gateway}${apiPath}`, {
        headers: { accept: 'text/html' },
        redirect: 'manual',
        signal: AbortSignal.timeout(RENDERED_PAGE_TIMEOUT_MS),
      });
      body = Buffer.from(await answer.arrayBuffer());
    } catch (err) {
      options.log?.({ level: 'warn', msg: 'rendered page unavailable', path: apiPath, error: String(err) });
      return false;
    }
    const type = answer.headers.get('content-type') ?? '';
    if (answer.status >= 500 || !type.startsWith('text/html')) {
      options.log?.({ level: 'warn', msg: 'rendered page refused', path: apiPath, status: answer.status });
      return false;
    }
    res.writeHead(answer.status, {
      ...headers,
      'content-type': type,
      'cache-control': answer.headers.get('cache-control') ?? CACHE_REVALIDATE,
      'content-length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      plain(res, 405, 'Method not allowed', { ...headers, allow: 'GET, HEAD' });
      return;
    }
    const rendered = renderedPagePath(pathname);
    if (rendered && (await serveRendered(req, res, rendered))) return;
    const found = await resolvePath(root, pathname);
    if (found.kind === 'missing') {
      plain(res, 404, 'Not found', headers);
      return;
    }
    if (found.kind === 'not-built') {
      plain(res, 503, 'The web app is not built: run node scripts/build.ts', headers);
      return;
    }
    const etag = `W/"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`;
    const cacheControl = found.kind === 'file' && found.hashed ? CACHE_IMMUTABLE : CACHE_REVALIDATE;
    const common = { ...headers, 'cache-control': cacheControl, etag };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, common);
      res.end();
      return;
    }
    // Read before the head is written: a file replaced between stat and read answers its new length.
    const body = req.method === 'HEAD' ? undefined : await bodyOf(found);
    res.writeHead(200, {
      ...common,
      'content-type': contentTypeOf(found.path),
      'content-length': body?.length ?? found.size,
    });
    res.end(body);
  };

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (isApiPath(url)) {
      proxy(req, res);
      return;
    }
    const pathname = url.split('?')[0] ?? '/';
    serveFile(req, res, pathname).catch((err: unknown) => {
      options.log?.({ level: 'error', msg: 'web server failed', error: String(err) });
      if (!res.headersSent) plain(res, 500, 'Internal error', headers);
      else res.destroy();
    });
  });
  // uploads through /v1 are small JSON; the proxy streams anyway, so no request timeout beyond Node's
  const address = await listen(server, options.port ?? 0, host, 'web server');
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
