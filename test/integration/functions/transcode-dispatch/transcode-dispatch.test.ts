import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '#events/buckets.ts';
import type { ObjectStorageEvent } from '#events/object-storage-event.ts';
import { QUEUES } from '#events/queues.ts';
import { type ScheduleTick, scheduleTick } from '#events/schedule-tick.ts';
import { dispatchUpload } from '#functions/transcode-dispatch/dispatch.ts';
import { FAILED_SOURCE_RETENTION_SECONDS, runUpkeep } from '#functions/transcode-dispatch/upkeep.ts';
import { newId } from '#shared/ids.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { rawVideoKey } from '#shared/video/media-layout.ts';
import { type TranscodeJob, transcodeJobSchema } from '#shared/video/transcode-job.ts';
import { findVideo, insertVideo } from '#shared/video/video-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';

const REGION = 'local-1';
const S3_CREDENTIALS = { accessKeyId: 'DISPATCHTEST', secretAccessKey: 'transcode-dispatch-test-secret' };
const OTHER_BUCKET = 'other-uploads';
const FUNCTION = 'transcode-dispatch';
const MAX_ATTEMPTS = 3;
const STALE_SECONDS = 60;
const RETRY_AFTER_SECONDS = 60;

interface QueuedJob {
  readonly messageId: string;
  readonly job: TranscodeJob;
}

