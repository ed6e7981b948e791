import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEdgePath } from '#shared/cdn/edge-token.ts';
import { newId } from '#shared/ids.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { assetPrefix } from '#shared/video/media-layout.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { type RunningLocalEdge, startLocalEdge } from '../../../../infra/local/edge/edge.ts';

const REGION = 'us-ashburn-1';
const BUCKET = 'media';
const KEY = randomBytes(32);
const ASSET = newId();
const OTHER_ASSET = newId();
const LIVE = `${assetPrefix(ASSET)}live/`;
const PLAYLIST = `${LIVE}720p/index.m3u8`;
const START = Date.parse('2026-12-07T12:00:00Z');

/** A live playlist as the agent writes it (relative URIs into the session folders). */
function livePlaylist(sequence: number): Buffer {
  return Buffer.from(
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:1',
      `#EXT-X-MEDIA-SEQUENCE:${sequence}`,
      '#EXT-X-MAP:URI="../s1/720p/init.mp4"',
      '#EXTINF:1.000000,',
      `../s1/720p/seg-${String(sequence).padStart(6, '0')}.m4s`,
      '',
    ].join('\n'),
  );
}

/**
 * The local edge for live HLS: live playlists (`videos/<id>/live/…/*.m3u8`) live 1 s at the edge
 * and in players, everything else keeps its VOD caching, under the same asset-scoped tokens. The
 * edge's clock is the test's, so "within 1 s" and "after 1 s" are exact on a busy machine.
 */
describe('Local edge: live playlists', () => {
  let s3: S3TestServer;
  let store: ObjectStore;
  let edge: RunningLocalEdge;
  let now = START;
  const originReads: string[] = [];

  function url(objectPath: string, assetId = ASSET): string {
    const expiresAt = new Date(START + 3_600_000);
    return `${edge.url}${signEdgePath({ key: KEY, scope: assetPrefix(assetId), expiresAt })}/${objectPath}`;
  }

  beforeAll(async () => {
    s3 = await startS3TestServer({
      tempPrefix: 'forgecast-edge-live-',
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
    // Counts the edge's reads of the origin; every other call goes through unchanged.
    const counting = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'get') {
          return (bucket: string, key: string) => {
            originReads.push(key);
            return target.get(bucket, key);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    edge = await startLocalEdge({
      store: counting,
      bucket: BUCKET,
      tokenKeys: [KEY],
      serviceId: 'local-service',
      apiToken: 'local-fastly-token',
      clock: () => new Date(now),
    });
    await store.put(BUCKET, `${LIVE}s1/720p/init.mp4`, Buffer.from('init'));
    await store.put(BUCKET, `${LIVE}s1/720p/seg-000001.m4s`, randomBytes(2000));
    await store.put(BUCKET, `${LIVE}master.m3u8`, Buffer.from('#EXTM3U\n'));
    await store.put(BUCKET, `${assetPrefix(ASSET)}v1/720p/index.m3u8`, Buffer.from('#EXTM3U\n#VOD\n'));
  }, 60_000);

  afterAll(async () => {
    await edge?.close();
    await s3?.stop();
  });

  it('marks live playlists public, max-age=1 and keeps their segments immutable', async () => {
    // Prepare
    await store.put(BUCKET, PLAYLIST, livePlaylist(1));

    // Act
    const playlist = await fetch(url(PLAYLIST));
    const master = await fetch(url(`${LIVE}master.m3u8`));
    const segment = await fetch(url(`${LIVE}s1/720p/seg-000001.m4s`));
    const init = await fetch(url(`${LIVE}s1/720p/init.mp4`));
    const vod = await fetch(url(`${assetPrefix(ASSET)}v1/720p/index.m3u8`));

    // Assess
    for (const response of [playlist, master]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=1');
      expect(response.headers.get('surrogate-control')).toBe('max-age=1');
      expect(response.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    }
    expect(await playlist.text()).toContain('seg-000001.m4s');
    for (const response of [segment, init]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      await response.arrayBuffer();
    }
    expect(vod.headers.get('cache-control')).toBe('public, max-age=10');
    expect(vod.headers.get('surrogate-control')).toBe('max-age=86400');
    await Promise.all([master.text(), vod.text()]);
  });

  it('caches a live playlist for at most 1 s, then serves the agent’s newer one', async () => {
    // Prepare: a fresh entry at `now`
    now += 10_000;
    const first = await fetch(url(PLAYLIST));
    expect(first.headers.get('x-cache')).toBe('MISS');
    await first.text();
    await store.put(BUCKET, PLAYLIST, livePlaylist(2));

    // Act
    now += 999;
    const within = await fetch(url(PLAYLIST));
    const withinBody = await within.text();
    now += 1;
    const after = await fetch(url(PLAYLIST));
    const afterBody = await after.text();

    // Assess
    expect(within.headers.get('x-cache')).toBe('HIT');
    expect(withinBody).toContain('seg-000001.m4s');
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(afterBody).toContain('seg-000002.m4s');
  });

  it('keeps a VOD playlist cached past 1 s (until purged)', async () => {
    // Prepare
    const path = `${assetPrefix(ASSET)}v1/720p/index.m3u8`;
    await (await fetch(url(path))).text();

    // Act
    now += 60_000;
    const later = await fetch(url(path));

    // Assess
    expect(later.headers.get('x-cache')).toBe('HIT');
    await later.text();
  });

  it('answers many viewers of an expired live playlist with one origin read', async () => {
    // Prepare
    now += 5_000;
    await store.put(BUCKET, PLAYLIST, livePlaylist(3));
    const before = originReads.filter((key) => key === PLAYLIST).length;

    // Act
    const bodies = await Promise.all(
      Array.from({ length: 20 }, async () => (await fetch(url(PLAYLIST))).text()),
    );

    // Assess
    expect(bodies.every((body) => body.includes('seg-000003.m4s'))).toBe(true);
    expect(originReads.filter((key) => key === PLAYLIST).length - before).toBe(1);
  });

  it('opens a live playlist only with a token for its own asset', async () => {
    // Act
    const other = await fetch(url(PLAYLIST, OTHER_ASSET));
    const unsigned = await fetch(`${edge.url}/${PLAYLIST}`);

    // Assess
    expect(other.status).toBe(403);
    expect(unsigned.status).toBe(403);
    await Promise.all([other.text(), unsigned.text()]);
  });
});
