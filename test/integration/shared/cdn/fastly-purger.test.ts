import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CdnPurgeError } from '#shared/cdn/cdn.ts';
import { cdnConfig, cdnPurgerFromConfig } from '#shared/cdn/cdn-from-config.ts';
import { signEdgePath } from '#shared/cdn/edge-token.ts';
import { createFastlyPurger } from '#shared/cdn/fastly-purger.ts';
import { readConfig } from '#shared/config/config.ts';
import { newId } from '#shared/ids.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { assetPrefix, surrogateKeyFor } from '#shared/video/media-layout.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { type RunningLocalEdge, startLocalEdge } from '../../../../infra/local/edge/edge.ts';

const REGION = 'us-ashburn-1';
const BUCKET = 'media';
const TOKEN_KEY = randomBytes(32);
const SERVICE_ID = 'local-service-1';
const FASTLY_TOKEN = 'fastly-api-token-for-tests';

interface Fixture {
  readonly s3: S3TestServer;
  readonly store: ObjectStore;
  readonly edge: RunningLocalEdge;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFixture(): Promise<Fixture> {
  const s3 = await startS3TestServer({
    tempPrefix: 'forgecast-purge-',
    accessKeyId: 'PURGEKEY',
    secretAccessKey: 'purge-secret',
    region: REGION,
    buckets: [BUCKET],
  });
  cleanups.push(() => s3.stop().catch(() => rm(s3.root, { recursive: true, force: true })));
  const store = createS3ObjectStore({
    endpoint: s3.server.endpoint,
    region: REGION,
    accessKeyId: 'PURGEKEY',
    secretAccessKey: 'purge-secret',
  });
  const edge = await startLocalEdge({
    store,
    bucket: BUCKET,
    tokenKeys: [TOKEN_KEY],
    serviceId: SERVICE_ID,
    apiToken: FASTLY_TOKEN,
  });
  cleanups.push(() => edge.close());
  return { s3, store, edge };
}

function playlistUrl(edge: RunningLocalEdge, assetId: string): string {
  const prefix = signEdgePath({
    key: TOKEN_KEY,
    scope: assetPrefix(assetId),
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  return `${edge.url}${prefix}/${assetPrefix(assetId)}v1/master.m3u8`;
}

async function read(url: string): Promise<{ status: number; cache: string | null; body: string }> {
  const response = await fetch(url);
  return { status: response.status, cache: response.headers.get('x-cache'), body: await response.text() };
}

async function rejection(promise: Promise<unknown>): Promise<CdnPurgeError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CdnPurgeError);
  return error as CdnPurgeError;
}

/** A stand-in for Fastly's API that answers each purge with the next canned reply and records requests. */
async function startCannedApi(
  replies: ReadonlyArray<{ status: number; body: string } | 'never'>,
): Promise<{ url: string; requests: http.IncomingHttpHeaders[]; paths: string[] }> {
  const requests: http.IncomingHttpHeaders[] = [];
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    const reply = replies[requests.length] ?? { status: 500, body: '' };
    requests.push(req.headers);
    paths.push(`${req.method} ${req.url}`);
    if (reply === 'never') return;
    res.writeHead(reply.status, { 'Content-Type': 'application/json' });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, paths };
}