/** transcode-dispatch through the real FDK, on MariaDB (and its MySQL work queue) and the local S3 server. */
describe('Function: transcode-dispatch', () => {
  let db: TestDatabase;
  let s3: S3TestServer;
  let store: ObjectStore;
  let runner: FnRunner;
  let orgId: string;

  /** One delivery, as the event router or the scheduler makes it; the reply is the handler's outcome. */
  async function deliver(event: ObjectStorageEvent | ScheduleTick): Promise<EventOutcome> {
    const outcome = await runner.call(FUNCTION, {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(event)),
    });
    if (outcome.kind !== 'ok') throw new Error(`delivery ended ${outcome.kind}`);
    return JSON.parse(outcome.reply.body.toString('utf8')) as EventOutcome;
  }

  async function createdVideo(declaredBytes: number): Promise<string> {
    const id = newId();
    await insertVideo(db.pool, { id, orgId, title: `video ${id}`, contentType: 'video/mp4', declaredBytes });
    return id;
  }

  /** Puts the object into the local S3 server and returns the event the server emitted for it. */
  async function uploaded(bucket: string, key: string, bytes: Buffer): Promise<ObjectStorageEvent> {
    const { etag } = await store.put(bucket, key, bytes, { contentType: 'video/mp4' });
    const event = s3.events.findLast(
      (candidate) =>
        candidate.data.resourceName === key &&
        candidate.data.additionalDetails.bucketName === bucket &&
        candidate.data.additionalDetails.eTag === etag,
    );
    if (!event) throw new Error(`the S3 server emitted no event for ${bucket}/${key}`);
    return event;
  }

  async function jobsFor(assetId: string): Promise<QueuedJob[]> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT id, content FROM queue_messages WHERE queue = ? ORDER BY id',
      [QUEUES.transcode],
    );
    return rows
      .map((row) => ({ messageId: String(row.id), job: transcodeJobSchema.parse(JSON.parse(row.content)) }))
      .filter((queued) => queued.job.assetId === assetId);
  }

  async function outboxFor(
    assetId: string,
  ): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      `SELECT event_type, payload FROM outbox WHERE aggregate_type = 'video' AND aggregate_id = ? ORDER BY seq`,
      [assetId],
    );
    return rows.map((row) => ({
      type: row.event_type as string,
      payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    }));
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'transcode_dispatch');
    s3 = await startS3TestServer({
      tempPrefix: 'forgecast-transcode-dispatch-',
      ...S3_CREDENTIALS,
      region: REGION,
      buckets: [BUCKETS.rawVideo, BUCKETS.media, OTHER_BUCKET],
    });
    store = createS3ObjectStore({ endpoint: s3.server.endpoint, region: REGION, ...S3_CREDENTIALS });
    orgId = (await createOrgWithKey(db.pool, ['videos:write'], { kind: 'creator' })).orgId;
    runner = new FnRunner(
      [
        bundledFunction(FUNCTION, {
          MYSQL_URL: db.url,
          S3_ENDPOINT: s3.server.endpoint,
          S3_REGION: REGION,
          S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
          S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
          RAW_VIDEO_BUCKET: BUCKETS.rawVideo,
          MEDIA_BUCKET: BUCKETS.media,
          QUEUE_BACKEND: 'mysql',
          TRANSCODE_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
          TRANSCODE_STALE_SECONDS: String(STALE_SECONDS),
          DISPATCH_RETRY_AFTER_SECONDS: String(RETRY_AFTER_SECONDS),
        }),
      ],
      // Five containers, so five concurrent deliveries really run side by side.
      { processesPerFunction: 5 },
    );
  });
  afterAll(async () => {
    await runner?.close();
    await s3?.stop();
    await db?.drop();
  });

  describe('Upload events', () => {
    it('queues exactly one job naming the uploaded object, and marks the video queued', async () => {
      // Prepare
      const id = await createdVideo(3000);
      const event = await uploaded(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(3000));
      const etag = event.data.additionalDetails.eTag as string;

      // Act
      const outcome = await deliver(event);

      // Assess
      const jobs = await jobsFor(id);
      expect(jobs).toHaveLength(1);
      const [queued] = jobs as [QueuedJob];
      expect(outcome).toEqual({ status: 'processed', detail: { assetId: id, messageId: queued.messageId } });
      expect(queued.job).toMatchObject({
        version: 1,
        assetId: id,
        sourceBucket: BUCKETS.rawVideo,
        sourceKey: `uploads/${id}/source`,
        sourceEtag: etag,
        sourceBytes: 3000,
      });
      const video = await findVideo(db.pool, id);
      expect(video).toMatchObject({
        status: 'queued',
        sourceEtag: etag,
        sourceBytes: 3000,
        jobMessageId: queued.messageId,
        attempt: 0,
      });
      expect(video?.uploadedAt).toBeInstanceOf(Date);
      expect(video?.queuedAt).toBeInstanceOf(Date);
      // A worker on the same queue receives that very job.
      const queue = new MySqlWorkQueue({ pool: db.pool, name: QUEUES.transcode });
      const received = await queue.receive({ visibilitySeconds: 600, limit: 20 });
      expect(received.find((message) => message.id === queued.messageId)?.content).toBeDefined();
      expect(await outboxFor(id)).toEqual([]);
    });

    it('queues one job when the same event is delivered five times at once', async () => {
      // Prepare: three uploads, so a race has three chances to show.
      const ids = [await createdVideo(1500), await createdVideo(1500), await createdVideo(1500)];
      const events = [];
      for (const id of ids) events.push(await uploaded(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(1500)));
      // Five containers, each past its first S3 and database call, so the deliveries below overlap.
      const orphan = await uploaded(BUCKETS.rawVideo, rawVideoKey(newId()), randomBytes(10));
      const warmUps = await Promise.all(Array.from({ length: 5 }, () => deliver(orphan)));
      expect(warmUps.map((outcome) => outcome.status)).toEqual(Array(5).fill('ignored'));

      // Act
      const outcomes: string[][] = [];
      for (const event of events) {
        const round = await Promise.all(Array.from({ length: 5 }, () => deliver(event)));
        outcomes.push(round.map((outcome) => outcome.status).sort());
      }

      // Assess
      expect(outcomes).toEqual(
        Array(3).fill(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'processed']),
      );
      for (const id of ids) {
        const jobs = await jobsFor(id);
        expect(jobs).toHaveLength(1);
        expect((await findVideo(db.pool, id))?.jobMessageId).toBe(jobs[0]?.messageId);
      }

      // Act: and once more, later, as an at-least-once redelivery.
      const redelivered = await deliver(events[0] as ObjectStorageEvent);

      // Assess
      expect(redelivered).toEqual({ status: 'duplicate' });
      expect(await jobsFor(ids[0] as string)).toHaveLength(1);
    });

    it('ignores an object that is not a video upload', async () => {
      // Prepare
      const id = await createdVideo(100);
      const event = await uploaded(BUCKETS.rawVideo, `uploads/${id}/notes.txt`, randomBytes(100));

      // Act
      const outcome = await deliver(event);

      // Assess
      expect(outcome).toEqual({ status: 'ignored', reason: 'object name is not a video upload' });
      expect(await jobsFor(id)).toEqual([]);
      expect((await findVideo(db.pool, id))?.status).toBe('awaiting_upload');
    });

    it('ignores an upload to another bucket under a video’s source name', async () => {
      // Prepare
      const id = await createdVideo(100);
      const event = await uploaded(OTHER_BUCKET, rawVideoKey(id), randomBytes(100));

      // Act
      const outcome = await deliver(event);

      // Assess
      expect(outcome).toEqual({
        status: 'ignored',
        reason: `bucket ${OTHER_BUCKET} is not the raw-video bucket`,
      });
      expect(await jobsFor(id)).toEqual([]);
      expect((await findVideo(db.pool, id))?.status).toBe('awaiting_upload');
    });

    it('ignores an upload for an asset that does not exist', async () => {
      // Prepare
      const id = newId();
      const event = await uploaded(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(100));

      // Act
      const outcome = await deliver(event);

      // Assess
      expect(outcome).toEqual({ status: 'ignored', reason: `no video ${id}` });
      expect(await jobsFor(id)).toEqual([]);
      expect(await findVideo(db.pool, id)).toBeUndefined();
    });

    it('fails a video whose upload is larger than declared, with one video.failed event and no job', async () => {
      // Prepare
      const id = await createdVideo(1000);
      const event = await uploaded(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(1001));

      // Act
      const outcome = await deliver(event);
      const again = await deliver(event);

      // Assess
      expect(outcome).toEqual({ status: 'rejected', reason: 'source larger than declared' });
      expect(again).toEqual({ status: 'ignored', reason: 'the video already has a source (status failed)' });
      expect(await jobsFor(id)).toEqual([]);
      const video = await findVideo(db.pool, id);
      expect(video?.status).toBe('failed');
      expect(video?.failure).toEqual({
        code: 'source_too_large',
        reason: 'The upload is 1001 bytes but 1000 were declared',
      });
      expect(await outboxFor(id)).toEqual([
        {
          type: 'video.failed',
          payload: {
            videoId: id,
            code: 'source_too_large',
            reason: 'The upload is 1001 bytes but 1000 were declared',
          },
        },
      ]);
    });

    it('ignores an event naming an older version of the object, and dispatches the current one', async () => {
      // Prepare: the source is written twice before the first event arrives.
      const id = await createdVideo(800);
      const older = await uploaded(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(800));
      const current = await uploaded(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(700));
      expect(older.data.additionalDetails.eTag).not.toBe(current.data.additionalDetails.eTag);

      // Act
      const stale = await deliver(older);

      // Assess
      expect(stale).toEqual({ status: 'ignored', reason: 'the event names an older version of the source' });
      expect(await jobsFor(id)).toEqual([]);
      expect((await findVideo(db.pool, id))?.status).toBe('awaiting_upload');

      // Act
      const fresh = await deliver(current);

      // Assess
      expect(fresh.status).toBe('processed');
      const jobs = await jobsFor(id);
      expect(jobs.map((queued) => [queued.job.sourceEtag, queued.job.sourceBytes])).toEqual([
        [current.data.additionalDetails.eTag, 700],
      ]);
    });

    it('ignores a later replacement of a source that already has its job', async () => {
      // Prepare
      const id = await createdVideo(500);
      const first = await uploaded(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(500));
      expect((await deliver(first)).status).toBe('processed');
      const replacement = await uploaded(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(500));

      // Act
      const outcome = await deliver(replacement);

      // Assess
      expect(outcome).toEqual({
        status: 'ignored',
        reason: 'the video already has a source (status queued)',
      });
      const jobs = await jobsFor(id);
      expect(jobs.map((queued) => queued.job.sourceEtag)).toEqual([first.data.additionalDetails.eTag]);
      expect((await findVideo(db.pool, id))?.sourceEtag).toBe(first.data.additionalDetails.eTag);
    });

    it('rejects an event that is not an object or tick event without retrying it', async () => {
      // Act
      const outcome = await runner.call(FUNCTION, {
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from(JSON.stringify({ eventType: 'com.example.unknown', eventID: 'x' })),
      });

      // Assess: answered (no retry), with the contract violation as the reason.
      expect(outcome.kind).toBe('ok');
      const reply = JSON.parse(outcome.kind === 'ok' ? outcome.reply.body.toString('utf8') : '{}');
      expect(reply.status).toBe('rejected');
    });
  });

  describe('Upkeep', () => {
    /** A video mid-transcode, its last report `ageSeconds` ago by the database clock. */
    async function transcodingVideo(
      state: { status: 'queued' | 'transcoding'; attempt: number; lastError?: string; deliveries?: number },
      ageSeconds: number,
    ): Promise<string> {
      const id = await createdVideo(1000);
      await db.pool.query(
        `UPDATE video_assets
            SET status = ?, attempt = ?, deliveries = ?, last_error = ?, source_etag = 'd41d8cd98f00b204e9800998ecf8427e',
                source_bytes = 1000, job_message_id = 'message-1',
                worker_id = IF(? = 'transcoding', 'worker-gone', NULL),
                uploaded_at = NOW(3) - INTERVAL ? SECOND, queued_at = NOW(3) - INTERVAL ? SECOND,
                progress_at = NOW(3) - INTERVAL ? SECOND
          WHERE id = ?`,
        [
          state.status,
          state.attempt,
          state.deliveries ?? state.attempt,
          state.lastError ?? null,
          state.status,
          ageSeconds,
          ageSeconds,
          ageSeconds,
          id,
        ],
      );
      return id;
    }

    /** A stored source recorded as uploaded `ageSeconds` ago, with no job on the queue. */
    async function strandedUpload(ageSeconds: number): Promise<{ id: string; etag: string }> {
      const id = await createdVideo(1200);
      const { etag } = await store.put(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(1200));
      await db.pool.query(
        `UPDATE video_assets SET status = 'uploaded', source_etag = ?, source_bytes = 1200,
                uploaded_at = NOW(3) - INTERVAL ? SECOND
          WHERE id = ?`,
        [etag, ageSeconds, id],
      );
      return { id, etag };
    }

    // Every tick sweeps the whole table: settle what earlier tests left unfinished, so each tick
    // here counts only its own test's rows, however much time has passed.
    beforeEach(async () => {
      await db.pool.query(
        `UPDATE video_assets SET status = 'failed', failure_code = 'test_settled', failure_reason = 'settled'
          WHERE status IN ('uploaded', 'queued', 'transcoding', 'packaging')`,
      );
    });

    const tick = () => deliver(scheduleTick(FUNCTION, 'upkeep'));

    it('runs its upkeep when a schedule invokes it with an empty body', async () => {
      // Resource Scheduler is set to send the tick as the body; an empty one still means "tick".
      const outcome = await runner.call(FUNCTION, { headers: {}, body: Buffer.alloc(0) });
      if (outcome.kind !== 'ok') throw new Error(`delivery ended ${outcome.kind}`);
      const reply = JSON.parse(outcome.reply.body.toString('utf8')) as EventOutcome;
      expect(reply.status).toBe('processed');
      // The same upkeep summary a tick gets (its counts depend on the rows, its shape does not).
      const viaTick = await tick();
      expect(Object.keys((reply as { detail?: object }).detail ?? {}).sort()).toEqual(
        Object.keys((viaTick as { detail?: object }).detail ?? {}).sort(),
      );
      expect(Object.keys((viaTick as { detail?: object }).detail ?? {}).length).toBeGreaterThan(0);
    });

    it('gives up on assets whose last allowed attempt went silent, and leaves the others alone', async () => {
      // Prepare
      const silentLast = await transcodingVideo(
        {
          status: 'transcoding',
          attempt: MAX_ATTEMPTS,
          lastError: 'ffmpeg exited with code 1: moov atom not found',
        },
        STALE_SECONDS * 2,
      );
      const erroredLast = await transcodingVideo(
        { status: 'queued', attempt: MAX_ATTEMPTS, lastError: 'the source could not be read' },
        STALE_SECONDS * 2,
      );
      const silentNoError = await transcodingVideo(
        { status: 'transcoding', attempt: MAX_ATTEMPTS },
        STALE_SECONDS * 2,
      );
      const silentEarlier = await transcodingVideo(
        { status: 'transcoding', attempt: MAX_ATTEMPTS - 1, lastError: 'killed' },
        STALE_SECONDS * 2,
      );
      const busyLast = await transcodingVideo(
        { status: 'transcoding', attempt: MAX_ATTEMPTS, lastError: 'killed' },
        STALE_SECONDS / 2,
      );
      const erroredEarlier = await transcodingVideo(
        { status: 'queued', attempt: MAX_ATTEMPTS - 1, lastError: 'the source could not be read' },
        STALE_SECONDS * 2,
      );

      // Act
      const first = await tick();
      const second = await tick();

      // Assess
      expect(first).toEqual({ status: 'processed', detail: { failed: 3, redispatched: 0 } });
      expect(second).toEqual({ status: 'processed', detail: { failed: 0, redispatched: 0 } });
      const expectedReasons: Array<[string, string]> = [
        [silentLast, 'ffmpeg exited with code 1: moov atom not found'],
        [erroredLast, 'the source could not be read'],
        [silentNoError, 'the worker stopped reporting'],
      ];
      for (const [id, lastError] of expectedReasons) {
        const reason = `Transcoding gave up after ${MAX_ATTEMPTS} attempts: ${lastError}`;
        const video = await findVideo(db.pool, id);
        expect(video?.status).toBe('failed');
        expect(video?.failure).toEqual({ code: 'transcode_gave_up', reason });
        expect(video?.workerId).toBeNull();
        expect(video?.finishedAt).toBeInstanceOf(Date);
        expect(await outboxFor(id)).toEqual([
          { type: 'video.failed', payload: { videoId: id, code: 'transcode_gave_up', reason } },
        ]);
      }
      for (const [id, status] of [
        [silentEarlier, 'transcoding'],
        [busyLast, 'transcoding'],
        [erroredEarlier, 'queued'],
      ]) {
        const video = await findVideo(db.pool, id as string);
        expect(video?.status).toBe(status);
        expect(video?.failure).toBeNull();
        expect(await outboxFor(id as string)).toEqual([]);
      }
    });

    it('dispatches again an upload whose job never reached the queue, once', async () => {
      // Prepare
      const stranded = await strandedUpload(RETRY_AFTER_SECONDS * 2);
      const recent = await strandedUpload(0);

      // Act
      const first = await tick();
      const second = await tick();

      // Assess
      expect(first).toEqual({ status: 'processed', detail: { failed: 0, redispatched: 1 } });
      expect(second).toEqual({ status: 'processed', detail: { failed: 0, redispatched: 0 } });
      const jobs = await jobsFor(stranded.id);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]?.job).toMatchObject({
        assetId: stranded.id,
        sourceKey: rawVideoKey(stranded.id),
        sourceEtag: stranded.etag,
        sourceBytes: 1200,
      });
      expect(await findVideo(db.pool, stranded.id)).toMatchObject({
        status: 'queued',
        jobMessageId: jobs[0]?.messageId,
      });
      expect(await jobsFor(recent.id)).toEqual([]);
      expect((await findVideo(db.pool, recent.id))?.status).toBe('uploaded');
    });

    it('gives up on a job the queue delivered its last time even when fewer attempts were claimed', async () => {
      // Prepare: two deliveries were postponed behind a live attempt or released at shutdown
      const id = await transcodingVideo(
        { status: 'queued', attempt: 1, deliveries: MAX_ATTEMPTS, lastError: 'released for shutdown' },
        STALE_SECONDS * 2,
      );

      // Act
      const outcome = await tick();

      // Assess
      expect(outcome).toEqual({ status: 'processed', detail: { failed: 1, redispatched: 0 } });
      expect((await findVideo(db.pool, id))?.failure?.code).toBe('transcode_gave_up');
    });

    it('fails a stranded upload whose source was deleted or replaced since', async () => {
      // Prepare
      const deleted = await strandedUpload(RETRY_AFTER_SECONDS * 2);
      await store.delete(BUCKETS.rawVideo, rawVideoKey(deleted.id));
      const replaced = await strandedUpload(RETRY_AFTER_SECONDS * 2);
      await store.put(BUCKETS.rawVideo, rawVideoKey(replaced.id), randomBytes(1200));

      // Act
      const first = await tick();
      const second = await tick();

      // Assess: failed once each, so they stop coming back and never block newer uploads
      expect(first).toEqual({ status: 'processed', detail: { failed: 0, redispatched: 0 } });
      expect(second).toEqual(first);
      expect((await findVideo(db.pool, deleted.id))?.failure?.code).toBe('source_missing');
      expect((await findVideo(db.pool, replaced.id))?.failure?.code).toBe('source_replaced');
      expect(await jobsFor(deleted.id)).toEqual([]);
      expect(await jobsFor(replaced.id)).toEqual([]);
      expect(await outboxFor(replaced.id)).toHaveLength(1);
    });

    it('keeps an upload whose job could not be queued, so the watchdog dispatches it later', async () => {
      // Prepare: a queue that refuses the put, as OCI Queue does when it is unreachable
      const id = await createdVideo(1200);
      const event = await uploaded(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(1200));
      class RefusingQueue extends MySqlWorkQueue {
        override async put(): Promise<readonly string[]> {
          throw new Error('queue unreachable');
        }
      }
      const deps = {
        pool: db.pool,
        store,
        queue: new RefusingQueue({ pool: db.pool, name: QUEUES.transcode }),
        rawBucket: BUCKETS.rawVideo,
        mediaBucket: BUCKETS.media,
      };

      // Act
      const refused = dispatchUpload(deps, id, event.data.additionalDetails.eTag);
      await expect(refused).rejects.toThrow('queue unreachable');
      await db.pool.query(`UPDATE video_assets SET uploaded_at = NOW(3) - INTERVAL ? SECOND WHERE id = ?`, [
        RETRY_AFTER_SECONDS * 2,
        id,
      ]);
      const afterFailure = await findVideo(db.pool, id);
      const outcome = await tick();

      // Assess
      expect(afterFailure).toMatchObject({ status: 'uploaded', jobMessageId: null });
      expect(outcome).toEqual({ status: 'processed', detail: { failed: 0, redispatched: 1 } });
      expect(await jobsFor(id)).toHaveLength(1);
      expect((await findVideo(db.pool, id))?.status).toBe('queued');
    });

    it('puts a new job for one whose queue message outlived the queue retention', async () => {
      // Prepare: queued two days ago, never delivered to its last allowed time
      const id = await transcodingVideo({ status: 'queued', attempt: 1, deliveries: 1 }, 2 * 86_400);

      // Act
      const first = await tick();
      const second = await tick();

      // Assess
      expect(first).toEqual({ status: 'processed', detail: { failed: 0, redispatched: 0, requeued: 1 } });
      expect(second).toEqual({ status: 'processed', detail: { failed: 0, redispatched: 0 } });
      const jobs = await jobsFor(id);
      expect(jobs).toHaveLength(1);
      expect(await findVideo(db.pool, id)).toMatchObject({
        status: 'queued',
        jobMessageId: jobs[0]?.messageId,
      });
    });

    it('raises the packaging event again for an attempt stuck in packaging', async () => {
      // Prepare: the worker wrote its manifest, but vod-package never got through
      const id = await createdVideo(1000);
      const manifestKey = `videos/${id}/v1/transcode.json`;
      await store.put(BUCKETS.media, manifestKey, Buffer.from('{"stub":true}'));
      await db.pool.query(
        `UPDATE video_assets SET status = 'packaging', attempt = 1, progress_at = NOW(3) - INTERVAL ? SECOND WHERE id = ?`,
        [STALE_SECONDS * 2, id],
      );
      const eventsBefore = s3.events.filter((event) => event.data.resourceName === manifestKey).length;

      // Act
      const first = await tick();
      const second = await tick();

      // Assess: one fresh createobject for the manifest, and not again before the next stale period
      expect(first).toEqual({ status: 'processed', detail: { failed: 0, redispatched: 0, repackaged: 1 } });
      expect(second).toEqual({ status: 'processed', detail: { failed: 0, redispatched: 0 } });
      expect(s3.events.filter((event) => event.data.resourceName === manifestKey)).toHaveLength(
        eventsBefore + 1,
      );
    });

    it('ignores a tick meant for another function', async () => {
      // Prepare
      const silent = await transcodingVideo(
        { status: 'transcoding', attempt: MAX_ATTEMPTS },
        STALE_SECONDS * 2,
      );

      // Act
      const outcome = await deliver(scheduleTick('vod-package', 'upkeep'));

      // Assess
      expect(outcome).toEqual({ status: 'ignored', reason: 'a tick for vod-package' });
      expect((await findVideo(db.pool, silent))?.status).toBe('transcoding');
      expect(await tick()).toEqual({ status: 'processed', detail: { failed: 1, redispatched: 0 } });
    });

    it('deletes the source of a video that failed longer ago than the retention, once, and no other', async () => {
      // Prepare: two failed videos with their sources still uploaded, one failed long ago, and a
      // ready one; the retention is an hour.
      const failedVideo = async (failedSecondsAgo: number, status: 'failed' | 'ready' = 'failed') => {
        const id = await createdVideo(1200);
        await store.put(BUCKETS.rawVideo, rawVideoKey(id), randomBytes(1200));
        await db.pool.query(
          `UPDATE video_assets SET status = ?, failure_code = IF(? = 'failed', 'not_a_video', NULL),
                  finished_at = NOW(3) - INTERVAL ? SECOND WHERE id = ?`,
          [status, status, failedSecondsAgo, id],
        );
        return id;
      };
      const longFailed = await failedVideo(2 * 3600);
      const recentlyFailed = await failedVideo(600);
      const readyLongAgo = await failedVideo(2 * 3600, 'ready');
      const deps = {
        pool: db.pool,
        store,
        queue: new MySqlWorkQueue({ pool: db.pool, name: QUEUES.transcode }),
        rawBucket: BUCKETS.rawVideo,
        mediaBucket: BUCKETS.media,
      };
      const options = {
        maxAttempts: MAX_ATTEMPTS,
        staleSeconds: STALE_SECONDS,
        retryAfterSeconds: RETRY_AFTER_SECONDS,
        lostAfterSeconds: 90_000,
        failedSourceRetentionSeconds: 3600,
      };

      // Act
      const first = await runUpkeep(deps, options);
      const second = await runUpkeep(deps, options);

      // Assess
      expect(first.sourcesDeleted).toBeGreaterThanOrEqual(1);
      expect(second.sourcesDeleted).toBeUndefined();
      expect(await store.head(BUCKETS.rawVideo, rawVideoKey(longFailed))).toBeUndefined();
      expect(await store.head(BUCKETS.rawVideo, rawVideoKey(recentlyFailed))).toBeDefined();
      expect(await store.head(BUCKETS.rawVideo, rawVideoKey(readyLongAgo))).toBeDefined();
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT id, source_deleted_at FROM video_assets WHERE id IN (?)',
        [[longFailed, recentlyFailed, readyLongAgo]],
      );
      const deletedAt = new Map(rows.map((row) => [row.id as string, row.source_deleted_at]));
      expect(deletedAt.get(longFailed)).toBeInstanceOf(Date);
      expect(deletedAt.get(recentlyFailed)).toBeNull();
      expect(deletedAt.get(readyLongAgo)).toBeNull();
      // The failure itself stays readable.
      expect(await findVideo(db.pool, longFailed)).toMatchObject({ status: 'failed' });
    });

    it('keeps failed sources for a day in production', () => {
      expect(FAILED_SOURCE_RETENTION_SECONDS).toBe(86_400);
    });
  });
});
