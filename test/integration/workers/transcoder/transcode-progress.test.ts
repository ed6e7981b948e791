import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { newId } from '#shared/ids.ts';
import type { WorkQueue } from '#shared/queue/work-queue.ts';
import { findVideo, insertVideo, recordUpload } from '#shared/video/video-repository.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { JobLease, type LeaseLostError } from '../../../../workers/transcoder/lease.ts';

/**
 * A transcode's progress reaches the database as it moves (the studio's "transcoding 42 %"), not
 * only once per heartbeat: a whole percent more and the interval passed → one write.
 */
describe('transcode progress between heartbeats (real MariaDB)', () => {
  let db: TestDatabase;
  let orgId: string;
  // Heartbeats are not started here: only report() writes. The queue is never touched by it.
  const unusedQueue = {} as WorkQueue;

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'transcode_progress');
    orgId = newId();
    await insertOrganisation(db.pool, { id: orgId, name: 'Progress studio', kind: 'creator' });
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** A video claimed by attempt 1, as the transcoder holds it. */
  async function transcoding(): Promise<string> {
    const id = newId();
    await insertVideo(db.pool, { id, orgId, title: 'clip', contentType: 'video/mp4', declaredBytes: 10 });
    const connection = await db.pool.getConnection();
    try {
      await recordUpload(connection, id, { etag: 'etag-1', bytes: 10 });
    } finally {
      connection.release();
    }
    await db.pool.query(
      "UPDATE video_assets SET status = 'transcoding', attempt = 1, progress_percent = 0 WHERE id = ?",
      [id],
    );
    return id;
  }

  const progressOf = async (id: string) => (await findVideo(db.pool, id))?.progressPercent;

  function lease(assetId: string, progressIntervalMs: number, lost: LeaseLostError[] = []): JobLease {
    return new JobLease({
      pool: db.pool,
      queue: unusedQueue,
      receipt: 'r',
      assetId,
      attempt: 1,
      leaseSeconds: 60,
      heartbeatSeconds: 60,
      progressIntervalMs,
      onLost: (error) => lost.push(error),
    });
  }

  it('writes a whole percent more at once, and nothing for a fraction or within the interval', async () => {
    // Prepare
    const id = await transcoding();
    const job = lease(id, 0);

    // Act: 42 is written; 42.6 is the same whole percent
    job.report(42);
    await job.stop();
    const first = await progressOf(id);
    job.report(42.6);
    await job.stop();

    // Assess
    expect(first).toBe(42);
    expect(await progressOf(id)).toBe(42);
  });

  it('waits the interval between writes (the heartbeat still carries the latest)', async () => {
    // Prepare
    const id = await transcoding();
    const job = lease(id, 60_000);

    // Act: the first report writes (none before it); the next within the minute does not
    job.report(10);
    await job.stop();
    job.report(55);
    await job.stop();

    // Assess
    expect(await progressOf(id)).toBe(10);
    expect(job.percent).toBe(55);
  });

  it('loses the lease when a newer attempt took the video', async () => {
    // Prepare
    const id = await transcoding();
    await db.pool.query('UPDATE video_assets SET attempt = 2 WHERE id = ?', [id]);
    const lost: LeaseLostError[] = [];
    const job = lease(id, 0, lost);

    // Act
    job.report(30);
    await job.stop();

    // Assess
    expect(lost).toHaveLength(1);
    expect(await progressOf(id)).toBe(0);
  });
});
