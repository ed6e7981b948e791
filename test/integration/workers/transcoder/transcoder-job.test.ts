import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
import { type PackageDeps, packageAttempt } from '#functions/vod-package/package-attempt.ts';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { noCdnPurger } from '#shared/cdn/cdn.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import type { QueueMessage } from '#shared/queue/work-queue.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { completionManifestKey, rawVideoKey } from '#shared/video/media-layout.ts';
import type { TranscodeJob } from '#shared/video/transcode-job.ts';
import { findVideo, insertVideo, recordUpload } from '#shared/video/video-repository.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { makeTestVideo, makeTruncatedVideo } from '#test/support/videos.ts';
import { loadTranscoderConfig } from '../../../../workers/transcoder/config.ts';
import { type JobOutcome, JobRunner } from '../../../../workers/transcoder/job-runner.ts';
import { createMediaPipeline, permanentRefusal } from '../../../../workers/transcoder/produce.ts';

const REGION = 'local-1';
const RAW = 'raw-video';
const MEDIA = 'media';

/**
 * The transcoder's job runner against real parts (MariaDB, the S3 server, ffmpeg) and the packaging
 * step after it: the attempt number fences every write, so a worker that lost its lease publishes
 * nothing, and vod-package publishes an attempt once and only the current one.
 */
