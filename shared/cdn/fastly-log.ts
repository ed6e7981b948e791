import { EDGE_TOKEN_PATH_PREFIX, edgeScopeOf } from './edge-token.ts';

/**
 * Access log lines from Fastly's HTTPS log streaming, one JSON object per line (the endpoint's
 * `json_format` "newline delimited"). The format string configured on the logging endpoint
 * (format version 2, placement in vcl_log) emits:
 *
 *   {"timestamp":"%{strftime(\{"%Y-%m-%dT%H:%M:%S%z"\}, time.start)}V",
 *    "client_ip":"%{client.ip}V",
 *    "method":"%{json.escape(req.method)}V",
 *    "url":"%{json.escape(req.url)}V",
 *    "status":%{resp.status}V,
 *    "bytes":%{resp.body_bytes_written}V,
 *    "user_agent":"%{json.escape(req.http.User-Agent)}V",
 *    "service_id":"%{req.service_id}V"}
 *
 * (on one line). `url` is the request target as the client sent it, so an asset's requests look
 * like `/t/<exp>_<sig>/videos/<assetId>/v<n>/…`, query string included. Unknown members are
 * ignored, so the format can grow without breaking ingest. `client.ip` rather than a header a
 * client could set; with shielding, give the endpoint the condition
 * `fastly.ff.visits_this_service == 0` so only the edge that met the client logs the request.
 */
export interface CdnLogEntry {
  readonly at: Date;
  /** `YYYY-MM-DD` of `at` in UTC: the statistics' day. */
  readonly day: string;
  readonly clientIp: string;
  readonly method: string;
  readonly assetId: string;
  /** The object path below the token, e.g. `videos/<assetId>/v1/master.m3u8`. */
  readonly objectPath: string;
  readonly status: number;
  readonly bytes: number;
  readonly userAgent: string;
  /**
   * A GET of an asset's master playlist answered 200 or 304: a player starting (or restarting)
   * playback. Renditions, segments and images are what a view then costs, not more views.
   */
  readonly isView: boolean;
  /** Answered with content or a revalidation (2xx, 304), not refused or failed. */
  readonly served: boolean;
}

export type CdnLogSkip = 'malformed' | 'not-an-asset';

export interface ParsedCdnLog {
  readonly entries: readonly CdnLogEntry[];
  /** Lines that were not a JSON object with the fields above (counted, never fatal). */
  readonly malformed: number;
  /** Well-formed lines for something other than a video asset (health checks, favicon…). */
  readonly notAssets: number;
}

const MASTER_PLAYLIST = 'master.m3u8';
/** ISO 8601 with a zone, as strftime `%z` (`+0000`) or an extended offset or `Z` writes it. */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
const MAX_LINE_LENGTH = 16 * 1024;

export function parseCdnLog(body: string): ParsedCdnLog {
  const entries: CdnLogEntry[] = [];
  let malformed = 0;
  let notAssets = 0;
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const parsed = parseCdnLogLine(line);
    if (parsed === 'malformed') malformed += 1;
    else if (parsed === 'not-an-asset') notAssets += 1;
    else entries.push(parsed);
  }
  return { entries, malformed, notAssets };
}

export function parseCdnLogLine(line: string): CdnLogEntry | CdnLogSkip {
  if (line.length > MAX_LINE_LENGTH) return 'malformed';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'malformed';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'malformed';
  const record = value as Record<string, unknown>;
  const at = timestampOf(record.timestamp);
  const status = integerOf(record.status);
  const bytes = integerOf(record.bytes);
  const { client_ip: clientIp, url, method } = record;
  if (
    at === undefined ||
    status === undefined ||
    status < 100 ||
    status > 599 ||
    bytes === undefined ||
    typeof clientIp !== 'string' ||
    clientIp === '' ||
    typeof url !== 'string' ||
    typeof method !== 'string'
  ) {
    return 'malformed';
  }
  const userAgent = typeof record.user_agent === 'string' ? record.user_agent : '';
  const asset = assetOf(url);
  if (asset === undefined) return 'not-an-asset';
  const served = (status >= 200 && status < 300) || status === 304;
  const isView =
    method === 'GET' &&
    (status === 200 || status === 304) &&
    asset.objectPath.endsWith(`/${MASTER_PLAYLIST}`);
  return {
    at,
    day: at.toISOString().slice(0, 10),
    clientIp,
    method,
    assetId: asset.assetId,
    objectPath: asset.objectPath,
    status,
    bytes,
    userAgent,
    isView,
    served,
  };
}

/** `/t/<token>/videos/<assetId>/…` → the asset; the token itself is the edge's business. */
function assetOf(url: string): { assetId: string; objectPath: string } | undefined {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  if (!path.startsWith(EDGE_TOKEN_PATH_PREFIX)) return undefined;
  const afterPrefix = path.slice(EDGE_TOKEN_PATH_PREFIX.length);
  const slash = afterPrefix.indexOf('/');
  if (slash < 0) return undefined;
  const objectPath = afterPrefix.slice(slash + 1);
  const scoped = edgeScopeOf(objectPath);
  return scoped === undefined ? undefined : { assetId: scoped.assetId, objectPath };
}

function timestampOf(value: unknown): Date | undefined {
  const match = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = Number(`0.${match[7] ?? '0'}`);
  const offsetMinutes =
    match[8] === undefined ? 0 : (match[8] === '-' ? -1 : 1) * (Number(match[9]) * 60 + Number(match[10]));
  const wall = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 30 February over into March; a calendar field that moved was not a date.
  if (
    wall.getUTCFullYear() !== year ||
    wall.getUTCMonth() !== month - 1 ||
    wall.getUTCDate() !== day ||
    wall.getUTCHours() !== hour ||
    wall.getUTCMinutes() !== minute ||
    wall.getUTCSeconds() !== second ||
    offsetMinutes > 14 * 60 ||
    offsetMinutes < -14 * 60
  ) {
    return undefined;
  }
  return new Date(wall.getTime() + Math.floor(fraction * 1000) - offsetMinutes * 60_000);
}

/** Fastly writes numbers bare; a quoted number (a hand-written format) is accepted too. */
function integerOf(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}
