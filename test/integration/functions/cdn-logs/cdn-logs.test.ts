import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cdnLogsManifest } from '#functions/cdn-logs/manifest.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { newId } from '#shared/ids.ts';
import { insertVideo } from '#shared/video/video-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { functionUnderTest } from '#test/support/function-source.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';

const LOG_SECRET = randomBytes(32).toString('hex');
const RETIRING_LOG_SECRET = randomBytes(32).toString('base64url');
const SERVICE_IDS = ['SU1Z0isxPaozGVKXdv0eY', '7i6HN3TK9wS159v2gPAZ8A'];
const TOKEN = `1900000000_${'cd'.repeat(32)}`;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;

interface Summary {
  duplicate: boolean;
  counted: number;
  malformed: number;
  notAssets: number;
  unknownAssets: number;
}

interface Figures {
  requests: number;
  views: number;
  bytes: number;
  viewers: number;
}

interface Stats {
  videoId: string;
  from: string;
  to: string;
  days: Array<Figures & { day: string }>;
  totals: Figures;
}

/** A log line in the documented format (shared/cdn/fastly-log.ts). */
function logLine(fields: {
  assetId: string;
  object?: string;
  at?: string;
  ip?: string;
  agent?: string;
  status?: number;
  bytes?: number;
}): string {
  return JSON.stringify({
    timestamp: fields.at ?? '2030-03-04T10:00:00+0000',
    client_ip: fields.ip ?? '198.51.100.7',
    method: 'GET',
    url: `/t/${TOKEN}/videos/${fields.assetId}/v1/${fields.object ?? 'master.m3u8'}`,
    status: fields.status ?? 200,
    bytes: fields.bytes ?? 500,
    user_agent: fields.agent ?? 'hls.js/1.5',
    service_id: SERVICE_IDS[0],
  });
}