describe('Class: JobRunner (with vod-package)', () => {
  let db: TestDatabase;
  let pool: DbPool;
  let s3: S3TestServer;
  let store: ObjectStore;
  let queue: MySqlWorkQueue;
  let workRoot: string;
  let videosDir: string;
  let orgId: string;
  let packaging: PackageDeps;

  function runner(options: { heartbeatSeconds?: number } = {}): JobRunner {
    const config = loadTranscoderConfig({
      MYSQL_URL: db.url,
      S3_ENDPOINT: s3.server.endpoint,
      S3_REGION: REGION,
      S3_ACCESS_KEY_ID: 'JOBKEY',
      S3_SECRET_ACCESS_KEY: 'job-secret',
      RAW_VIDEO_BUCKET: RAW,
      MEDIA_BUCKET: MEDIA,
      TRANSCODE_PRESET: 'ultrafast',
    });
    return new JobRunner(
      {
        pool,
        queue,
        store,
        media: createMediaPipeline(config),
        mediaBucket: MEDIA,
        rawBucket: RAW,
        workerId: 'test-worker',
        workRoot,
        permanentRefusal,
        log: () => {},
      },
      {
        leaseSeconds: 30,
        stallSeconds: 120,
        heartbeatSeconds: options.heartbeatSeconds ?? 1,
        maxAttempts: 3,
        retryBaseSeconds: 0,
      },
    );
  }

  /** An uploaded video with its job on the queue, as transcode-dispatch leaves it. */
  async function uploaded(path: string, overrides: Partial<TranscodeJob> = {}): Promise<string> {
    const id = newId();
    const bytes = await readFile(path);
    await insertVideo(pool, {
      id,
      orgId,
      title: 'clip',
      contentType: 'video/mp4',
      declaredBytes: bytes.length,
    });
    const { etag } = await store.put(RAW, rawVideoKey(id), bytes);
    const connection = await pool.getConnection();
    try {
      await recordUpload(connection, id, { etag, bytes: bytes.length });
    } finally {
      connection.release();
    }
    const job: TranscodeJob = {
      version: 1,
      assetId: id,
      sourceBucket: RAW,
      sourceKey: rawVideoKey(id),
      sourceEtag: etag,
      sourceBytes: bytes.length,
      enqueuedAt: new Date().toISOString(),
      ...overrides,
    };
    await queue.put([JSON.stringify(job)]);
    return id;
  }

  async function lease(): Promise<QueueMessage> {
    const [message] = await queue.receive({ visibilitySeconds: 30, limit: 1 });
    if (!message) throw new Error('no job on the queue');
    return message;
  }

  async function outboxCount(id: string, type: string): Promise<number> {
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM outbox WHERE aggregate_id = ? AND event_type = ?',
      [id, type],
    );
    return Number(rows[0]?.n ?? 0);
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'transcoder_job');
    pool = createPool(db.url);
    s3 = await startS3TestServer({
      tempPrefix: 'fc-transcoder-job-',
      accessKeyId: 'JOBKEY',
      secretAccessKey: 'job-secret',
      region: REGION,
      buckets: [RAW, MEDIA],
    });
    store = createS3ObjectStore({
      endpoint: s3.server.endpoint,
      region: REGION,
      accessKeyId: 'JOBKEY',
      secretAccessKey: 'job-secret',
    });
    queue = new MySqlWorkQueue({ pool, name: QUEUES.transcode, maxDeliveries: 3 });
    workRoot = await mkdtemp(join(tmpdir(), 'fc-job-work-'));
    videosDir = await mkdtemp(join(tmpdir(), 'fc-job-src-'));
    orgId = newId();
    await insertOrganisation(pool, { id: orgId, name: 'studio', kind: 'creator' });
    packaging = { pool, store, cdn: noCdnPurger, bucket: MEDIA, log: () => {} };
  }, 60_000);

  // Each test leases the one job it made; a lost lease legitimately leaves its message in flight.
  beforeEach(async () => {
    await pool.query('DELETE FROM queue_messages');
  });

  afterAll(async () => {
    await pool?.end();
    await s3?.stop();
    await db?.drop();
    await rm(workRoot, { recursive: true, force: true });
    await rm(videosDir, { recursive: true, force: true });
  });

  it('publishes an attempt once: the worker writes the manifest last, vod-package makes it ready once', async () => {
    // Prepare
    const id = await uploaded(
      await makeTestVideo(videosDir, { width: 426, height: 240, seconds: 3, audio: true, codec: 'mpeg4' }),
    );

    // Act
    const outcome = await runner().run(await lease());
    const first = await packageAttempt(packaging, { assetId: id, attempt: 1 });
    const again = await packageAttempt(packaging, { assetId: id, attempt: 1 });

    // Assess
    expect(outcome).toBe('published');
    expect(await queue.stats()).toMatchObject({ visible: 0, inFlight: 0 });
    expect(first.status).toBe('processed');
    expect(again.status).toBe('duplicate');
    const video = await findVideo(pool, id);
    expect(video?.status).toBe('ready');
    expect(video?.mediaPrefix).toBe(`videos/${id}/v1/`);
    expect(video?.renditions?.map((r) => r.name)).toEqual(['240p']);
    expect(await store.head(MEDIA, `videos/${id}/v1/master.m3u8`)).toBeDefined();
    expect(await outboxCount(id, 'video.ready')).toBe(1);
  }, 120_000);

  it('abandons an attempt another worker took over: no manifest, nothing published', async () => {
    // Prepare: a source long enough to still be transcoding when the takeover happens
    const id = await uploaded(
      await makeTestVideo(videosDir, { width: 1280, height: 720, seconds: 8, audio: false, codec: 'mpeg4' }),
    );
    const running = runner().run(await lease());
    for (;;) {
      const video = await findVideo(pool, id);
      if (video?.status === 'transcoding') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Act: another worker claims the next attempt (as after a lapsed lease)
    await pool.query('UPDATE video_assets SET attempt = attempt + 1, worker_id = ? WHERE id = ?', [
      'other',
      id,
    ]);
    const outcome: JobOutcome = await running;

    // Assess
    expect(outcome).toBe('lease_lost');
    expect(await store.head(MEDIA, completionManifestKey(id, 1))).toBeUndefined();
    const video = await findVideo(pool, id);
    expect(video).toMatchObject({ status: 'transcoding', attempt: 2, workerId: 'other' });
    expect(await outboxCount(id, 'video.ready')).toBe(0);
  }, 120_000);

  it('ignores the manifest of a superseded attempt in vod-package', async () => {
    // Prepare: attempt 1 finishes, but attempt 2 has since taken the asset
    const id = await uploaded(
      await makeTestVideo(videosDir, { width: 320, height: 180, seconds: 2, audio: false, codec: 'mpeg4' }),
    );
    expect(await runner().run(await lease())).toBe('published');
    await pool.query("UPDATE video_assets SET attempt = 2, status = 'transcoding' WHERE id = ?", [id]);

    // Act
    const outcome = await packageAttempt(packaging, { assetId: id, attempt: 1 });

    // Assess
    expect(outcome).toMatchObject({ status: 'ignored' });
    expect((await findVideo(pool, id))?.status).toBe('transcoding');
    expect(await store.head(MEDIA, `videos/${id}/v1/master.m3u8`)).toBeUndefined();
  }, 120_000);

  it('refuses to publish an attempt with a missing segment, and fails the video with the reason', async () => {
    // Prepare
    const id = await uploaded(
      await makeTestVideo(videosDir, { width: 320, height: 180, seconds: 6, audio: true, codec: 'mpeg4' }),
    );
    expect(await runner().run(await lease())).toBe('published');
    const segments = (await store.list(MEDIA, `videos/${id}/v1/`)).filter((o) => o.key.endsWith('.m4s'));
    const victim = segments[1];
    if (!victim) throw new Error('expected at least two segments');
    await store.delete(MEDIA, victim.key);

    // Act
    const outcome = await packageAttempt(packaging, { assetId: id, attempt: 1 });

    // Assess
    expect(outcome.status).toBe('rejected');
    const video = await findVideo(pool, id);
    expect(video?.status).toBe('failed');
    expect(video?.failure?.code).toBe('packaging_rejected');
    expect(video?.failure?.reason).toContain('segment_missing');
    expect(await store.head(MEDIA, `videos/${id}/v1/master.m3u8`)).toBeUndefined();
    expect(await outboxCount(id, 'video.failed')).toBe(1);
  }, 120_000);

  it('postpones a duplicate job while a live attempt holds the asset', async () => {
    // Prepare
    const id = await uploaded(
      await makeTestVideo(videosDir, { width: 320, height: 180, seconds: 2, audio: false, codec: 'mpeg4' }),
    );
    await pool.query(
      "UPDATE video_assets SET status = 'transcoding', attempt = 1, worker_id = 'alive', progress_at = NOW(3) WHERE id = ?",
      [id],
    );

    // Act
    const outcome = await runner().run(await lease());

    // Assess
    expect(outcome).toBe('postponed');
    expect(await queue.stats()).toMatchObject({ visible: 0, inFlight: 1 });
    expect(await findVideo(pool, id)).toMatchObject({ attempt: 1, workerId: 'alive' });
  }, 60_000);

  it('drops a job made for another version of the source', async () => {
    // Prepare
    await uploaded(
      await makeTestVideo(videosDir, { width: 320, height: 180, seconds: 2, audio: false, codec: 'mpeg4' }),
      {
        sourceEtag: '0123456789abcdef0123456789abcdef',
      },
    );

    // Act
    const outcome = await runner().run(await lease());

    // Assess
    expect(outcome).toBe('duplicate');
    expect(await queue.stats()).toMatchObject({ visible: 0, inFlight: 0 });
  }, 60_000);

  it('retries a failed attempt later, keeping the reason, and gives up after the last delivery', async () => {
    // Prepare: a source that probes as a full-length video but ends early
    const id = await uploaded(await makeTruncatedVideo(videosDir));
    const outcomes: JobOutcome[] = [];

    // Act
    for (let delivery = 1; delivery <= 3; delivery += 1) {
      outcomes.push(await runner().run(await lease()));
      if (delivery === 1) {
        const video = await findVideo(pool, id);
        expect(video?.status).toBe('queued');
        expect(video?.lastError).toMatch(/truncated|corrupt/);
      }
    }

    // Assess
    expect(outcomes).toEqual(['retry', 'retry', 'gave_up']);
    const video = await findVideo(pool, id);
    expect(video?.status).toBe('failed');
    expect(video?.failure?.code).toBe('transcode_gave_up');
    expect(await queue.receive({ visibilitySeconds: 30 })).toHaveLength(0);
    expect((await queue.deadLetters()).some((message) => message.content.includes(id))).toBe(true);
  }, 120_000);
});
