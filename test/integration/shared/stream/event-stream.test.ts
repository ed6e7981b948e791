import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventStream, GroupReader, StreamMessage } from '#shared/stream/event-stream.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { OciEventStream } from '#shared/stream/oci-stream.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { startFakeOciStreaming } from '#test/support/fake-oci-streaming.ts';
import { rsaKeyPair, TEST_SIGNING_KEY_ID, testAuthProvider } from '#test/support/oci-test-auth.ts';

/**
 * The event stream contract, run against every adapter: what the relay (producer) and the
 * webhook and warehouse consumers rely on, whichever stream the configuration picks.
 */
interface StreamUnderTest {
  /** A new, empty stream with `partitions` partitions. */
  fresh(partitions?: number): Promise<EventStream>;
}

const adapters: [string, () => Promise<{ subject: StreamUnderTest; stop(): Promise<void> }>][] = [
  [
    'MySqlEventStream',
    async () => {
      const db: TestDatabase = await createTestDatabase(inject('mysqlUrl'), 'event_stream');
      let streams = 0;
      return {
        subject: {
          fresh: async (partitions = 4) =>
            new MySqlEventStream({ pool: db.pool, name: `s${++streams}`, partitions }),
        },
        stop: () => db.drop(),
      };
    },
  ],
  [
    'OciEventStream against the fake OCI Streaming endpoint',
    async () => {
      const registered = rsaKeyPair();
      const fake = await startFakeOciStreaming({ keys: { [TEST_SIGNING_KEY_ID]: registered.publicKey } });
      let streams = 0;
      return {
        subject: {
          fresh: async (partitions = 4) => {
            const streamId = `ocid1.stream.oc1.phx.contract${++streams}`;
            fake.createStream(streamId, { partitions });
            return new OciEventStream({
              streamId,
              messagesEndpoint: fake.endpoint,
              authenticationDetailsProvider: testAuthProvider(registered.privateKey),
              // OCI's 30 s would make the hand-over tests slow; the behaviour is the same.
              groupInstanceTimeoutMs: 2_000,
            });
          },
        },
        stop: async () => {
          // Every request of the contract suite was signed with the registered key.
          expect(fake.rejectedRequests).toBe(0);
          await fake.close();
        },
      };
    },
  ],
];

const value = (text: string) => Buffer.from(text, 'utf8');

/** Reads until `count` messages came or the deadline passed (a loaded machine may be slow). */
async function readAll(reader: GroupReader, count: number, deadlineMs = 20_000): Promise<StreamMessage[]> {
  const messages: StreamMessage[] = [];
  const deadline = Date.now() + deadlineMs;
  while (messages.length < count && Date.now() < deadline) {
    messages.push(...(await reader.next({ limit: 100, waitMs: 500 })));
  }
  return messages;
}

