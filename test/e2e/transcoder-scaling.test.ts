import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
import { newId } from '#shared/ids.ts';
import type { PoolMember } from '#shared/pool/container-pool.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import { rawVideoKey } from '#shared/video/media-layout.ts';
import type { TranscodeJob } from '#shared/video/transcode-job.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

interface ScaleDetail {
  desired: number;
  active: number;
  visible: number;
  inFlight: number;
  started: string[];
  stopped: string[];
  reason: string;
}

/** Polls until `check` holds; the test's own timeout bounds the wait. */
async function eventually<T>(read: () => Promise<T> | T, check: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const runningOrStarting = (members: readonly PoolMember[]) =>
  members
    .filter((member) => member.state === 'running' || member.state === 'starting')
    .map((member) => member.id);

/**
 * The transcoder-scaler function driving the local pool through the pool control API, as it
 * drives Container Instances in OCI: a pool of three slots that starts empty, a backlog of three
 * jobs, then the queue drained by the workers it started.
 */
describe('Scenario: the transcoder pool follows the queue', () => {
  let dataDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let queue: MySqlWorkQueue;

  async function tick(): Promise<ScaleDetail> {
    const outcome = await cloud.scheduler.runNow('transcoder-scaler');
    if (outcome.kind !== 'ok') throw new Error(`scaler tick: ${JSON.stringify(outcome)}`);
    const reply = JSON.parse(outcome.reply.body.toString('utf8')) as { status: string; detail: ScaleDetail };
    expect(reply.status).toBe('processed');
    return reply.detail;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-scaling-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'scaling_e2e');
    cloud = await startLocalCloud({
      dataDir,
      mysqlUrl: db.url,
      logLevel: 'warn',
      schedules: { autoStart: false },
      transcoders: { count: 0, min: 0, max: 3, env: { SHUTDOWN_GRACE_SECONDS: '0' } },
    });
    queue = new MySqlWorkQueue({ pool: db.pool, name: QUEUES.transcode });
  }, 120_000);
  afterAll(async () => {
    await cloud?.stop();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts a worker per waiting job up to max, then stops them one per tick once the queue is empty', async () => {
    // Prepare: three jobs nobody can take yet (for assets that do not exist: each worker drops its
    // job as needing no work, which drains the queue without ffmpeg)
    expect(runningOrStarting(cloud.transcoders.members())).toEqual([]);
    const jobs: TranscodeJob[] = [1, 2, 3].map(() => {
      const assetId = newId();
      return {
        version: 1,
        assetId,
        sourceBucket: 'raw-video',
        sourceKey: rawVideoKey(assetId),
        sourceEtag: 'etag',
        sourceBytes: 1,
        enqueuedAt: new Date().toISOString(),
      };
    });
    await queue.put(jobs.map((job) => JSON.stringify(job)));

    // Act + Assess: scale up at once
    const up = await tick();
    expect(up).toMatchObject({ visible: 3, desired: 3, active: 0 });
    expect(up.started).toEqual(['transcoder-1', 'transcoder-2', 'transcoder-3']);
    expect(runningOrStarting(cloud.transcoders.members())).toHaveLength(3);

    // The workers drain the queue.
    await eventually(
      () => queue.stats(),
      (stats) => stats.visible === 0 && stats.inFlight === 0,
    );

    // Scale down one stop per tick, waiting for each stop to finish, down to min (0).
    const stops: string[] = [];
    for (const expectedActive of [3, 2, 1]) {
      const down = await tick();
      expect(down).toMatchObject({ desired: 0, active: expectedActive, started: [] });
      expect(down.stopped).toHaveLength(1);
      stops.push(...down.stopped);
      await eventually(
        () => cloud.transcoders.members(),
        (members) =>
          runningOrStarting(members).length === expectedActive - 1 &&
          !members.some((m) => m.state === 'stopping'),
      );
    }
    expect(stops).toEqual(['transcoder-3', 'transcoder-2', 'transcoder-1']);
    expect(cloud.transcoders.members().map((member) => member.state)).toEqual([
      'stopped',
      'stopped',
      'stopped',
    ]);

    // A stopped slot stays stopped, and an empty pool at min is left alone.
    const idle = await tick();
    expect(idle).toMatchObject({ desired: 0, active: 0, started: [], stopped: [] });
  }, 180_000);

  it('re-evaluates from the queue when the backlog alarm notifies, whatever the alarm says', async () => {
    // Prepare: one waiting job (malformed: the worker that takes it deletes it), and an alarm
    // message as Notifications delivers it, claiming nothing useful about the queue.
    await queue.put(['{"version":1}']);
    const alarm = {
      dedupeKey: 'b7c2f1d0-transcode-backlog',
      title: 'transcode-backlog',
      body: null,
      type: 'OK_TO_FIRING',
      severity: 'WARNING',
      timestampEpochMillis: Date.now(),
      alarmMetaData: [
        { id: 'ocid1.alarm.oc1.phx.fake', status: 'FIRING', metricValues: [{ 'x[1m].max()': 999 }] },
      ],
      version: 1.5,
    };

    // Act
    const outcome = await cloud.runner.call('transcoder-scaler', {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(alarm)),
    });

    // Assess
    if (outcome.kind !== 'ok') throw new Error(`alarm delivery: ${JSON.stringify(outcome)}`);
    const reply = JSON.parse(outcome.reply.body.toString('utf8')) as { status: string; detail: ScaleDetail };
    expect(reply.status).toBe('processed');
    expect(reply.detail).toMatchObject({ visible: 1, desired: 1, started: ['transcoder-1'] });
  }, 60_000);
});
