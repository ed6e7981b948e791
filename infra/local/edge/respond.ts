import type { ServerResponse } from 'node:http';

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text) + 1),
    'Cache-Control': 'no-store',
  });
  res.end(`${text}\n`);
}

/** `If-None-Match` against a strong ETag (a weak comparison, as RFC 9110 asks for this header). */
export function matchesIfNoneMatch(header: string | undefined, quotedEtag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === quotedEtag);
}
