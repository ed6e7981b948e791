import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWebServer, startWebServer } from '../../../../../infra/local/web/server.ts';

const INDEX_HTML = '<!doctype html><title>portal</title>';
const SHOWS_HTML = '<!doctype html><title>shows</title>';

/**
 * The shows app (issue 16) beside the portal on one web server: its addresses answer shows.html,
 * everything else index.html, both revalidated; the CSP lets the watch page reach the media edge
 * (hls.js and the <video>) and the chat's WebSocket, and the door page the camera.
 */
describe('Function: startWebServer with the shows app', () => {
  let root: string;
  let web: RunningWebServer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'forgecast-web-shows-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), INDEX_HTML);
    await writeFile(join(root, 'shows.html'), SHOWS_HTML);
    web = await startWebServer({
      root,
      gatewayUrl: 'http://127.0.0.1:9/v1',
      uploadOrigins: ['http://127.0.0.1:9000/bucket'],
      mediaOrigins: ['http://127.0.0.1:9100/'],
      connectOrigins: ['ws://127.0.0.1:9200/chat'],
    });
  });
  afterAll(async () => {
    await web?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('answers the shows app’s addresses with shows.html and the portal’s with index.html', async () => {
    const pages: Record<string, string> = {};
    for (const path of [
      '/shows',
      '/shows/01HZX3K4M5N6P7Q8R9S0T1V2W3?checkout=cancelled',
      '/shows/01HZX3K4M5N6P7Q8R9S0T1V2W3/bought?hold=01HZX3K4M5N6P7Q8R9S0T1V2W4',
      '/tickets',
      '/tickets/01HZX3K4M5N6P7Q8R9S0T1V2W3',
      '/watch/01HZX3K4M5N6P7Q8R9S0T1V2W3',
      '/door/01HZX3K4M5N6P7Q8R9S0T1V2W3',
      '/studio',
      '/studio/shows/new',
      '/',
      '/designs',
      '/showsx',
      '/watch',
    ]) {
      const response = await fetch(`${web.url}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('cache-control')).toBe('no-cache');
      pages[path] = (await response.text()) === SHOWS_HTML ? 'shows' : 'portal';
    }

    expect(
      Object.entries(pages)
        .filter(([, page]) => page === 'portal')
        .map(([path]) => path),
    ).toEqual(['/', '/designs', '/showsx', '/watch']);
  });

  it('lets the pages reach the media edge and the chat, and the camera on this origin only', async () => {
    const response = await fetch(`${web.url}/watch/01HZX3K4M5N6P7Q8R9S0T1V2W3`);
    const csp = response.headers.get('content-security-policy') ?? '';

    expect(csp).toContain(
      "connect-src 'self' http://127.0.0.1:9000 http://127.0.0.1:9100 ws://127.0.0.1:9200;",
    );
    expect(csp).toContain("media-src 'self' blob: http://127.0.0.1:9100;");
    expect(csp).toContain("script-src 'self';");
    expect(response.headers.get('permissions-policy')).toBe(
      'camera=(self), microphone=(self), geolocation=(), payment=()',
    );
  });

  it('still refuses a missing asset rather than answering with a page', async () => {
    const response = await fetch(`${web.url}/shows/poster.jpg`);

    expect(response.status).toBe(404);
  });
});

/**
 * /shows and /shows/{id} come from the shows function through the gateway (GET /v1/pages/…): its
 * status and Cache-Control pass, this server's security headers replace the function's, and when
 * the gateway fails the static shows.html answers instead, as at the portal's edge. A stand-in
 * gateway here (what it answers is the point); test/e2e/shows-public-pages.test.ts runs the real one.
 */
describe('Function: startWebServer with rendered show pages', () => {
  const ID = '01HZX3K4M5N6P7Q8R9S0T1V2W3';
  let root: string;
  let web: RunningWebServer;
  let gateway: Server;
  const asked: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'forgecast-web-rendered-'));
    await writeFile(join(root, 'index.html'), INDEX_HTML);
    await writeFile(join(root, 'shows.html'), SHOWS_HTML);
    gateway = createServer((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      if (req.url === '/v1/pages/shows') {
        res.writeHead(500, { 'content-type': 'application/problem+json' }).end('{}');
        return;
      }
      const status = req.url === `/v1/pages/shows/${ID}` ? 200 : 404;
      res
        .writeHead(status, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'public, max-age=60',
          'content-security-policy': "default-src 'none'",
        })
        .end(`<!doctype html><title>rendered ${status}</title>`);
    });
    await new Promise<void>((done) => gateway.listen(0, '127.0.0.1', done));
    const { port } = gateway.address() as AddressInfo;
    web = await startWebServer({ root, gatewayUrl: `http://127.0.0.1:${port}/v1` });
  });
  afterAll(async () => {
    await web?.close();
    await new Promise<void>((done) => gateway.close(() => done()));
    await rm(root, { recursive: true, force: true });
  });

  it('answers a show’s page as the function rendered it, with the portal’s headers', async () => {
    const response = await fetch(`${web.url}/shows/${ID}?checkout=cancelled`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<!doctype html><title>rendered 200</title>');
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(asked).toContain(`GET /v1/pages/shows/${ID}`);
  });

  it('passes the function’s not-found page on, and falls back to shows.html when it fails', async () => {
    const missing = await fetch(`${web.url}/shows/01HZX3K4M5N6P7Q8R9S0T1V2W4`);
    const failed = await fetch(`${web.url}/shows`);
    const other = await fetch(`${web.url}/shows/${ID}/bought`);

    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('<!doctype html><title>rendered 404</title>');
    expect(failed.status).toBe(200);
    expect(failed.headers.get('cache-control')).toBe('no-cache');
    expect(await failed.text()).toBe(SHOWS_HTML);
    expect(await other.text()).toBe(SHOWS_HTML);
    expect(asked.filter((line) => line.includes('bought'))).toEqual([]);
  });
});