describe.each(adapters)('EventStream contract: %s', (_name, start) => {
  let subject: StreamUnderTest;
  let stop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    ({ subject, stop } = await start());
  });

  afterAll(async () => {
    await stop();
  });

  it('keeps each key in one partition, in put order, with increasing offsets', async () => {
    // Arrange: three aggregates' events interleaved over several puts.
    const stream = await subject.fresh();
    const keys = ['design:a', 'license:b', 'show:c'];
    const outcomes = [];
    for (let round = 0; round < 5; round++) {
      outcomes.push(
        ...(await stream.put(
          keys.flatMap((key) => [0, 1].map((i) => ({ key, value: value(`${key}#${round * 2 + i}`) }))),
        )),
      );
    }
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);

    // Act
    const reader = await stream.openGroupReader('webhooks', 'one');
    const messages = await readAll(reader, 30);
    await reader.close();

    // Assess: every key's messages in one partition, in order; offsets grow within a partition.
    expect(messages).toHaveLength(30);
    for (const key of keys) {
      const own = messages.filter((message) => message.key === key);
      expect(new Set(own.map((message) => message.partition)).size).toBe(1);
      expect(own.map((message) => message.value.toString())).toEqual(
        Array.from({ length: 10 }, (_, i) => `${key}#${i}`),
      );
    }
    for (const partition of new Set(messages.map((message) => message.partition))) {
      const offsets = messages
        .filter((message) => message.partition === partition)
        .map((m) => BigInt(m.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(new Set(offsets).size).toBe(offsets.length);
    }
    // The put answered with the partition and offset the reader sees.
    const first = outcomes[0];
    const read = messages.find((message) => message.value.toString() === 'design:a#0');
    expect(first).toMatchObject({ ok: true, partition: read?.partition, offset: read?.offset });
  });

  it('gives each consumer group its own position', async () => {
    // Arrange
    const stream = await subject.fresh();
    await stream.put([1, 2, 3].map((i) => ({ key: `k${i}`, value: value(`m${i}`) })));
    const webhooks = await stream.openGroupReader('webhooks', 'w1');
    expect(await readAll(webhooks, 3)).toHaveLength(3);
    await webhooks.commit();
    await webhooks.close();

    // Act: another group starts from the oldest message.
    const warehouse = await stream.openGroupReader('warehouse', 'h1');
    const seen = await readAll(warehouse, 3);
    await warehouse.close();

    // Assess
    expect(seen.map((message) => message.value.toString()).sort()).toEqual(['m1', 'm2', 'm3']);
  });

  it('resumes after the committed offsets and hands uncommitted reads to the next reader', async () => {
    // Arrange: one key, so one partition and one order.
    const stream = await subject.fresh();
    await stream.put(Array.from({ length: 10 }, (_, i) => ({ key: 'show:1', value: value(`e${i}`) })));
    const first = await stream.openGroupReader('warehouse', 'a');
    const committed = await first.next({ limit: 4, waitMs: 5_000 });
    await first.commit();
    const uncommitted = await first.next({ limit: 3, waitMs: 5_000 });
    await first.close();

    // Act
    const second = await stream.openGroupReader('warehouse', 'b');
    const rest = await readAll(second, 6);
    await second.close();

    // Assess: the committed four are not read again; the three read without a commit are.
    expect(committed.map((m) => m.value.toString())).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(uncommitted.map((m) => m.value.toString())).toEqual(['e4', 'e5', 'e6']);
    expect(rest.map((m) => m.value.toString())).toEqual(['e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
  });

  it('waits up to waitMs for a message put while it waits', async () => {
    // Arrange
    const stream = await subject.fresh();
    const reader = await stream.openGroupReader('webhooks', 'waiter');
    expect(await reader.next({ limit: 10, waitMs: 0 })).toEqual([]);

    // Act
    const waiting = reader.next({ limit: 10, waitMs: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stream.put([{ key: 'k', value: value('late') }]);
    const messages = await waiting;
    await reader.close();

    // Assess
    expect(messages.map((m) => m.value.toString())).toEqual(['late']);
  });

  it('splits the partitions between two instances of one group', async () => {
    // Arrange: enough keys to reach every partition.
    const stream = await subject.fresh(4);
    const records = Array.from({ length: 40 }, (_, i) => ({ key: `design:${i}`, value: value(`d${i}`) }));
    await stream.put(records);
    const a = await stream.openGroupReader('webhooks', 'instance-a');
    const b = await stream.openGroupReader('webhooks', 'instance-b');

    // Act: both poll until the group has read everything.
    const fromA: StreamMessage[] = [];
    const fromB: StreamMessage[] = [];
    const deadline = Date.now() + 20_000;
    while (fromA.length + fromB.length < records.length && Date.now() < deadline) {
      const [gotA, gotB] = await Promise.all([
        a.next({ limit: 100, waitMs: 200 }),
        b.next({ limit: 100, waitMs: 200 }),
      ]);
      fromA.push(...gotA);
      fromB.push(...gotB);
    }
    await a.close();
    await b.close();

    // Assess: each message read once, and no partition read by both.
    expect([...fromA, ...fromB].map((m) => m.value.toString()).sort()).toEqual(
      records.map((r) => r.value.toString()).sort(),
    );
    const partitionsA = new Set(fromA.map((m) => m.partition));
    const partitionsB = new Set(fromB.map((m) => m.partition));
    expect(partitionsA.size).toBeGreaterThan(0);
    expect(partitionsB.size).toBeGreaterThan(0);
    expect([...partitionsA].filter((partition) => partitionsB.has(partition))).toEqual([]);
  });

  it('gives a closed instance’s partitions to the one that stays', async () => {
    // Arrange
    const stream = await subject.fresh(4);
    const a = await stream.openGroupReader('warehouse', 'stays');
    const b = await stream.openGroupReader('warehouse', 'leaves');
    await a.next({ limit: 1, waitMs: 0 });
    await b.close();
    const records = Array.from({ length: 20 }, (_, i) => ({ key: `show:${i}`, value: value(`s${i}`) }));
    await stream.put(records);

    // Act
    const seen = await readAll(a, records.length);
    await a.close();

    // Assess
    expect(seen.map((m) => m.value.toString()).sort()).toEqual(records.map((r) => r.value.toString()).sort());
  });

  it('refuses records over the limits for good and stores the others', async () => {
    // Arrange
    const stream = await subject.fresh();

    // Act
    const outcomes = await stream.put([
      { key: 'ok:1', value: value('first') },
      { key: 'k'.repeat(257), value: value('long key') },
      { key: 'ok:2', value: value('second') },
      { key: 'ok:3', value: Buffer.alloc(1024 * 1024 + 1) },
      { key: 'ok:4', value: value('third') },
    ]);

    // Assess
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true, false, true]);
    expect(outcomes[1]).toMatchObject({ ok: false, retryable: false, code: 'KeyTooLarge' });
    expect(outcomes[3]).toMatchObject({ ok: false, retryable: false, code: 'MessageTooLarge' });
    const reader = await stream.openGroupReader('webhooks', 'limits');
    const stored = await readAll(reader, 3);
    await reader.close();
    expect(stored.map((m) => m.value.toString()).sort()).toEqual(['first', 'second', 'third']);
  });

  it('keeps offsets dense under concurrent puts', async () => {
    // Arrange
    const stream = await subject.fresh(3);
    const batches = Array.from({ length: 8 }, (_, batch) =>
      Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 7}`, value: value(`${batch}-${i}`) })),
    );

    // Act
    const results = await Promise.all(batches.map((batch) => stream.put(batch)));

    // Assess: 400 messages, every partition's offsets without gaps or repeats.
    const outcomes = results.flat();
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const byPartition = new Map<string, bigint[]>();
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      byPartition.set(outcome.partition, [
        ...(byPartition.get(outcome.partition) ?? []),
        BigInt(outcome.offset),
      ]);
    }
    for (const offsets of byPartition.values()) {
      const sorted = [...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const base = sorted[0] ?? 0n;
      expect(sorted).toEqual(sorted.map((_, i) => base + BigInt(i)));
    }
    // Each batch's messages of one key keep the batch's order.
    const reader = await stream.openGroupReader('warehouse', 'dense');
    const read = await readAll(reader, 400);
    await reader.close();
    expect(read).toHaveLength(400);
    for (let batch = 0; batch < 8; batch++) {
      const ofKey = read.filter((m) => m.key === 'k0' && m.value.toString().startsWith(`${batch}-`));
      const order = ofKey.map((m) => Number(m.value.toString().split('-')[1]));
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
  });
});
