import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentTypeOf } from '../infra/local/web/static-files.ts';

/** The built portal (`node scripts/build.ts` writes it). */
export const WEB_DIST = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** A recorded API answer the bare server hands out as a static file. */
export interface StaticAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * The baseline server: files from dist/web as they are, index.html for any other path (the SPA's
 * routes), and `answers` (path + query → recorded API answer) served like files; nothing else —
 * no proxy, no compression, no headers beyond the content type and `fileHeaders`.
 *
 * `fileHeaders` is there because some response headers change what the browser does, not how fast
 * the bytes come: `Cross-Origin-Opener-Policy: same-origin` on the page makes Chromium move the
 * navigation out of the tab's first about:blank document into a fresh renderer process. Measured on
 * this bench: the first subresource asked ~25 ms later and interactive ~90 ms later, on the bare
 * server just as through the cloud. A baseline without the portal's headers compares two different
 * browser workloads; with them, only the serving path differs.
 */
export async function startBareStaticServer(
  answers: ReadonlyMap<string, StaticAnswer> = new Map(),
  {
    root = WEB_DIST,
    fileHeaders = {},
  }: { root?: string; fileHeaders?: Readonly<Record<string, string>> } = {},
): Promise<{ url: string; unanswered: ReadonlySet<string>; close(): Promise<void> }> {
  await stat(join(root, 'index.html')).catch((err: unknown) => {
    throw new Error(`no portal build at ${root}: run node scripts/build.ts first`, { cause: err });
  });
  const unanswered = new Set<string>();
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/v1/')) {
      const answer = answers.get(url.pathname + url.search);
      if (!answer) unanswered.add(url.pathname + url.search);
      response.writeHead(answer?.status ?? 404, {
        'content-type': answer?.contentType ?? 'application/problem+json',
      });
      response.end(answer?.body ?? '{"status":404}');
      return;
    }
    const file = normalize(join(root, decodeURIComponent(url.pathname)));
    let body: Buffer;
    let type: string;
    try {
      if (!file.startsWith(root) || file.endsWith(sep)) throw new Error('not a file');
      body = await readFile(file);
      type = contentTypeOf(file);
    } catch {
      body = await readFile(join(root, 'index.html'));
      type = contentTypeOf('index.html');
    }
    response.writeHead(200, { ...fileHeaders, 'content-type': type, 'content-length': body.length });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    unanswered,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