describe('FastlyPurger against the local edge', () => {
  it('replaces a cached playlist after a purge of its surrogate key, and only that key', async () => {
    const { store, edge } = await startFixture();
    const [asset, other] = [newId(), newId()];
    for (const id of [asset, other])
      await store.put(BUCKET, `${assetPrefix(id)}v1/master.m3u8`, Buffer.from('#EXTM3U\n# old\n'));
    expect(await read(playlistUrl(edge, asset))).toEqual({
      status: 200,
      cache: 'MISS',
      body: '#EXTM3U\n# old\n',
    });
    await read(playlistUrl(edge, other));

    for (const id of [asset, other])
      await store.put(BUCKET, `${assetPrefix(id)}v1/master.m3u8`, Buffer.from('#EXTM3U\n# new\n'));
    expect(await read(playlistUrl(edge, asset))).toEqual({
      status: 200,
      cache: 'HIT',
      body: '#EXTM3U\n# old\n',
    });

    const purger = createFastlyPurger({ apiBase: edge.url, serviceId: SERVICE_ID, apiToken: FASTLY_TOKEN });
    await purger.purgeSurrogateKey(surrogateKeyFor(asset));
    expect(await read(playlistUrl(edge, asset))).toEqual({
      status: 200,
      cache: 'MISS',
      body: '#EXTM3U\n# new\n',
    });
    expect(await read(playlistUrl(edge, other))).toEqual({
      status: 200,
      cache: 'HIT',
      body: '#EXTM3U\n# old\n',
    });
  });

  it("answers with Fastly's purge body, and the purger built from CDN_BACKEND=fastly config uses it", async () => {
    const { store, edge } = await startFixture();
    const asset = newId();
    const response = await fetch(`${edge.url}/service/${SERVICE_ID}/purge/${surrogateKeyFor(asset)}`, {
      method: 'POST',
      headers: { 'Fastly-Key': FASTLY_TOKEN, Accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ status: 'ok', id: expect.stringMatching(/^\S+$/) });

    await store.put(BUCKET, `${assetPrefix(asset)}v1/master.m3u8`, Buffer.from('#EXTM3U\n# 1\n'));
    await read(playlistUrl(edge, asset));
    await store.put(BUCKET, `${assetPrefix(asset)}v1/master.m3u8`, Buffer.from('#EXTM3U\n# 2\n'));
    const purger = cdnPurgerFromConfig(
      readConfig(cdnConfig, {
        CDN_BACKEND: 'fastly',
        FASTLY_API_BASE: edge.url,
        FASTLY_SERVICE_ID: SERVICE_ID,
        FASTLY_API_TOKEN: FASTLY_TOKEN,
      }),
    );
    await purger.purgeSurrogateKey(surrogateKeyFor(asset));
    expect((await read(playlistUrl(edge, asset))).body).toBe('#EXTM3U\n# 2\n');
  });

  it('soft purge refetches the playlist but serves the stale copy while the origin is down', async () => {
    const { s3, store, edge } = await startFixture();
    const asset = newId();
    await store.put(BUCKET, `${assetPrefix(asset)}v1/master.m3u8`, Buffer.from('#EXTM3U\n# a\n'));
    await read(playlistUrl(edge, asset));
    await store.put(BUCKET, `${assetPrefix(asset)}v1/master.m3u8`, Buffer.from('#EXTM3U\n# b\n'));
    const purger = createFastlyPurger({ apiBase: edge.url, serviceId: SERVICE_ID, apiToken: FASTLY_TOKEN });

    await purger.purgeSurrogateKey(surrogateKeyFor(asset), { soft: true });
    expect(await read(playlistUrl(edge, asset))).toEqual({
      status: 200,
      cache: 'MISS',
      body: '#EXTM3U\n# b\n',
    });

    await purger.purgeSurrogateKey(surrogateKeyFor(asset), { soft: true });
    await s3.server.stop();
    expect(await read(playlistUrl(edge, asset))).toEqual({
      status: 200,
      cache: 'STALE',
      body: '#EXTM3U\n# b\n',
    });
    await purger.purgeSurrogateKey(surrogateKeyFor(asset));
    expect((await read(playlistUrl(edge, asset))).status).toBe(503);
  });

  it('reports a wrong or missing Fastly-Key as an auth failure and purges nothing', async () => {
    const { store, edge } = await startFixture();
    const asset = newId();
    await store.put(BUCKET, `${assetPrefix(asset)}v1/master.m3u8`, Buffer.from('#EXTM3U\n'));
    await read(playlistUrl(edge, asset));

    const wrongToken = 'not-the-fastly-token';
    const purger = createFastlyPurger({ apiBase: edge.url, serviceId: SERVICE_ID, apiToken: wrongToken });
    const error = await rejection(purger.purgeSurrogateKey(surrogateKeyFor(asset)));
    expect(error).toMatchObject({ failure: 'auth', httpStatus: 401, retryable: false, status: 503 });
    expect(error.message).not.toContain(wrongToken);
    expect((await read(playlistUrl(edge, asset))).cache).toBe('HIT');

    const bare = await fetch(`${edge.url}/service/${SERVICE_ID}/purge/${surrogateKeyFor(asset)}`, {
      method: 'POST',
    });
    expect(bare.status).toBe(401);
    expect(await bare.json()).toEqual({ msg: expect.any(String) });
  });

  it('reports an unknown service as rejected and an edge that is gone as unavailable', async () => {
    const { edge } = await startFixture();
    const unknown = createFastlyPurger({
      apiBase: edge.url,
      serviceId: 'other-service',
      apiToken: FASTLY_TOKEN,
    });
    expect(await rejection(unknown.purgeSurrogateKey('video-x'))).toMatchObject({
      failure: 'rejected',
      httpStatus: 404,
      retryable: false,
    });

    await edge.close();
    cleanups.pop();
    const gone = createFastlyPurger({ apiBase: edge.url, serviceId: SERVICE_ID, apiToken: FASTLY_TOKEN });
    expect(await rejection(gone.purgeSurrogateKey('video-x'))).toMatchObject({
      failure: 'unavailable',
      httpStatus: undefined,
      retryable: true,
    });
  });

  it("sends Fastly's request shape and treats 5xx, 429, a body without status ok and silence as retryable", async () => {
    const api = await startCannedApi([
      { status: 200, body: '{"status":"ok","id":"1-2-3"}' },
      { status: 503, body: '{"msg":"unavailable"}' },
      { status: 429, body: '{"msg":"slow down"}' },
      { status: 200, body: '<html>maintenance</html>' },
      'never',
    ]);
    const purger = createFastlyPurger({
      apiBase: `${api.url}/`,
      serviceId: 'svc/1',
      apiToken: FASTLY_TOKEN,
      timeoutMs: 300,
    });
    await purger.purgeSurrogateKey('video-ABC', { soft: true });
    expect(api.paths[0]).toBe('POST /service/svc%2F1/purge/video-ABC');
    expect(api.requests[0]).toMatchObject({
      'fastly-key': FASTLY_TOKEN,
      accept: 'application/json',
      'fastly-soft-purge': '1',
    });

    expect(await rejection(purger.purgeSurrogateKey('video-ABC'))).toMatchObject({
      httpStatus: 503,
      retryable: true,
    });
    expect(api.requests[1]?.['fastly-soft-purge']).toBeUndefined();
    expect(await rejection(purger.purgeSurrogateKey('video-ABC'))).toMatchObject({
      httpStatus: 429,
      retryable: true,
    });
    expect(await rejection(purger.purgeSurrogateKey('video-ABC'))).toMatchObject({
      httpStatus: 200,
      retryable: true,
    });
    expect(await rejection(purger.purgeSurrogateKey('video-ABC'))).toMatchObject({
      failure: 'unavailable',
      httpStatus: undefined,
      retryable: true,
    });
  });

  it('refuses surrogate keys Fastly would not accept before sending anything', async () => {
    const api = await startCannedApi([]);
    const purger = createFastlyPurger({ apiBase: api.url, serviceId: SERVICE_ID, apiToken: FASTLY_TOKEN });
    for (const key of ['', 'two keys', 'tab\tkey', 'x'.repeat(1025), 'ünï']) {
      await expect(purger.purgeSurrogateKey(key)).rejects.toBeInstanceOf(RangeError);
    }
    expect(api.requests).toEqual([]);
  });
});
