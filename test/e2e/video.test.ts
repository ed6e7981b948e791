import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { parseMasterPlaylist, parseMediaPlaylist } from '#shared/video/hls-playlist.ts';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeNonVideo, makeTestVideo, makeTruncatedVideo } from '../support/videos.ts';

const exec = promisify(execFile);
const MAX_ATTEMPTS = 3;

interface VideoView {
  id: string;
  status: string;
  progressPercent: number | null;
  attempt: number;
  failure: { code: string; reason: string } | null;
  lastError: string | null;
  mode: string | null;
  durationSeconds: number | null;
  renditions: { name: string; width: number; height: number; bandwidth: number; codecs: string }[];
  poster: { url: string } | null;
  playback: { url: string } | null;
  upload?: { url: string; method: string; headers: Record<string, string> };
}

/**
 * Video on demand as a creator and a viewer live it, through the local cloud: create an asset,
 * upload to the presigned URL, watch the status move, then play every rendition through the edge
 * with a real HLS client. Then the bad days: a worker killed mid-transcode, a file that is not a
 * video, a file that breaks the transcoder every time.
 */
describe('Video on demand end to end (local cloud, as its clients)', () => {
  let dataDir: string;
  let videosDir: string;
  let db: TestDatabase;
  let pool: DbPool;
  let cloud: LocalCloud;
  let creatorKey: string;

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${cloud.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${creatorKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  async function uploadVideo(path: string, title: string, contentType = 'video/mp4'): Promise<string> {
    const bytes = await readFile(path);
    const created = await api('POST', '/videos', { title, contentType, sizeBytes: bytes.length });
    expect(created.status).toBe(201);
    const video = (await created.json()) as VideoView;
    expect(video.status).toBe('awaiting_upload');
    if (!video.upload) throw new Error('no upload URL');
    const put = await fetch(video.upload.url, { method: 'PUT', headers: video.upload.headers, body: bytes });
    expect(put.status).toBe(200);
    return video.id;
  }

  async function getVideo(id: string): Promise<VideoView> {
    const response = await api('GET', `/videos/${id}`);
    expect(response.status).toBe(200);
    return (await response.json()) as VideoView;
  }

  async function waitFor(
    id: string,
    done: (video: VideoView) => boolean,
    seen: Set<string> = new Set(),
  ): Promise<VideoView> {
    for (;;) {
      const video = await getVideo(id);
      seen.add(video.status);
      if (done(video)) return video;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const settled = (video: VideoView) => video.status === 'ready' || video.status === 'failed';

  async function outboxEvents(id: string, type: string): Promise<number> {
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM outbox WHERE aggregate_id = ? AND event_type = ?',
      [id, type],
    );
    return Number(rows[0]?.n ?? 0);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-video-'));
    videosDir = await mkdtemp(join(tmpdir(), 'fc-video-src-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'video_e2e');
    pool = createPool(db.url);
    cloud = await startLocalCloud({
      dataDir,
      mysqlUrl: db.url,
      logLevel: 'warn',
      authorizerCacheMs: 0,
      schedules: { autoStart: false },
      transcoders: {
        count: 1,
        env: {
          TRANSCODE_PRESET: 'ultrafast',
          TRANSCODE_LEASE_SECONDS: '4',
          TRANSCODE_HEARTBEAT_SECONDS: '1',
          TRANSCODE_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
          TRANSCODE_RETRY_BASE_SECONDS: '0',
          SHUTDOWN_GRACE_SECONDS: '0',
        },
      },
    });
    const operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
    const created = await fetch(`${cloud.gatewayUrl}/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'A studio', kind: 'creator', scopes: ['videos:write'] }),
    });
    expect(created.status).toBe(201);
    creatorKey = ((await created.json()) as { apiKey: { key: string } }).apiKey.key;
  }, 120_000);

  afterAll(async () => {
    await cloud?.stop();
    await pool?.end();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(videosDir, { recursive: true, force: true });
  });

  it('transcodes an upload into a ladder that a real HLS client plays, rung by rung, through the edge', async () => {
    // Prepare: MPEG-4 Part 2 cannot be remuxed into HLS, so this takes the ladder path.
    const source = await makeTestVideo(videosDir, {
      width: 854,
      height: 480,
      seconds: 6,
      audio: true,
      codec: 'mpeg4',
    });
    const seen = new Set<string>();

    // Act
    const id = await uploadVideo(source, 'Ladder');
    const video = await waitFor(id, settled, seen);

    // Assess: the life the creator watched, and what was published
    expect(video.failure).toBeNull();
    expect(video.status).toBe('ready');
    expect(seen.has('transcoding') || seen.has('packaging') || seen.has('queued')).toBe(true);
    expect(video.mode).toBe('ladder');
    expect(video.renditions.map((r) => r.name)).toEqual(['480p', '360p']);
    expect(video.renditions.map((r) => r.height)).toEqual([480, 360]);
    expect(video.durationSeconds).toBeCloseTo(6, 0);
    if (!video.playback || !video.poster) throw new Error('no playback or poster URL');

    const poster = await fetch(video.poster.url);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');

    const masterResponse = await fetch(video.playback.url);
    expect(masterResponse.status).toBe(200);
    const master = parseMasterPlaylist(await masterResponse.text());
    expect(master.variants).toHaveLength(2);
    const boundaries: number[][] = [];
    for (const variant of master.variants) {
      expect(String(variant.codecs)).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
      expect(variant.averageBandwidth).toBeLessThanOrEqual(variant.bandwidth);
      expect(variant.frameRate).toBeCloseTo(30, 1);
      const mediaUrl = new URL(variant.uri, video.playback.url).toString();
      const media = parseMediaPlaylist(await (await fetch(mediaUrl)).text());
      let end = 0;
      boundaries.push(media.segments.map((segment) => (end += segment.duration)));
      // A real client decodes the whole rendition over HTTP: playlist, init segment, every segment.
      const decoded = await exec('ffmpeg', ['-v', 'error', '-i', mediaUrl, '-f', 'null', '-']);
      expect(decoded.stderr).toBe('');
    }
    expect(boundaries[0]).toHaveLength(boundaries[1]?.length ?? -1);
    const [top, bottom] = boundaries;
    for (const [index, at] of (top ?? []).entries()) {
      expect(Math.abs(at - (bottom?.[index] ?? Number.NaN))).toBeLessThan(0.1);
    }

    // ffprobe reads the master playlist itself and finds every variant's streams.
    const probe = await exec('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,height',
      '-of',
      'json',
      video.playback.url,
    ]);
    const heights = (JSON.parse(probe.stdout) as { streams: { height?: number }[] }).streams
      .map((s) => s.height)
      .filter((h) => h !== undefined);
    expect(new Set(heights)).toEqual(new Set([480, 360]));

    // The edge refuses a tampered token.
    const tampered = video.playback.url.replace(
      /_([0-9a-f])/,
      (_m, c: string) => `_${c === '0' ? '1' : '0'}`,
    );
    expect((await fetch(tampered)).status).toBe(403);

    expect(await outboxEvents(id, 'video.ready')).toBe(1);
  }, 180_000);

  it('packages an H.264/AAC upload within the top rung without re-encoding it', async () => {
    // Prepare
    const source = await makeTestVideo(videosDir, {
      width: 640,
      height: 360,
      seconds: 4,
      audio: true,
      codec: 'h264',
      gop: 30,
      faststart: true,
    });

    // Act
    const id = await uploadVideo(source, 'Remux');
    const video = await waitFor(id, settled);

    // Assess
    expect(video.failure).toBeNull();
    expect(video.mode).toBe('remux');
    expect(video.renditions).toHaveLength(1);
    expect(video.renditions[0]).toMatchObject({ name: 'source', width: 640, height: 360 });
    if (!video.playback) throw new Error('no playback URL');
    const decoded = await exec('ffmpeg', ['-v', 'error', '-i', video.playback.url, '-f', 'null', '-']);
    expect(decoded.stderr).toBe('');
  }, 120_000);

  it('refuses a file that is not a video at once, with the reason', async () => {
    // Prepare
    const notAVideo = await makeNonVideo(videosDir);

    // Act
    const id = await uploadVideo(notAVideo, 'Not a video');
    const video = await waitFor(id, settled);

    // Assess
    expect(video.status).toBe('failed');
    expect(video.failure?.code).toBe('not_a_video');
    expect(video.failure?.reason).toMatch(/not a video/i);
    expect(video.attempt).toBe(1);
    expect(video.playback).toBeNull();
    expect(await outboxEvents(id, 'video.failed')).toBe(1);
  }, 60_000);

  it(`fails a poison input after ${MAX_ATTEMPTS} attempts, with the reason, and dead-letters its job`, async () => {
    // Prepare: a file that probes as a full-length video but ends early, every time
    const truncated = await makeTruncatedVideo(videosDir);
    const queue = new MySqlWorkQueue({ pool, name: QUEUES.transcode, maxDeliveries: MAX_ATTEMPTS });

    // Act
    const id = await uploadVideo(truncated, 'Truncated');
    const video = await waitFor(id, settled);

    // Assess
    expect(video.status).toBe('failed');
    expect(video.failure?.code).toBe('transcode_gave_up');
    expect(video.failure?.reason).toContain(`after ${MAX_ATTEMPTS} attempts`);
    expect(video.attempt).toBe(MAX_ATTEMPTS);
    // The worker left the message visible; the next receive moves it to the dead-letter queue.
    for (;;) {
      const dead = await queue.deadLetters();
      if (dead.some((message) => message.content.includes(id))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await outboxEvents(id, 'video.failed')).toBe(1);
  }, 120_000);

  it('survives a worker killed mid-transcode: the job comes back, the video is published once', async () => {
    // Prepare: long enough to be caught mid-transcode on a slow machine
    const source = await makeTestVideo(videosDir, {
      width: 1280,
      height: 720,
      seconds: 12,
      audio: true,
      codec: 'mpeg4',
    });
    const id = await uploadVideo(source, 'Killed mid-way');
    const first = await waitFor(id, (video) => (video.progressPercent ?? 0) > 0 || settled(video));
    expect(first.status).toBe('transcoding');
    const victim = cloud.transcoders.workers[0];
    if (!victim) throw new Error('no worker');

    // Act
    victim.kill('SIGKILL');
    const exit = await victim.exited;
    const video = await waitFor(id, settled);

    // Assess
    expect(exit.signal).toBe('SIGKILL');
    expect(video.status).toBe('ready');
    expect(video.attempt).toBe(2);
    expect(await outboxEvents(id, 'video.ready')).toBe(1);
    const store = createS3ObjectStore({
      endpoint: cloud.s3Endpoint,
      region: cloud.platformEnv.S3_REGION ?? '',
      accessKeyId: cloud.platformEnv.S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: cloud.platformEnv.S3_SECRET_ACCESS_KEY ?? '',
    });
    const objects = await store.list('media', `videos/${id}/`);
    const attempts = new Set(objects.map((object) => object.key.split('/')[2]));
    expect(attempts).toEqual(new Set(['v2']));
    expect(objects.filter((object) => object.key.endsWith('/transcode.json'))).toHaveLength(1);
    expect(objects.filter((object) => object.key.endsWith('/master.m3u8'))).toHaveLength(1);
  }, 240_000);

  it('hands the job back at once when a worker is told to stop mid-transcode (scale-in)', async () => {
    // Prepare
    const source = await makeTestVideo(videosDir, {
      width: 1280,
      height: 720,
      seconds: 12,
      audio: false,
      codec: 'mpeg4',
    });
    const id = await uploadVideo(source, 'Scaled in');
    await waitFor(id, (video) => (video.progressPercent ?? 0) > 0 || settled(video));
    const worker = cloud.transcoders.workers[0];
    if (!worker) throw new Error('no worker');

    // Act
    worker.kill('SIGTERM');
    const exit = await worker.exited;
    const video = await waitFor(id, settled);

    // Assess: a clean exit, the released attempt taken up by the replacement, published once
    expect(exit.code).toBe(0);
    expect(video.status).toBe('ready');
    expect(video.attempt).toBe(2);
    expect(await outboxEvents(id, 'video.ready')).toBe(1);
  }, 240_000);
});
