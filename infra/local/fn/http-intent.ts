import type { IncomingHttpHeaders } from 'node:http';
import type { FdkReply } from './fdk-process.ts';

/** Hop-by-hop headers never travel to the function. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

/**
 * Builds the Fn headers of an HTTP-intent call, as API Gateway sends them: the method, the
 * relative request URL, every client header as `Fn-Http-H-<Name>` (all values), and the
 * Content-Type unprefixed.
 */
export function fnHttpHeaders(
  method: string,
  relativeUrl: string,
  clientHeaders: Readonly<Record<string, string | readonly string[]>>,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {
    'Fn-Intent': 'httprequest',
    'Fn-Invoke-Type': 'sync',
    'Fn-Http-Method': method,
    'Fn-Http-Request-Url': relativeUrl,
  };
  for (const [name, value] of Object.entries(clientHeaders)) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === 'content-length') continue;
    const values = typeof value === 'string' ? [value] : [...value];
    if (lower === 'content-type') headers['Content-Type'] = values[0] ?? '';
    headers[`Fn-Http-H-${name}`] = values;
  }
  return headers;
}

export interface ClientResponse {
  readonly status: number;
  /** Lower-case names, every value. */
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
}

/** What the client of an HTTP-intent call sees: Fn-Http-Status, the Fn-Http-H-* headers, Content-Type. */
export function clientResponseOf(reply: FdkReply): ClientResponse {
  const headers: Record<string, string[]> = {};
  let status = 200;
  for (let i = 0; i + 1 < reply.rawHeaders.length; i += 2) {
    const name = (reply.rawHeaders[i] as string).toLowerCase();
    const value = reply.rawHeaders[i + 1] as string;
    if (name === 'fn-http-status') status = Number.parseInt(value, 10) || 200;
    else if (name.startsWith('fn-http-h-') && name.length > 'fn-http-h-'.length) {
      const key = name.slice('fn-http-h-'.length);
      headers[key] = [...(headers[key] ?? []), value];
    } else if (name === 'content-type') headers['content-type'] = [value];
  }
  return { status, headers, body: reply.body };
}

export function incomingHeadersToRecord(headers: IncomingHttpHeaders): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  return out;
}
