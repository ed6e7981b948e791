import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEdgePath } from '#shared/cdn/edge-token.ts';
import { newId } from '#shared/ids.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { assetPrefix, surrogateKeyFor } from '#shared/video/media-layout.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { type RunningLocalEdge, startLocalEdge } from '../../../../../infra/local/edge/edge.ts';
import { PlaylistCache } from '../../../../../infra/local/edge/playlist-cache.ts';
import { LOCAL_REVOCATION_DICTIONARY_ID } from '../../../../../infra/local/edge/revocation-list-api.ts';

const run = promisify(execFile);
const REGION = 'us-ashburn-1';
const BUCKET = 'media';
const KEY = randomBytes(32);
const ASSET = newId();
const OTHER_ASSET = newId();
const SCOPE = assetPrefix(ASSET);
const RENDITION = `${SCOPE}v1/360p/`;

let s3: S3TestServer;
let store: ObjectStore;
let edge: RunningLocalEdge;
let workDir: string;
const logLines: Record<string, unknown>[] = [];
const logWaiters: Array<{ msg: string; resolve: (line: Record<string, unknown>) => void }> = [];
const hlsFiles = new Map<string, Buffer>();
const bigSegment = randomBytes(300_000);

function nextLog(msg: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => logWaiters.push({ msg, resolve }));
}

