import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { verifyEdgeRequest } from '#shared/cdn/edge-token.ts';
import { ObjectNotFoundError, type ObjectStore } from '#shared/storage/object-store.ts';
import { surrogateKeyFor } from '#shared/video/media-layout.ts';
import { listen } from '../listen.ts';
import { type ByteRange, byteWindow, decideRange } from './byte-range.ts';
import {
  cacheHeadersFor,
  isLivePlaylist,
  LIVE_PLAYLIST_TTL_SECONDS,
  type MediaType,
  mediaTypeOf,
} from './media-types.ts';
import { PlaylistCache } from './playlist-cache.ts';
import { handlePurge, PURGE_PATH } from './purge-api.ts';
import { matchesIfNoneMatch, sendText } from './respond.ts';
import {
  DICTIONARY_ITEMS_PATH,
  EdgeDictionary,
  handleDictionaryItems,
  LOCAL_REVOCATION_DICTIONARY_ID,
} from './revocation-list-api.ts';

export interface LocalEdgeOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly store: ObjectStore;
  /** The media bucket; the only place the edge reads from. */
  readonly bucket: string;
  /** Edge token keys (EDGE_TOKEN_KEYS, parsed): all of them verify. */
  readonly tokenKeys: readonly Uint8Array[];
  /** The purge and dictionary APIs answer for this service id and `Fastly-Key` only. */
  readonly serviceId: string;
  readonly apiToken: string;
  /** The revocation dictionary's id in Fastly's dictionary API. Default LOCAL_REVOCATION_DICTIONARY_ID. */
  readonly revocationDictionaryId?: string;
  readonly log?: (line: Record<string, unknown>) => void;
  /** Bound of the in-memory playlist cache. Default 8 MiB. */
  readonly playlistCacheBytes?: number;
  readonly clock?: () => Date;
}

export interface RunningLocalEdge {
  readonly url: string;
  readonly port: number;
  /** Grants whose tokens the edge refuses (filled through Fastly's dictionary API). */
  readonly revoked: EdgeDictionary;
  close(): Promise<void>;
}

interface Target {
  readonly objectPath: string;
  readonly surrogateKey: string;
  readonly type: MediaType;
  /** A live playlist: cached for LIVE_PLAYLIST_TTL_SECONDS only. */
  readonly live: boolean;
  readonly headers: Record<string, string>;
}

const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges, ETag, X-Cache',
};
const REFUSALS = { 403: 'Forbidden', 410: 'Gone: the playback URL has expired' } as const;
const REVOKED = 'Forbidden: the ticket behind this playback URL has been revoked';

/**
 * The local stand-in for the CDN: serves HLS from the media bucket behind edge tokens (path prefix
 * `/t/<exp>_<sig>/`), caches playlists by surrogate key, and answers Fastly's purge API so that the
 * Fastly adapter can purge it. Request paths only ever become object keys, never file paths.
 */
