import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeFunction } from '#test/support/probe.ts';
import { FnRunner } from '../../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../../infra/local/gateway/gateway.ts';
import { type RunningWebServer, startWebServer } from '../../../../../infra/local/web/server.ts';

const INDEX_HTML =
  '<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd34.js"></script></head><body><div id="app"></div></body></html>';
const ENTRY_JS = 'console.log("portal");';

/** An HTTP/1.1 request with the raw path as written (fetch would normalise `..` away). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Function: startWebServer', () => {
  let root: string;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let web: RunningWebServer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'forgecast-web-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), INDEX_HTML);
    await writeFile(join(root, 'assets', 'index-Ab12Cd34.js'), ENTRY_JS);
    await writeFile(join(root, 'robots.txt'), 'User-agent: *\n');
    await writeFile(join(tmpdir(), 'forgecast-web-outside.txt'), 'outside the root');
    runner = new FnRunner([probeFunction('probe')]);
    gateway = await startGateway({
      runner,
      routes: [
        { method: 'POST', path: '/echo', auth: { type: 'anonymous' }, functionName: 'probe' },
        { method: 'POST', path: '/bytes', auth: { type: 'anonymous' }, functionName: 'probe' },
        { method: 'GET', path: '/multi', auth: { type: 'anonymous' }, functionName: 'probe' },
      ],
      authorizerFunction: 'authorizer',
    });
    web = await startWebServer({
      root,
      gatewayUrl: gateway.url,
      uploadOrigins: ['http://127.0.0.1:9000/some/bucket'],
    });
  });
  afterAll(async () => {
    await web?.close();
    await gateway?.close();
    await runner?.close();
    await rm(root, { recursive: true, force: true });
  });

  describe('the app', () => {
    it('answers an app address with index.html, revalidated on every load', async () => {
      // Act
      const home = await fetch(`${web.url}/`);
      const deep = await fetch(`${web.url}/designs/01HZX3?tab=proof`);

      // Assess
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(home.headers.get('cache-control')).toBe('no-cache');
      expect(await home.text()).toBe(INDEX_HTML);
      expect(deep.status).toBe(200);
      expect(await deep.text()).toBe(INDEX_HTML);
    });

    it('serves hashed assets as immutable with their type, and 304 for a known ETag', async () => {
      const asset = await fetch(`${web.url}/assets/index-Ab12Cd34.js`);
      const etag = asset.headers.get('etag') ?? '';
      const again = await fetch(`${web.url}/assets/index-Ab12Cd34.js`, {
        headers: { 'if-none-match': etag },
      });

      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await asset.text()).toBe(ENTRY_JS);
      expect(etag).not.toBe('');
      expect(again.status).toBe(304);
    });

    it('answers 404, not the app, for a missing asset or file (a stale chunk must fail loudly)', async () => {
      const chunk = await fetch(`${web.url}/assets/design-detail-Zz99.js`);
      const file = await fetch(`${web.url}/favicon.png`);
      const unhashed = await fetch(`${web.url}/robots.txt`);

      expect(chunk.status).toBe(404);
      expect(chunk.headers.get('content-type')).not.toMatch(/html/);
      expect(file.status).toBe(404);
      expect(unhashed.status).toBe(200);
      expect(unhashed.headers.get('cache-control')).toBe('no-cache');
    });

    it('never serves a file outside its folder', async () => {
      const dotted = await rawGet(web.url, '/../forgecast-web-outside.txt');
      const encoded = await rawGet(web.url, '/%2e%2e/forgecast-web-outside.txt');
      const encodedSlash = await rawGet(web.url, '/assets%2f..%2f..%2fforgecast-web-outside.txt');

      for (const answer of [dotted, encoded, encodedSlash]) {
        expect(answer.body).not.toContain('outside the root');
      }
    });

    it('sends the security headers: CSP without inline script, nosniff, referrer policy, no framing', async () => {
      const page = await fetch(`${web.url}/designs`);
      const csp = page.headers.get('content-security-policy') ?? '';

      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("connect-src 'self' http://127.0.0.1:9000");
      expect(csp).toContain("object-src 'none'");
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('referrer-policy')).toBe('same-origin');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
    });

    it('refuses writes to the app with 405', async () => {
      const response = await fetch(`${web.url}/designs`, { method: 'POST', body: 'x' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    });

    it('says the app is not built instead of failing when dist/web is empty', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'forgecast-web-empty-'));
      const bare = await startWebServer({ root: empty, gatewayUrl: gateway.url });
      try {
        const response = await fetch(`${bare.url}/`);
        expect(response.status).toBe(503);
        expect(await response.text()).toMatch(/scripts\/build\.ts/);
      } finally {
        await bare.close();
        await rm(empty, { recursive: true, force: true });
      }
    });
  });

  describe('the /v1 proxy to the real gateway', () => {
    it('passes method, path, query, body and Origin up, unchanged (the gateway strips /v1 as always)', async () => {
      const response = await fetch(`${web.url}/v1/echo?x=1`, {
        method: 'POST',
        headers: { origin: web.url, 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      const echoed = (await response.json()) as {
        method: string;
        url: string;
        headers: Record<string, string>;
        bodyBase64: string;
      };

      expect(response.status).toBe(200);
      expect(echoed.method).toBe('POST');
      expect(echoed.url).toBe('/echo?x=1');
      expect(echoed.headers.origin).toBe(web.url);
      expect(Buffer.from(echoed.bodyBase64, 'base64').toString()).toBe('{"a":1}');
    });

    it('carries a 3 MB binary body sent in chunks (no length) both ways byte for byte', async () => {
      // Prepare: bytes of every value, streamed with chunked transfer encoding
      const bytes = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 31 + 7) % 256;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 256 * 1024) {
            controller.enqueue(bytes.subarray(offset, offset + 256 * 1024));
          }
          controller.close();
        },
      });

      // Act
      const response = await fetch(`${web.url}/v1/bytes`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body,
        duplex: 'half',
      } as RequestInit);
      const back = Buffer.from(await response.arrayBuffer());

      // Assess
      expect(response.status).toBe(200);
      expect(back.equals(bytes)).toBe(true);
    });

    it('passes every Set-Cookie of an answer down', async () => {
      const response = await fetch(`${web.url}/v1/multi`);
      expect(response.status).toBe(207);
      expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    });

    it('passes the gateway’s own refusals through as problems', async () => {
      const response = await fetch(`${web.url}/v1/nothing-here`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    });
  });

  describe('the /v1 proxy, streaming', () => {
    let upstream: Server;
    let streaming: RunningWebServer;
    const received: string[] = [];

    beforeAll(async () => {
      // A gateway stand-in that answers at once and keeps reading: shows nothing waits for the whole body.
      upstream = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        req.on('data', (chunk: Buffer) => {
          received.push(chunk.toString());
          res.write(`got ${chunk.toString()};`);
        });
        req.on('end', () => res.end('done'));
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const port = (upstream.address() as AddressInfo).port;
      streaming = await startWebServer({ root, gatewayUrl: `http://127.0.0.1:${port}/v1` });
    });
    afterAll(async () => {
      await streaming?.close();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    });

    it('delivers the answer’s first bytes while the request body is still being sent', async () => {
      // Prepare: a body whose second half is only sent after the first answer bytes came back
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('one'));
          await released;
          controller.enqueue(new TextEncoder().encode('two'));
          controller.close();
        },
      });

      // Act
      const response = await fetch(`${streaming.url}/v1/stream`, {
        method: 'POST',
        body,
        duplex: 'half',
      } as RequestInit);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let seen = '';
      while (!seen.includes('got one;')) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      release();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }

      // Assess
      expect(seen).toBe('first;got one;got two;done');
      expect(received).toEqual(['one', 'two']);
    });

    it('answers 502 with a problem when the gateway is down, and 503 while it is not yet known', async () => {
      const down = await startWebServer({ root, gatewayUrl: 'http://127.0.0.1:1/v1' });
      const early = await startWebServer({ root, gatewayUrl: () => '' });
      try {
        const unreachable = await fetch(`${down.url}/v1/health`);
        const starting = await fetch(`${early.url}/v1/health`);

        expect(unreachable.status).toBe(502);
        expect(((await unreachable.json()) as { type: string }).type).toMatch(/gateway-unreachable$/);
        expect(starting.status).toBe(503);
        expect(starting.headers.get('retry-after')).toBe('1');
      } finally {
        await down.close();
        await early.close();
      }
    });
  });
});