/** The cdn-logs function behind the real gateway (root route included) and authorizer, on MariaDB. */
describe('Function: cdn-logs', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let owner: { orgId: string; key: string };
  let otherOrg: { orgId: string; key: string };

  const ingest = (body: string | Buffer, headers: Record<string, string> = { 'x-log-secret': LOG_SECRET }) =>
    fetch(`${gateway.url}/cdn-logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  const stats = (videoId: string, key: string, query = '?from=2030-03-01&to=2030-03-31') =>
    fetch(`${gateway.url}/cdn-stats/videos/${videoId}${query}`, {
      headers: { authorization: `Bearer ${key}` },
    });

  async function ownedVideo(orgId: string): Promise<string> {
    const id = newId();
    await insertVideo(db.pool, { id, orgId, title: 'Clip', contentType: 'video/mp4', declaredBytes: 1 });
    return id;
  }

  async function batchCount(): Promise<number> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM cdn_log_batches');
    return Number(rows[0]?.n);
  }

  async function statsOf(videoId: string): Promise<Stats> {
    const response = await stats(videoId, owner.key);
    expect(response.status).toBe(200);
    return (await response.json()) as Stats;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'cdn_logs');
    owner = await createOrgWithKey(db.pool, ['videos:read'], { kind: 'creator' });
    otherOrg = await createOrgWithKey(db.pool, ['videos:read', 'videos:write'], { kind: 'creator' });
    runner = new FnRunner([
      functionUnderTest('cdn-logs', {
        MYSQL_URL: db.url,
        CDN_LOG_SECRET: `${LOG_SECRET},${RETIRING_LOG_SECRET}`,
        FASTLY_SERVICE_IDS: [...SERVICE_IDS, '*'].join(','),
        CDN_VIEWER_SALT: randomBytes(32).toString('hex'),
      }),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
    ]);
    gateway = await startGateway({
      runner,
      routes: cdnLogsManifest.routes.map((route) => ({ ...route, functionName: cdnLogsManifest.name })),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  describe('Method: challenge', () => {
    it('answers at the host root with the SHA-256 of each allowed service id, and `*`, one per line', async () => {
      // Act
      const origin = new URL(gateway.url).origin;
      const response = await fetch(`${origin}/.well-known/fastly/logging/challenge`);
      const elsewhere = await fetch(`${origin}/.well-known/other`);

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const lines = (await response.text()).split('\n').filter(Boolean);
      expect(lines).toEqual([
        createHash('sha256')
          .update(SERVICE_IDS[0] as string)
          .digest('hex'),
        createHash('sha256')
          .update(SERVICE_IDS[1] as string)
          .digest('hex'),
        '*',
      ]);
      expect(elsewhere.status).toBe(404);
    });
  });

  describe('Method: ingest', () => {
    it('counts requests, bytes, views and unique viewers per video and UTC day, skipping bad lines', async () => {
      // Prepare
      const video = await ownedVideo(owner.orgId);
      const otherVideo = await ownedVideo(owner.orgId);
      const body = [
        // 4 March: two viewers start playback, one of them twice; segments cost bytes, not views.
        logLine({ assetId: video, ip: '198.51.100.7', bytes: 600 }),
        logLine({ assetId: video, object: '720p/seg-00001.m4s', ip: '198.51.100.7', bytes: 100_000 }),
        logLine({ assetId: video, ip: '198.51.100.7', status: 304, bytes: 0 }),
        logLine({ assetId: video, ip: '203.0.113.20', agent: 'AppleCoreMedia/1.0', bytes: 600 }),
        // Same address, another player: another viewer.
        logLine({
          assetId: video,
          object: '720p/index.m3u8',
          ip: '203.0.113.20',
          agent: 'VLC/3.0',
          bytes: 300,
        }),
        // A refused token: a request, not a view, not a viewer.
        logLine({ assetId: video, ip: '192.0.2.99', status: 403, bytes: 20 }),
        // 5 March (UTC), written with an offset; the first viewer again.
        logLine({ assetId: video, at: '2030-03-05T01:00:00+0100', ip: '198.51.100.7', bytes: 600 }),
        logLine({ assetId: otherVideo, at: '2030-03-05T08:00:00Z', bytes: 700 }),
        'not json at all',
        '{"timestamp":"2030-03-04T10:00:00Z"}',
        JSON.stringify({ ...JSON.parse(logLine({ assetId: video })), url: '/favicon.ico' }),
        logLine({ assetId: newId() }),
        '',
      ].join('\n');

      // Act
      const response = await ingest(body);

      // Assess
      expect(response.status).toBe(200);
      expect((await response.json()) as Summary).toEqual({
        duplicate: false,
        counted: 8,
        malformed: 2,
        notAssets: 1,
        unknownAssets: 1,
      });
      const figures = await statsOf(video);
      expect(figures).toMatchObject({ videoId: video, from: '2030-03-01', to: '2030-03-31' });
      expect(figures.days).toEqual([
        { day: '2030-03-04', requests: 6, views: 3, bytes: 101_520, viewers: 3 },
        { day: '2030-03-05', requests: 1, views: 1, bytes: 600, viewers: 1 },
      ]);
      expect(figures.totals).toEqual({ requests: 7, views: 4, bytes: 102_120, viewers: 3 });
      expect((await statsOf(otherVideo)).totals).toEqual({ requests: 1, views: 1, bytes: 700, viewers: 1 });
    });

    it('keeps no client address: viewers are 16-byte salted hashes', async () => {
      // Prepare
      const video = await ownedVideo(owner.orgId);

      // Act
      const response = await ingest(logLine({ assetId: video, ip: '198.51.100.77' }));

      // Assess
      expect(response.status).toBe(200);
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT viewer_hash FROM cdn_viewers WHERE asset_id = ?',
        [video],
      );
      expect(rows).toHaveLength(1);
      const hash = rows[0]?.viewer_hash as Buffer;
      expect(hash).toHaveLength(16);
      expect(hash.toString('latin1')).not.toContain('198.51');
      expect(hash).not.toEqual(
        createHash('sha256').update('198.51.100.77\nhls.js/1.5').digest().subarray(0, 16),
      );
    });

    it('counts a batch once however often it is delivered, also concurrently', async () => {
      // Prepare
      const video = await ownedVideo(owner.orgId);
      const body = [
        logLine({ assetId: video, ip: '198.51.100.1' }),
        logLine({ assetId: video, ip: '198.51.100.2' }),
      ].join('\n');

      // Act
      const responses = await Promise.all(Array.from({ length: 6 }, () => ingest(body)));
      const later = await ingest(body);

      // Assess
      const summaries = (await Promise.all(responses.map((r) => r.json()))) as Summary[];
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(summaries.filter((s) => !s.duplicate)).toHaveLength(1);
      expect((await later.json()) as Summary).toMatchObject({ duplicate: true, counted: 0 });
      expect((await statsOf(video)).totals).toEqual({ requests: 2, views: 2, bytes: 1000, viewers: 2 });
    });

    it('adds a later batch without counting a known viewer of the same day again', async () => {
      // Prepare
      const video = await ownedVideo(owner.orgId);
      await ingest(logLine({ assetId: video, ip: '198.51.100.1', at: '2030-03-10T08:00:00Z' }));

      // Act
      const response = await ingest(
        [
          logLine({ assetId: video, ip: '198.51.100.1', at: '2030-03-10T09:00:00Z' }),
          logLine({ assetId: video, ip: '198.51.100.3', at: '2030-03-10T09:00:01Z' }),
        ].join('\n'),
      );

      // Assess
      expect(response.status).toBe(200);
      expect((await statsOf(video)).days).toEqual([
        { day: '2030-03-10', requests: 3, views: 3, bytes: 1500, viewers: 2 },
      ]);
    });

    it('takes the retiring secret and a gzipped batch', async () => {
      // Prepare
      const video = await ownedVideo(owner.orgId);

      // Act
      const response = await ingest(gzipSync(logLine({ assetId: video })), {
        'x-log-secret': RETIRING_LOG_SECRET,
        'content-encoding': 'gzip',
      });

      // Assess
      expect(response.status).toBe(200);
      expect((await response.json()) as Summary).toMatchObject({ duplicate: false, counted: 1 });
    });

    it('answers 401 to a missing or wrong secret and records nothing', async () => {
      // Prepare
      const video = await ownedVideo(owner.orgId);
      const body = logLine({ assetId: video });
      const before = await batchCount();

      // Act
      const responses = [
        await ingest(body, {}),
        // The last character changed, whatever it was (a fixed '0' matched one run in 16).
        await ingest(body, {
          'x-log-secret': `${LOG_SECRET.slice(0, -1)}${LOG_SECRET.endsWith('0') ? '1' : '0'}`,
        }),
        await ingest(body, { 'x-log-secret': LOG_SECRET.slice(0, 32) }),
      ];

      // Assess
      for (const response of responses) {
        expect(response.status).toBe(401);
        expect(((await response.json()) as { type: string }).type).toBe(
          'https://forgecast.dev/problems/unauthorized',
        );
      }
      expect(await batchCount()).toBe(before);
      expect((await statsOf(video)).days).toEqual([]);
    });

    it('answers 413 to a batch over 5 MiB, sent or unpacked, and records nothing', async () => {
      // Prepare
      const video = await ownedVideo(owner.orgId);
      const line = logLine({ assetId: video });
      const oversized = `${line}\n`.repeat(Math.ceil((MAX_BATCH_BYTES + 1) / (line.length + 1)));
      const before = await batchCount();

      // Act
      const sent = await ingest(oversized);
      const unpacked = await ingest(gzipSync(oversized), {
        'x-log-secret': LOG_SECRET,
        'content-encoding': 'gzip',
      });

      // Assess
      for (const response of [sent, unpacked]) {
        expect(response.status).toBe(413);
        expect(((await response.json()) as { type: string }).type).toBe(
          'https://forgecast.dev/problems/payload-too-large',
        );
      }
      expect(await batchCount()).toBe(before);
      expect((await statsOf(video)).days).toEqual([]);
    });
  });

  describe('Method: stats', () => {
    it('shows a video’s figures only to its owner', async () => {
      // Prepare
      const video = await ownedVideo(owner.orgId);
      await ingest(logLine({ assetId: video, ip: '198.51.100.50' }));

      // Act
      const response = await stats(video, otherOrg.key);

      // Assess
      expect(response.status).toBe(404);
      expect((await statsOf(video)).totals.views).toBe(1);
    });

    it('refuses a reversed or over-long range with 400', async () => {
      const video = await ownedVideo(owner.orgId);
      for (const query of [
        '?from=2030-03-10&to=2030-03-01',
        '?from=2028-01-01&to=2030-03-01',
        '?from=March',
      ]) {
        const response = await stats(video, owner.key, query);
        expect(response.status).toBe(400);
        expect(((await response.json()) as { type: string }).type).toBe(
          'https://forgecast.dev/problems/validation',
        );
      }
    });

    it('answers an unauthenticated call at the gateway with 401', async () => {
      const response = await fetch(`${gateway.url}/cdn-stats/videos/${newId()}`);
      expect(response.status).toBe(401);
    });
  });
});