export async function startLocalEdge(options: LocalEdgeOptions): Promise<RunningLocalEdge> {
  const log = options.log ?? (() => {});
  const clock = options.clock ?? (() => new Date());
  const cache = new PlaylistCache(options.playlistCacheBytes ?? 8 * 1024 * 1024);
  const purgeOptions = { serviceId: options.serviceId, apiToken: options.apiToken, cache, log };
  const revoked = new EdgeDictionary();
  const dictionaryOptions = {
    serviceId: options.serviceId,
    dictionaryId: options.revocationDictionaryId ?? LOCAL_REVOCATION_DICTIONARY_ID,
    apiToken: options.apiToken,
    dictionary: revoked,
    log,
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log({ level: 'error', msg: 'edge failure', error: String(error) });
      if (!res.headersSent) sendText(res, 500, 'Internal error', CORS_HEADERS);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The raw target, not a URL object: WHATWG URL parsing would resolve `..` and `%2e%2e` before we see them.
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const purge = PURGE_PATH.exec(rawPath);
    if (purge) return handlePurge(req, res, purge, purgeOptions);
    const dictionary = DICTIONARY_ITEMS_PATH.exec(rawPath);
    if (dictionary) return handleDictionaryItems(req, res, dictionary, dictionaryOptions);

    for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        Allow: ALLOWED_METHODS,
        'Access-Control-Allow-Methods': ALLOWED_METHODS,
        'Access-Control-Allow-Headers': 'Range, If-None-Match, If-Range',
        'Access-Control-Max-Age': '86400',
      });
      return void res.end();
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return sendText(res, 405, 'Method not allowed', { Allow: ALLOWED_METHODS });
    }

    const verdict = verifyEdgeRequest(rawPath, options.tokenKeys, clock());
    if (!verdict.ok) return sendText(res, verdict.status, REFUSALS[verdict.status]);
    // After signature and expiry, as the VCL does: a forged token learns nothing about the list.
    if (verdict.grantId !== undefined && revoked.has(verdict.grantId)) return sendText(res, 403, REVOKED);
    const type = mediaTypeOf(verdict.objectPath);
    if (type === undefined) return sendText(res, 404, 'Not found');
    const surrogateKey = surrogateKeyFor(verdict.assetId);
    const live = isLivePlaylist(verdict.objectPath, type);
    const target: Target = {
      objectPath: verdict.objectPath,
      surrogateKey,
      type,
      live,
      headers: {
        'Content-Type': type.contentType,
        'Surrogate-Key': surrogateKey,
        'Accept-Ranges': 'bytes',
        ...cacheHeadersFor(type, live),
      },
    };
    if (type.playlist) return servePlaylist(req, res, target);
    return method === 'HEAD' ? serveHead(res, target) : serveStream(req, res, target);
  }

  /**
   * Origin reads of playlists in flight, by object: the viewers of a live show all ask for the
   * same playlist every second, and when its entry expires one read answers all of them.
   */
  const playlistFetches = new Map<string, Promise<{ body: Buffer; etag: string } | 'too-big'>>();

  function fetchPlaylist(target: Target): Promise<{ body: Buffer; etag: string } | 'too-big'> {
    const inFlight = playlistFetches.get(target.objectPath);
    if (inFlight !== undefined) return inFlight;
    const generation = cache.generation(target.surrogateKey);
    const fetching = (async () => {
      const object = await options.store.get(options.bucket, target.objectPath);
      if (object.head.size > cache.maxEntryBytes) {
        object.body.destroy();
        return 'too-big' as const;
      }
      const fetched = { body: await readAll(object.body), etag: object.head.etag };
      const expiresAt = target.live ? clock().getTime() + LIVE_PLAYLIST_TTL_SECONDS * 1000 : undefined;
      cache.put(
        target.objectPath,
        { ...fetched, surrogateKey: target.surrogateKey, ...(expiresAt === undefined ? {} : { expiresAt }) },
        generation,
      );
      return fetched;
    })().finally(() => playlistFetches.delete(target.objectPath));
    playlistFetches.set(target.objectPath, fetching);
    return fetching;
  }

  async function servePlaylist(req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    const cached = cache.get(target.objectPath);
    if (cached !== undefined && PlaylistCache.isFresh(cached, clock().getTime())) {
      return sendBuffer(req, res, target, cached.body, cached.etag, 'HIT');
    }
    let fetched: { body: Buffer; etag: string } | 'too-big';
    try {
      fetched = await fetchPlaylist(target);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return sendText(res, 404, 'Not found');
      if (cached !== undefined) return sendBuffer(req, res, target, cached.body, cached.etag, 'STALE');
      return originFailed(res, target, error);
    }
    if (fetched === 'too-big') {
      return req.method === 'HEAD' ? serveHead(res, target) : serveStream(req, res, target);
    }
    sendBuffer(req, res, target, fetched.body, fetched.etag, 'MISS');
  }

  function sendBuffer(
    req: IncomingMessage,
    res: ServerResponse,
    target: Target,
    body: Buffer,
    etag: string,
    cacheState: string,
  ): void {
    const quotedEtag = `"${etag}"`;
    const headers = { ...target.headers, ETag: quotedEtag, 'X-Cache': cacheState };
    if (matchesIfNoneMatch(req.headers['if-none-match'], quotedEtag)) {
      res.writeHead(304, headers);
      return void res.end();
    }
    const range = rangeFor(req, body.byteLength, quotedEtag);
    if (range === 'unsatisfiable') {
      unsatisfiable(res, headers, body.byteLength);
      return;
    }
    writeHead(res, headers, body.byteLength, range);
    res.end(req.method === 'HEAD' ? undefined : range ? body.subarray(range.start, range.end + 1) : body);
  }

  async function serveHead(res: ServerResponse, target: Target): Promise<void> {
    let head: Awaited<ReturnType<ObjectStore['head']>>;
    try {
      head = await options.store.head(options.bucket, target.objectPath);
    } catch (error) {
      return originFailed(res, target, error);
    }
    if (head === undefined) return sendText(res, 404, 'Not found');
    writeHead(res, { ...target.headers, ETag: `"${head.etag}"` }, head.size, undefined);
    res.end();
  }

  async function serveStream(req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    let object: Awaited<ReturnType<ObjectStore['get']>>;
    try {
      object = await options.store.get(options.bucket, target.objectPath);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return sendText(res, 404, 'Not found');
      return originFailed(res, target, error);
    }
    const { body, head } = object;
    const quotedEtag = `"${head.etag}"`;
    const headers = { ...target.headers, ETag: quotedEtag };
    const range = matchesIfNoneMatch(req.headers['if-none-match'], quotedEtag)
      ? 'not-modified'
      : rangeFor(req, head.size, quotedEtag);
    if (range === 'not-modified' || range === 'unsatisfiable') {
      body.destroy();
      if (range === 'unsatisfiable') return unsatisfiable(res, headers, head.size);
      res.writeHead(304, headers);
      return void res.end();
    }
    writeHead(res, headers, head.size, range);
    const source = range ? Readable.from(byteWindow(body, range)) : body;
    // Whichever side failed first: a client that left makes pipeline destroy the read, which then
    // errors too; an origin that failed makes pipeline destroy the response, which then closes.
    let failedFirst: 'client' | 'origin' | undefined;
    res.once('close', () => {
      if (!res.writableFinished) failedFirst ??= 'client';
    });
    body.on('error', () => {
      failedFirst ??= 'origin';
    });
    try {
      await pipeline(source, res);
    } catch (error) {
      if (failedFirst === 'client') {
        log({
          level: 'debug',
          msg: 'client went away',
          objectPath: target.objectPath,
          readAborted: body.destroyed,
        });
      } else {
        log({
          level: 'warn',
          msg: 'origin failed mid-body',
          objectPath: target.objectPath,
          error: String(error),
        });
        res.destroy();
      }
      body.destroy();
    }
  }

  function originFailed(res: ServerResponse, target: Target, error: unknown): void {
    log({ level: 'warn', msg: 'origin failed', objectPath: target.objectPath, error: String(error) });
    sendText(res, 503, 'The origin is unavailable', { 'Retry-After': '1' });
  }

  const { port } = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1', 'the CDN edge');
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    revoked,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function rangeFor(
  req: IncomingMessage,
  size: number,
  quotedEtag: string,
): ByteRange | undefined | 'unsatisfiable' {
  if (req.method === 'HEAD') return undefined;
  const ifRange = req.headers['if-range'];
  if (typeof ifRange === 'string' && ifRange.trim() !== quotedEtag) return undefined;
  const decision = decideRange(req.headers.range, size);
  if (decision.kind === 'unsatisfiable') return 'unsatisfiable';
  return decision.kind === 'partial' ? decision.range : undefined;
}

function writeHead(
  res: ServerResponse,
  headers: Record<string, string>,
  size: number,
  range: ByteRange | undefined,
): void {
  if (range === undefined) {
    res.writeHead(200, { ...headers, 'Content-Length': String(size) });
    return;
  }
  res.writeHead(206, {
    ...headers,
    'Content-Length': String(range.end - range.start + 1),
    'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
  });
}

function unsatisfiable(res: ServerResponse, headers: Record<string, string>, size: number): void {
  const { 'Content-Type': _type, ...rest } = headers;
  sendText(res, 416, 'Range not satisfiable', { ...rest, 'Content-Range': `bytes */${size}` });
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
