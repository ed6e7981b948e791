import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RelayOptions, runOutboxRelay } from '#functions/outbox-relay/relay.ts';
import { OciEventStream } from '#shared/stream/oci-stream.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type FakeOciStreaming, startFakeOciStreaming } from '#test/support/fake-oci-streaming.ts';
import { rsaKeyPair, TEST_SIGNING_KEY_ID, testAuthProvider } from '#test/support/oci-test-auth.ts';
import {
  firstDeliveryOrder,
  interleavedEvents,
  isIncreasing,
  readWholeStream,
  recordingMetrics,
  seedOutbox,
  total,
} from '#test/support/relay-streams.ts';

const OPTIONS: RelayOptions = {
  runSeconds: 30,
  idlePollMs: 0,
  batchSize: 500,
  backoffMs: 20,
  maxBackoffMs: 200,
};

/**
 * The relay with the production adapter (OciEventStream, `oci-streaming`) against the OCI
 * Streaming stand-in, which checks every request's signature and OCI's limits: one relay put is
 * one PutMessages request, OCI's throttling and per-message errors take the relay's paths.
 */
describe('Function: outbox-relay (OciEventStream, OCI Streaming stand-in)', () => {
  let db: TestDatabase;
  let fake: FakeOciStreaming;
  let streams = 0;
  const registered = rsaKeyPair();

  function freshStream(): OciEventStream {
    const streamId = `ocid1.stream.oc1.phx.relay${++streams}`;
    fake.createStream(streamId, { partitions: 3 });
    return new OciEventStream({
      streamId,
      messagesEndpoint: fake.endpoint,
      authenticationDetailsProvider: testAuthProvider(registered.privateKey),
      groupInstanceTimeoutMs: 2_000,
    });
  }

  const pending = async () => {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL AND dead_lettered_at IS NULL',
    );
    return Number(rows[0]?.n);
  };

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'outbox_relay_oci');
    fake = await startFakeOciStreaming({ keys: { [TEST_SIGNING_KEY_ID]: registered.publicKey } });
  });
  afterAll(async () => {
    await fake?.close();
    await db?.drop();
  });

  it('keeps each put within one signed PutMessages request (the relay cuts at 1 MB, the adapter never has to split)', async () => {
    // Prepare: 1,000 aggregates' events of about 1.1 KB, put up to 1,000 at a time: the heads of
    // one round pass OCI's 1 MB per request, so the relay's byte bound must cut the put.
    const stream = freshStream();
    const ids = await seedOutbox(db.pool, interleavedEvents('ocibig', 1000, 1, 'r'.repeat(900)));
    const requestsBefore = fake.calls['POST messages'] ?? 0;

    // Act
    const summary = await runOutboxRelay(
      { pool: db.pool, stream, metrics: recordingMetrics() },
      { ...OPTIONS, batchSize: 1000 },
    );

    // Assess: two puts, two requests (an uncut put of 1,000 would have been split in two by the adapter).
    expect(summary).toMatchObject({ busy: false, published: 1000, deadLettered: 0, puts: 2 });
    expect((fake.calls['POST messages'] ?? 0) - requestsBefore).toBe(2);
    expect(await pending()).toBe(0);
    const delivered = await readWholeStream(stream, 'ocibig-check', ids.length);
    expect(new Set(delivered.map(({ event }) => event.id)).size).toBe(1000);
    expect(fake.rejectedRequests).toBe(0);
  });

  it('publishes in order per aggregate after OCI throttled two requests (429), backing off', async () => {
    // Prepare
    const stream = freshStream();
    const ids = await seedOutbox(db.pool, interleavedEvents('oci', 20, 5));
    fake.throttleNextRequests(2);
    const metrics = recordingMetrics();

    // Act
    const summary = await runOutboxRelay({ pool: db.pool, stream, metrics }, OPTIONS);

    // Assess
    expect(summary).toMatchObject({ busy: false, published: 100, deadLettered: 0, throttled: 2 });
    expect(total(metrics.counts, 'outbox_relay_throttled')).toBe(2);
    expect(await pending()).toBe(0);
    const delivered = await readWholeStream(stream, 'oci-check', ids.length);
    expect(new Set(delivered.map(({ event }) => event.id)).size).toBe(100);
    for (const sequences of firstDeliveryOrder(delivered).values()) {
      expect(sequences).toHaveLength(5);
      expect(isIncreasing(sequences)).toBe(true);
    }
    expect(fake.rejectedRequests).toBe(0);
  });

  it('keeps a throttled message pending and dead-letters one OCI refuses for good; both aggregates go on', async () => {
    // Prepare: two aggregates, three events each; the first put's two heads fail per message.
    const stream = freshStream();
    const ids = await seedOutbox(db.pool, interleavedEvents('ocifail', 2, 3));
    fake.failNextPutMessages({
      0: { error: 'TooManyRequests', errorMessage: 'partition throttled' },
      1: { error: 'InvalidParameter', errorMessage: 'the message was refused' },
    });

    // Act
    const summary = await runOutboxRelay({ pool: db.pool, stream, metrics: recordingMetrics() }, OPTIONS);

    // Assess: ocifail-0's first event went on the retry; ocifail-1's first is dead-lettered.
    expect(summary).toMatchObject({ busy: false, published: 5, deadLettered: 1, refused: 1 });
    const delivered = await readWholeStream(stream, 'ocifail-check', 5);
    const order = firstDeliveryOrder(delivered);
    expect(order.get('video:ocifail-0')).toHaveLength(3);
    expect(isIncreasing(order.get('video:ocifail-0') ?? [])).toBe(true);
    expect(order.get('video:ocifail-1')).toHaveLength(2);
    expect(delivered.map(({ event }) => event.id)).not.toContain(ids[1]);
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT last_error FROM outbox WHERE id = ?', [
      ids[1],
    ]);
    expect(String(rows[0]?.last_error)).toContain('InvalidParameter');
    expect(fake.rejectedRequests).toBe(0);
  });
});
