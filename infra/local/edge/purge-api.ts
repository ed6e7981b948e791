import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PlaylistCache } from './playlist-cache.ts';

export const PURGE_PATH = /^\/service\/([^/]+)\/purge\/([^/]+)$/;

export interface PurgeApiOptions {
  readonly serviceId: string;
  readonly apiToken: string;
  readonly cache: PlaylistCache;
  readonly log: (line: Record<string, unknown>) => void;
}

function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Fastly's purge-by-surrogate-key endpoint, wire-compatible, so the Fastly adapter can be pointed at
 * the local edge. `Fastly-Key` is compared through fixed-length digests in constant time.
 */
export function handlePurge(
  req: IncomingMessage,
  res: ServerResponse,
  match: RegExpExecArray,
  options: PurgeApiOptions,
): void {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    sendJson(res, 405, { msg: 'Method not allowed', detail: 'Purges are POST requests' });
    return;
  }
  const presentedKey = req.headers['fastly-key'];
  const expected = digest(options.apiToken);
  if (typeof presentedKey !== 'string' || !timingSafeEqual(digest(presentedKey), expected)) {
    sendJson(res, 401, { msg: 'Provided credentials are missing or invalid' });
    return;
  }
  let serviceId: string;
  let surrogateKey: string;
  try {
    serviceId = decodeURIComponent(match[1] ?? '');
    surrogateKey = decodeURIComponent(match[2] ?? '');
  } catch {
    sendJson(res, 400, { msg: 'Bad request', detail: 'The path is not valid percent-encoding' });
    return;
  }
  if (serviceId !== options.serviceId) {
    sendJson(res, 404, { msg: 'Record not found', detail: 'No such service' });
    return;
  }
  const soft = req.headers['fastly-soft-purge'] === '1';
  const purged = options.cache.purge(surrogateKey, soft);
  const id = `${Date.now()}-${randomBytes(6).toString('hex')}`;
  options.log({ level: 'info', msg: 'purged', surrogateKey, soft, entries: purged, id });
  sendJson(res, 200, { status: 'ok', id });
}
