import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { OBJECT_EVENT_TYPES, type ObjectStorageEvent } from '#events/object-storage-event.ts';
import type { EventRule } from '#events/rules.ts';
import { listDeadLetters } from '#shared/delivery/dead-letters.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { probeFunction } from '#test/support/probe.ts';
import { deadLettersToDatabase, EventRouter } from '../../../../infra/local/event-router.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import {
  type RunningMetricsCollector,
  startMetricsCollector,
} from '../../../../infra/local/metrics/collector.ts';
import { type RunningS3Server, startS3Server } from '../../../../infra/local/s3/server.ts';

const credentials = { accessKeyId: 'TESTKEY', secretAccessKey: 'test-secret-key' };
const rule = (functionName: string, bucket = 'incoming'): EventRule => ({
  name: `${functionName}-on-${bucket}`,
  condition: {
    eventType: [OBJECT_EVENT_TYPES.created],
    data: { additionalDetails: { bucketName: [bucket] } },
  },
  functionName,
});

describe('Class: EventRouter with the embedded object store', () => {
  let dir: string;
  let s3: RunningS3Server;
  let runner: FnRunner;
  let router: EventRouter;
  let client: S3Client;
  const published: ObjectStorageEvent[] = [];

  // Where the local cloud sends dead letters: the platform database and the metrics collector.
  let db: TestDatabase;
  let collector: RunningMetricsCollector;
  let deadLetterSink: ReturnType<typeof deadLettersToDatabase> | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'event_router');
    collector = await startMetricsCollector({ port: 0 });
  });
  afterAll(async () => {
    await collector?.close();
    await db?.drop();
  });

  async function start(env: Record<string, string>, maxAttempts = 3) {
    runner = new FnRunner([
      probeFunction('consumer', { PROBE_KIND: 'event', PROBE_LOG: join(dir, 'deliveries.log'), ...env }),
    ]);
    deadLetterSink = deadLettersToDatabase(db.url, {
      METRICS_BACKEND: 'push',
      METRICS_PUSH_URL: collector.pushUrl,
      METRICS_FLUSH_SECONDS: '1',
    });
    router = new EventRouter({
      rules: [rule('consumer')],
      runner,
      dataDir: join(dir, 'events'),
      maxAttempts,
      firstBackoffMs: 20,
      onDeadLetter: deadLetterSink.onDeadLetter,
    });
    await router.start();
    s3 = await startS3Server({
      dataDir: join(dir, 'objects'),
      ...credentials,
      region: 'local-1',
      namespace: 'ns',
      buckets: ['incoming', 'other'],
      onObjectEvent: (event) => {
        published.push(event);
        return router.publish(event);
      },
    });
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'local-1',
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  const deliveries = async () =>
    (await readFile(join(dir, 'deliveries.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-'));
    published.length = 0;
  });
  afterEach(async () => {
    client?.destroy();
    await s3?.stop();
    await router?.close();
    await deadLetterSink?.close();
    await runner?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers one OCI-shaped createobject event per uploaded object to the subscribed function', async () => {
    await start({});

    for (const key of ['a.stl', 'b.stl', 'dir/c.3mf']) {
      await client.send(new PutObjectCommand({ Bucket: 'incoming', Key: key, Body: `solid ${key}` }));
    }
    await client.send(new PutObjectCommand({ Bucket: 'other', Key: 'ignored.bin', Body: 'x' }));
    await router.idle();

    const incoming = published.filter((e) => e.data.additionalDetails.bucketName === 'incoming');
    expect(incoming.map((e) => e.data.resourceName).sort()).toEqual(['a.stl', 'b.stl', 'dir/c.3mf']);
    expect(incoming[0]).toMatchObject({
      eventType: 'com.oraclecloud.objectstorage.createobject',
      cloudEventsVersion: '0.1',
      eventTypeVersion: '2.0',
      source: 'ObjectStorage',
    });
    expect((await deliveries()).sort()).toEqual(incoming.map((e) => e.eventID).sort());
    expect(await router.deadLetters()).toEqual([]);
  });

  it('retries a failing function and stops once it succeeds', async () => {
    await start({ PROBE_FAILURES: '2' }, 5);

    await client.send(new PutObjectCommand({ Bucket: 'incoming', Key: 'flaky.stl', Body: 'solid x' }));
    await router.idle();

    const eventId = published[0]?.eventID;
    expect(await deliveries()).toEqual([eventId, eventId, eventId]);
    expect(await router.deadLetters()).toEqual([]);
  });

  it('dead-letters an event after the last attempt, with the event and the reason', async () => {
    await start({ PROBE_FAILURES: '99' }, 3);

    await client.send(new PutObjectCommand({ Bucket: 'incoming', Key: 'poison.stl', Body: 'solid x' }));
    await router.idle();

    expect(await deliveries()).toHaveLength(3);
    const letters = await router.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ functionName: 'consumer', attempts: 3, lastError: 'failed' });
    expect(letters[0]?.event.data.resourceName).toBe('poison.stl');
  });

  it('records a dead letter where an operator sees it: the dead_letters table and the metric', async () => {
    // Prepare: the collector and database are shared with the other tests of this file.
    const deadLettersCounted = async () => {
      const exposition = await (await fetch(collector.metricsUrl)).text();
      const line = /^forgecast_event_dead_letters_total\{function="consumer"\} (\d+)$/m.exec(exposition);
      return Number(line?.[1] ?? 0);
    };
    const countedBefore = await deadLettersCounted();
    await start({ PROBE_FAILURES: '99' }, 2);

    // Act
    await client.send(new PutObjectCommand({ Bucket: 'incoming', Key: 'lost.stl', Body: 'solid x' }));
    await router.idle();
    await deadLetterSink?.close();
    deadLetterSink = undefined;

    // Assess
    const stored = (await listDeadLetters(db.pool)).filter(
      (letter) => (letter.event as ObjectStorageEvent).data.resourceName === 'lost.stl',
    );
    expect(stored).toEqual([
      {
        id: expect.any(Number),
        rule: 'consumer-on-incoming',
        functionName: 'consumer',
        event: published[0],
        attempts: 2,
        lastError: 'failed',
        createdAt: expect.any(Date),
      },
    ]);
    // Closing the sink flushed its metrics to the collector.
    expect(await deadLettersCounted()).toBe(countedBefore + 1);
  });
});