beforeAll(async () => {
  s3 = await startS3TestServer({
    tempPrefix: 'forgecast-edge-',
    accessKeyId: 'EDGEKEY',
    secretAccessKey: 'edge-secret',
    region: REGION,
    buckets: [BUCKET],
  });
  store = createS3ObjectStore({
    endpoint: s3.server.endpoint,
    region: REGION,
    accessKeyId: 'EDGEKEY',
    secretAccessKey: 'edge-secret',
  });
  edge = await startLocalEdge({
    store,
    bucket: BUCKET,
    tokenKeys: [KEY],
    serviceId: 'local-service',
    apiToken: 'local-fastly-token',
    log: (line) => {
      logLines.push(line);
      for (const waiter of logWaiters.splice(0)) {
        if (waiter.msg === line.msg) waiter.resolve(line);
        else logWaiters.push(waiter);
      }
    },
  });

  workDir = await mkdtemp(join(tmpdir(), 'forgecast-edge-hls-'));
  await run('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '3'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
    ...['-f', 'hls', '-hls_time', '1', '-hls_segment_type', 'fmp4', '-hls_playlist_type', 'vod'],
    ...['-hls_fmp4_init_filename', 'init.mp4', '-start_number', '1'],
    ...['-hls_segment_filename', join(workDir, 'seg-%05d.m4s'), join(workDir, 'index.m3u8')],
  ]);
  for (const name of await readdir(workDir)) hlsFiles.set(name, await readFile(join(workDir, name)));
  for (const [name, bytes] of hlsFiles) await store.put(BUCKET, `${RENDITION}${name}`, bytes);
  await store.put(
    BUCKET,
    `${SCOPE}v1/master.m3u8`,
    Buffer.from(
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=320x180,CODECS="avc1.42c00d,mp4a.40.2"\n360p/index.m3u8\n',
    ),
  );
  await store.put(BUCKET, `${SCOPE}v1/poster.jpg`, Buffer.from('jpeg bytes'));
  await store.put(BUCKET, `${SCOPE}v1/transcode.json`, Buffer.from('{}'));
  await store.put(BUCKET, `${RENDITION}seg-09999.m4s`, bigSegment);
  await store.put(BUCKET, `${assetPrefix(OTHER_ASSET)}v1/poster.jpg`, Buffer.from('someone else'));
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await s3?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function tokenised(
  objectPath: string,
  expiresAt = new Date(Date.now() + 3_600_000),
  key: Uint8Array = KEY,
): string {
  return `${edge.url}${signEdgePath({ key, scope: SCOPE, expiresAt })}/${objectPath}`;
}

/** A request with the path sent byte for byte (fetch would resolve `..` and `%2e%2e` first). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${edge.url}/`, { path }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    request.on('error', reject);
  });
}

describe('local edge', () => {
  it('serves every kind of HLS object with its type, length, surrogate key, caching and CORS headers', async () => {
    const expectations = [
      ['index.m3u8', 'application/vnd.apple.mpegurl', 'public, max-age=10'],
      ['init.mp4', 'video/mp4', 'public, max-age=31536000, immutable'],
      ['seg-00001.m4s', 'video/iso.segment', 'public, max-age=31536000, immutable'],
    ] as const;
    for (const [name, contentType, cacheControl] of expectations) {
      const response = await fetch(tokenised(`${RENDITION}${name}`), {
        headers: { Origin: 'https://player.example' },
      });
      expect(response.status, name).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.equals(hlsFiles.get(name) as Buffer), name).toBe(true);
      expect(response.headers.get('content-type')).toBe(contentType);
      expect(response.headers.get('content-length')).toBe(String(body.byteLength));
      expect(response.headers.get('cache-control')).toBe(cacheControl);
      expect(response.headers.get('surrogate-key')).toBe(surrogateKeyFor(ASSET));
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('accept-ranges')).toBe('bytes');
    }
    const poster = await fetch(tokenised(`${SCOPE}v1/poster.jpg`));
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    expect(await poster.text()).toBe('jpeg bytes');
  });

  it('answers 403 for a bad or missing token, 410 for an expired one, 404 for missing or unserved objects', async () => {
    const good = tokenised(`${RENDITION}index.m3u8`);
    const tampered = good.replace(/_([0-9a-f])/, (_, digit: string) => `_${digit === 'a' ? 'b' : 'a'}`);
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(tokenised(`${RENDITION}index.m3u8`, undefined, randomBytes(32)))).status).toBe(403);
    expect((await fetch(`${edge.url}/${RENDITION}index.m3u8`)).status).toBe(403);
    expect((await fetch(tokenised(`${RENDITION}index.m3u8`, new Date(Date.now() - 1000)))).status).toBe(410);
    expect((await fetch(tokenised(`${RENDITION}seg-00077.m4s`))).status).toBe(404);
    expect((await fetch(tokenised(`${RENDITION}gone.m3u8`))).status).toBe(404);
    expect((await fetch(tokenised(`${SCOPE}v1/transcode.json`))).status).toBe(404);
  });

  it('refuses traversal out of the asset folder even towards an object that exists', async () => {
    const prefix = signEdgePath({ key: KEY, scope: SCOPE, expiresAt: new Date(Date.now() + 60_000) });
    for (const path of [
      `${prefix}/${SCOPE}../${OTHER_ASSET}/v1/poster.jpg`,
      `${prefix}/${SCOPE}%2e%2e/${OTHER_ASSET}/v1/poster.jpg`,
      `${prefix}/${SCOPE}v1%2f..%2f..%2f${OTHER_ASSET}/v1/poster.jpg`,
      `${prefix}/${SCOPE}%252e%252e/${OTHER_ASSET}/v1/poster.jpg`,
      `${prefix}/${SCOPE}v1//poster.jpg`,
    ]) {
      expect(await rawGet(path), path).toEqual({ status: 403, body: 'Forbidden\n' });
    }
    expect((await rawGet(`${prefix}/${SCOPE}v1/poster.jpg`)).status).toBe(200);
  });

  it('answers single byte ranges with 206 across stream chunks, and 416 past the end', async () => {
    const url = tokenised(`${RENDITION}seg-09999.m4s`);
    const middle = await fetch(url, { headers: { Range: 'bytes=70000-200000' } });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 70000-200000/${bigSegment.byteLength}`);
    expect(middle.headers.get('content-length')).toBe('130001');
    expect(Buffer.from(await middle.arrayBuffer()).equals(bigSegment.subarray(70000, 200001))).toBe(true);

    const suffix = await fetch(url, { headers: { Range: 'bytes=-100' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(bigSegment.subarray(-100))).toBe(true);

    const playlist = await fetch(tokenised(`${RENDITION}index.m3u8`), { headers: { Range: 'bytes=0-6' } });
    expect(playlist.status).toBe(206);
    expect(await playlist.text()).toBe('#EXTM3U');

    const past = await fetch(url, { headers: { Range: `bytes=${bigSegment.byteLength}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bigSegment.byteLength}`);
    await past.arrayBuffer();
  });

  it('answers HEAD with the headers of GET and no body, and If-None-Match with 304', async () => {
    const url = tokenised(`${RENDITION}init.mp4`);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(hlsFiles.get('init.mp4')?.byteLength));
    expect(head.headers.get('content-type')).toBe('video/mp4');
    expect(await head.text()).toBe('');
    const etag = head.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const revalidated = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(revalidated.status).toBe(304);
    expect((await fetch(tokenised(`${RENDITION}nope.m4s`), { method: 'HEAD' })).status).toBe(404);
  });

  it('answers CORS preflights and refuses other methods with 405', async () => {
    const preflight = await fetch(tokenised(`${RENDITION}index.m3u8`), {
      method: 'OPTIONS',
      headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Range');
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await fetch(tokenised(`${RENDITION}index.m3u8`), { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      await response.arrayBuffer();
    }
  });

  it('caches playlists (the second read is a hit) and never segments', async () => {
    const url = tokenised(`${RENDITION}index.m3u8`);
    await fetch(url).then((response) => response.text());
    const hit = await fetch(url);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(Buffer.from(await hit.arrayBuffer()).equals(hlsFiles.get('index.m3u8') as Buffer)).toBe(true);
    const segment = await fetch(tokenised(`${RENDITION}seg-00001.m4s`));
    expect(segment.headers.get('x-cache')).toBeNull();
    await segment.arrayBuffer();
  });

  it('stops reading the object when the client goes away mid-body', async () => {
    const huge = `${RENDITION}seg-08888.m4s`;
    await store.put(BUCKET, huge, randomBytes(16 * 1024 * 1024));
    const wentAway = nextLog('client went away');
    await new Promise<void>((resolve, reject) => {
      const request = http.get(tokenised(huge), (response) => {
        expect(response.statusCode).toBe(200);
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', (error) =>
        (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(error),
      );
    });
    expect(await wentAway).toMatchObject({ objectPath: huge, readAborted: true });
  });

  it('cuts the response when the origin fails mid-body, and answers 503 while it is down', async () => {
    const origin = await startS3TestServer({
      tempPrefix: 'forgecast-edge-origin-',
      accessKeyId: 'EDGEKEY',
      secretAccessKey: 'edge-secret',
      region: REGION,
      buckets: [BUCKET],
    });
    const originStore = createS3ObjectStore({
      endpoint: origin.server.endpoint,
      region: REGION,
      accessKeyId: 'EDGEKEY',
      secretAccessKey: 'edge-secret',
    });
    let reportFailure: (line: Record<string, unknown>) => void = () => {};
    const failureLogged = new Promise<Record<string, unknown>>((resolve) => {
      reportFailure = resolve;
    });
    const failing = await startLocalEdge({
      store: originStore,
      bucket: BUCKET,
      tokenKeys: [KEY],
      serviceId: 'local-service',
      apiToken: 'local-fastly-token',
      log: (line) => {
        if (line.msg === 'origin failed mid-body') reportFailure(line);
      },
    });
    try {
      const objectPath = `${RENDITION}seg-07777.m4s`;
      await originStore.put(BUCKET, objectPath, randomBytes(64 * 1024 * 1024));
      const prefix = signEdgePath({ key: KEY, scope: SCOPE, expiresAt: new Date(Date.now() + 60_000) });
      const url = `${failing.url}${prefix}/${objectPath}`;
      const outcome = await new Promise<{ received: number; error: string | undefined }>((resolve) => {
        let received = 0;
        http.get(url, (response) => {
          response.once('data', () => {
            response.pause();
            void origin.server.stop().then(() => response.resume());
          });
          response.on('data', (chunk: Buffer) => {
            received += chunk.byteLength;
          });
          response.on('error', (error) => resolve({ received, error: error.message }));
          response.on('end', () => resolve({ received, error: undefined }));
        });
      });
      expect(outcome.error).toBe('aborted');
      expect(outcome.received).toBeLessThan(64 * 1024 * 1024);
      expect(await failureLogged).toMatchObject({ level: 'warn', objectPath });
      const down = await fetch(url);
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('1');
    } finally {
      await failing.close();
      // The server was stopped above; only its data directory is left to remove.
      await rm(origin.root, { recursive: true, force: true });
    }
  });

  it('plays the HLS set with ffmpeg through a tokenised URL, and refuses a tampered one', async () => {
    const master = tokenised(`${SCOPE}v1/master.m3u8`);
    const probe = await run('ffprobe', [
      ...['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height', '-of', 'json', master],
    ]);
    const streams = (JSON.parse(probe.stdout) as { streams: Array<Record<string, unknown>> }).streams;
    expect(streams).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ codec_type: 'video', codec_name: 'h264', width: 320, height: 180 }),
        expect.objectContaining({ codec_type: 'audio', codec_name: 'aac' }),
      ]),
    );
    const played = await run('ffmpeg', ['-v', 'error', '-i', master, '-f', 'null', '-']);
    expect(played.stderr).toBe('');

    const tampered = master.replace(/\/t\/(\d+)_/, (_, exp: string) => `/t/${Number(exp) + 1}_`);
    const failure = await run('ffmpeg', ['-v', 'error', '-i', tampered, '-f', 'null', '-']).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toMatch(/403/);
    expect(logLines.some((line) => JSON.stringify(line).includes(KEY.toString('hex')))).toBe(false);
  });
});

describe('the edge revocation list (Fastly dictionary API)', () => {
  const items = `/service/local-service/dictionary/${LOCAL_REVOCATION_DICTIONARY_ID}/items`;
  const patch = (body: unknown, key = 'local-fastly-token', path = items) =>
    fetch(`${edge.url}${path}`, {
      method: 'PATCH',
      headers: { 'Fastly-Key': key, 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('takes Fastly bulk updates, and refuses a listed grant’s token (403) while others still play', async () => {
    // Prepare
    const revokedGrant = newId();
    const keptGrant = newId();
    const expiresAt = new Date(Date.now() + 60_000);
    const url = (grantId: string) =>
      `${edge.url}${signEdgePath({ key: KEY, scope: SCOPE, expiresAt, grantId })}/${RENDITION}seg-00001.m4s`;
    expect((await fetch(url(revokedGrant))).status).toBe(200);

    // Act
    const update = await patch({
      items: [{ op: 'upsert', item_key: revokedGrant, item_value: '1900000000' }],
    });
    const listing = await fetch(`${edge.url}${items}`, { headers: { 'Fastly-Key': 'local-fastly-token' } });

    // Assess
    expect(update.status).toBe(200);
    expect(await update.json()).toEqual({ status: 'ok' });
    expect(await listing.json()).toEqual([
      expect.objectContaining({ item_key: revokedGrant, item_value: '1900000000' }),
    ]);
    const refused = await fetch(url(revokedGrant));
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/revoked/);
    expect((await fetch(url(keptGrant))).status).toBe(200);
    expect((await fetch(tokenised(`${RENDITION}seg-00001.m4s`))).status).toBe(200);

    // Act: the entry is deleted again
    expect((await patch({ items: [{ op: 'delete', item_key: revokedGrant }] })).status).toBe(200);
    expect((await fetch(url(revokedGrant))).status).toBe(200);
  });

  it('answers as Fastly does to a wrong key (401), another dictionary (404) and a bad batch (400, nothing applied)', async () => {
    const grant = newId();
    expect(
      (await patch({ items: [{ op: 'upsert', item_key: grant, item_value: '1' }] }, 'wrong')).status,
    ).toBe(401);
    expect(
      (
        await patch(
          { items: [{ op: 'upsert', item_key: grant, item_value: '1' }] },
          undefined,
          items.replace(LOCAL_REVOCATION_DICTIONARY_ID, 'other'),
        )
      ).status,
    ).toBe(404);
    const mixed = await patch({
      items: [
        { op: 'upsert', item_key: grant, item_value: '1' },
        { op: 'rename', item_key: grant },
      ],
    });
    expect(mixed.status).toBe(400);
    expect((await patch('not json')).status).toBe(400);
    expect(edge.revoked.has(grant)).toBe(false);
  });
});

describe('the edge playlist cache', () => {
  const entry = (text: string, surrogateKey = 'video-A') => ({
    body: Buffer.from(text),
    etag: 'e',
    surrogateKey,
  });

  it('drops a fetch that began before a purge of its key, so old bytes never return after a purge', () => {
    const cache = new PlaylistCache(1024);
    const before = cache.generation('video-A');
    cache.purge('video-A', false);
    expect(cache.put('a.m3u8', entry('old'), before)).toBe(false);
    expect(cache.get('a.m3u8')).toBeUndefined();
    expect(cache.put('a.m3u8', entry('new'), cache.generation('video-A'))).toBe(true);
    expect(cache.get('a.m3u8')?.body.toString()).toBe('new');
  });

  it('stays within its byte bound, evicting the least recently used, and refuses oversized entries', () => {
    const cache = new PlaylistCache(400);
    for (const name of ['a', 'b', 'c', 'd']) cache.put(name, entry(name.repeat(100)), 0);
    cache.get('a');
    cache.put('e', entry('e'.repeat(100)), 0);
    expect(cache.bytes).toBeLessThanOrEqual(400);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.put('huge', entry('h'.repeat(101)), 0)).toBe(false);
  });

  it('soft purge keeps entries but marks them stale; hard purge removes them', () => {
    const cache = new PlaylistCache(1024);
    cache.put('a', entry('a'), 0);
    cache.put('b', entry('b', 'video-B'), 0);
    expect(cache.purge('video-A', true)).toBe(1);
    expect(cache.get('a')?.stale).toBe(true);
    expect(cache.purge('video-A', false)).toBe(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')?.stale).toBe(false);
    expect(cache.bytes).toBe(1);
  });
});
