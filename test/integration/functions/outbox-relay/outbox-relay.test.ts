import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RowDataPacket } from 'mysql2/promise';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { decodePublishedEvent } from '#events/domain/stream-message.ts';
import { type RelayOptions, runOutboxRelay } from '#functions/outbox-relay/relay.ts';
import { createPool, withTransaction } from '#shared/db/pool.ts';
import {
  appendAllToOutbox,
  appendToOutbox,
  type DomainEvent,
  InvalidDomainEventError,
} from '#shared/outbox/outbox.ts';
import { listDeadLetteredOutbox } from '#shared/outbox/relay-store.ts';
import { type EventStream, StreamUnavailableError } from '#shared/stream/event-stream.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import {
  eventIdOf,
  firstDeliveryOrder,
  interleavedEvents,
  isIncreasing,
  readWholeStream,
  recordingMetrics,
  refusingStream,
  seedOutbox,
  total,
} from '#test/support/relay-streams.ts';

const CHILD = fileURLToPath(new URL('../../../support/relay-child.ts', import.meta.url));
const PARTITIONS = 4;
const OPTIONS: RelayOptions = {
  runSeconds: 30,
  idlePollMs: 0,
  batchSize: 50,
  backoffMs: 20,
  maxBackoffMs: 200,
};

/** Runs test/support/relay-child.ts until it SIGKILLs itself after put number `killAfterPut`. */
async function relayKilledAfterPut(
  db: TestDatabase,
  streamName: string,
  options: { killAfterPut: number; batchSize: number; putLog: string },
): Promise<{ signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CHILD], {
    env: {
      ...process.env,
      MYSQL_URL: db.url,
      STREAM_NAME: streamName,
      STREAM_PARTITIONS: String(PARTITIONS),
      KILL_AFTER_PUT: String(options.killAfterPut),
      RELAY_BATCH_SIZE: String(options.batchSize),
      RELAY_PUT_LOG: options.putLog,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, exitSignal) => resolve(exitSignal)),
    );
    return { signal, output };
  } finally {
    clearTimeout(killer);
  }
}

async function putLogLines(path: string): Promise<{ put: number; ids: string[] }[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { put: number; ids: string[] });
}

/**
 * The outbox relay on MariaDB and the MariaDB-backed event stream (shared/stream/mysql-stream.ts),
 * in-process and, for the crash, in a child process that kills itself between publish and mark.
 * Each test has a database of its own, so one test's pending rows never reach another's relay.
 */
describe('Function: outbox-relay (MariaDB, MySqlEventStream)', () => {
  let db: TestDatabase;
  let stream: MySqlEventStream;
  let scratch: string;

  const outboxRows = async () => {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      `SELECT id, CAST(seq AS CHAR) AS seq, aggregate_id, published_at, dead_lettered_at, publish_attempts, last_error
         FROM outbox ORDER BY outbox.seq`,
    );
    return rows;
  };

  beforeEach(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'outbox_relay');
    stream = new MySqlEventStream({ pool: db.pool, name: 'domain-events', partitions: PARTITIONS });
    scratch = await mkdtemp(join(tmpdir(), 'outbox-relay-'));
  });
  afterEach(async () => {
    await db?.drop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('writes many events with multi-row INSERTs in the order given, with their catalogue version, and none when one is invalid', async () => {
    // Prepare
    const valid = interleavedEvents('many', 3, 400);
    const invalid = { ...valid[0], payload: { videoId: 'many-0' } } as unknown as DomainEvent;

    // Act
    const ids = await seedOutbox(db.pool, valid);
    const refused = withTransaction(db.pool, (connection) =>
      appendAllToOutbox(connection, [...valid.slice(0, 10), invalid]),
    );

    // Assess: 1,200 rows (three INSERTs of at most 500), seq in the order given, version 1.
    await expect(refused).rejects.toBeInstanceOf(InvalidDomainEventError);
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT id, event_version, created_at FROM outbox ORDER BY outbox.seq',
    );
    expect(rows.map((row) => String(row.id))).toEqual(ids);
    expect(rows.every((row) => row.event_version === 1)).toBe(true);
    expect(Math.abs(Date.now() - Number((rows[0] as RowDataPacket).created_at))).toBeLessThan(60_000);
  });

  it('puts again, after a relay is killed between publish and mark, exactly the killed batch; a deduping consumer counts each event once', async () => {
    // Prepare: 400 events of 40 aggregates, interleaved; the first relay dies after its 5th put.
    const ids = await seedOutbox(db.pool, interleavedEvents('crash', 40, 10));
    const putLog = join(scratch, 'puts.jsonl');

    // Act
    const killed = await relayKilledAfterPut(db, stream.name, { killAfterPut: 5, batchSize: 25, putLog });
    const afterKill = await outboxRows();
    const summary = await runOutboxRelay({ pool: db.pool, stream, metrics: recordingMetrics() }, OPTIONS);

    // Assess: the child died by its own SIGKILL right after put 5, whose rows stayed unpublished.
    expect(killed.signal, killed.output).toBe('SIGKILL');
    const puts = await putLogLines(putLog);
    expect(puts.map((put) => put.put)).toEqual([1, 2, 3, 4, 5]);
    const killedBatch = new Set((puts.at(-1) as { ids: string[] }).ids);
    expect(killedBatch.size).toBe(25);
    const unmarked = afterKill.filter((row) => row.published_at === null).map((row) => String(row.id));
    expect(unmarked.filter((id) => killedBatch.has(id)).sort()).toEqual([...killedBatch].sort());
    expect(summary).toMatchObject({ busy: false, deadLettered: 0, stoppedWithWork: false, lagSeconds: 0 });

    // Every event is on the stream; only the killed batch twice; deduped, each once.
    const delivered = await readWholeStream(stream, 'crash-check', ids.length + killedBatch.size);
    const times = new Map<string, number>();
    for (const { event } of delivered) times.set(event.id, (times.get(event.id) ?? 0) + 1);
    expect([...times.keys()].sort()).toEqual([...ids].sort());
    const repeated = [...times].filter(([, count]) => count > 1).map(([id]) => id);
    expect(repeated.sort()).toEqual([...killedBatch].sort());
    expect([...times.values()].every((count) => count <= 2)).toBe(true);
    expect(new Set(delivered.map(({ event }) => event.id)).size).toBe(400);
    expect((await outboxRows()).every((row) => row.published_at !== null)).toBe(true);
  });

  it('keeps each aggregate in order across a relay restart mid-way (interleaved aggregates, first-delivery order)', async () => {
    // Prepare: 12 aggregates × 15 events; batches of 7 heads, so every put mixes aggregates and
    // the restart (after put 4) leaves each aggregate at a different point.
    const ids = await seedOutbox(db.pool, interleavedEvents('restart', 12, 15));
    const seeded = new Map<string, bigint[]>();
    for (const row of await outboxRows()) {
      const key = `video:${row.aggregate_id}`;
      seeded.set(key, [...(seeded.get(key) ?? []), BigInt(row.seq)]);
    }
    const putLog = join(scratch, 'puts.jsonl');

    // Act
    const killed = await relayKilledAfterPut(db, stream.name, { killAfterPut: 4, batchSize: 7, putLog });
    await runOutboxRelay(
      { pool: db.pool, stream, metrics: recordingMetrics() },
      { ...OPTIONS, batchSize: 7 },
    );

    // Assess: each aggregate's events arrive first in seq order, all of them.
    expect(killed.signal, killed.output).toBe('SIGKILL');
    expect((await putLogLines(putLog)).length).toBe(4);
    const order = firstDeliveryOrder(await readWholeStream(stream, 'restart-check', ids.length));
    expect(order.size).toBe(12);
    for (const [key, sequences] of order) {
      expect(isIncreasing(sequences), `${key}: ${sequences.join(',')}`).toBe(true);
      expect(sequences).toEqual(seeded.get(key));
    }
  });

  it('never lets a later event overtake one refused as retryable mid-aggregate; a put carries one event per aggregate', async () => {
    // Prepare: aggregate refuse-0's third event is refused (retryable) the first three times it is put.
    const ids = await seedOutbox(db.pool, interleavedEvents('refuse', 3, 6));
    const target = (await outboxRows()).filter((row) => row.aggregate_id === 'refuse-0')[2] as RowDataPacket;
    let refusals = 0;
    const refusing = refusingStream(stream, (record) => {
      if (eventIdOf(record) !== target.id || refusals >= 3) return undefined;
      refusals += 1;
      return { ok: false, retryable: true, code: 'Throttled', message: 'partition throttled' };
    });
    const metrics = recordingMetrics();

    // Act
    const summary = await runOutboxRelay({ pool: db.pool, stream: refusing, metrics }, OPTIONS);

    // Assess: published in the end, in order, and no put ever held two events of one aggregate.
    expect(summary).toMatchObject({ busy: false, published: 18, refused: 3, deadLettered: 0 });
    for (const put of refusing.puts) {
      const keys = put.map((record) => record.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const delivered = await readWholeStream(stream, 'refuse-check', ids.length);
    expect(delivered).toHaveLength(18);
    for (const sequences of firstDeliveryOrder(delivered).values()) {
      expect(sequences).toHaveLength(6);
      expect(isIncreasing(sequences)).toBe(true);
    }
    // refuse-0's later events were not even offered while the refused one was pending.
    const laterOfTarget = (await outboxRows())
      .filter((row) => row.aggregate_id === 'refuse-0' && BigInt(row.seq) > BigInt(target.seq))
      .map((row) => String(row.id));
    const offeredAt = (id: string) => refusing.puts.findIndex((put) => put.some((r) => eventIdOf(r) === id));
    const lastRefusal = refusing.puts.findLastIndex((put) => put.some((r) => eventIdOf(r) === target.id));
    for (const id of laterOfTarget) expect(offeredAt(id)).toBeGreaterThan(lastRefusal);
    const row = (await outboxRows()).find((r) => r.id === target.id) as RowDataPacket;
    expect(row).toMatchObject({ publish_attempts: 3, dead_lettered_at: null });
    expect(row.published_at).not.toBeNull();
    expect(total(metrics.counts, 'outbox_relay_throttled')).toBe(3);
    expect(total(metrics.counts, 'outbox_published')).toBe(18);
  });

  it('dead-letters an event the stream refuses for good (and one not in the catalogue); its aggregate’s later events go on', async () => {
    // Prepare: gone-1's second event is refused for good; a legacy row of another aggregate has a
    // type the catalogue does not know (written before the catalogue existed).
    await seedOutbox(db.pool, interleavedEvents('gone', 2, 4));
    await db.pool.query(
      `INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload)
       VALUES ('00000000-0000-4000-8000-000000000001', 'video', 'legacy', 'video.exploded', '{}')`,
    );
    await seedOutbox(
      db.pool,
      interleavedEvents('legacy', 1, 1).map((e) => ({ ...e, aggregateId: 'legacy' })),
    );
    const target = (await outboxRows()).filter((row) => row.aggregate_id === 'gone-1')[1] as RowDataPacket;
    const refusing = refusingStream(stream, (record) =>
      eventIdOf(record) === target.id
        ? { ok: false, retryable: false, code: 'MessageTooLarge', message: 'too large for the stream' }
        : undefined,
    );
    const metrics = recordingMetrics();

    // Act
    const summary = await runOutboxRelay({ pool: db.pool, stream: refusing, metrics }, OPTIONS);

    // Assess
    expect(summary).toMatchObject({ busy: false, published: 8, deadLettered: 2, refused: 0 });
    const rows = await outboxRows();
    const dead = rows.find((row) => row.id === target.id) as RowDataPacket;
    expect(dead.published_at).toBeNull();
    expect(dead.dead_lettered_at).not.toBeNull();
    expect(String(dead.last_error)).toContain('MessageTooLarge');
    const delivered = await readWholeStream(stream, 'gone-check', 8);
    expect(delivered.map(({ event }) => event.id)).not.toContain(target.id);
    const gone1 = firstDeliveryOrder(delivered).get('video:gone-1') as bigint[];
    expect(gone1).toHaveLength(3);
    expect(gone1.at(-1)).toBe(
      BigInt((rows.filter((r) => r.aggregate_id === 'gone-1').at(-1) as RowDataPacket).seq),
    );
    expect(firstDeliveryOrder(delivered).get('video:legacy')).toHaveLength(1);
    const listed = await listDeadLetteredOutbox(db.pool);
    expect(listed.map((letter) => letter.eventType).sort()).toEqual(['video.exploded', 'video.failed']);
    expect(listed.find((letter) => letter.eventType === 'video.exploded')?.reason).toContain(
      'not in the catalogue',
    );
    expect(total(metrics.counts, 'outbox_dead_lettered')).toBe(2);
  });

  it('backs off exponentially while the stream answers 429 for whole puts, then publishes everything', async () => {
    // Prepare: the first three puts fail as a whole (throttled request); waits are recorded.
    const ids = await seedOutbox(db.pool, interleavedEvents('throttle', 5, 4));
    let failures = 0;
    const throttled: EventStream = {
      name: stream.name,
      openGroupReader: (group, instance) => stream.openGroupReader(group, instance),
      async put(records) {
        if (failures < 3) {
          failures += 1;
          throw new StreamUnavailableError('429 Too Many Requests', { status: 429 });
        }
        return stream.put(records);
      },
    };
    const waits: number[] = [];
    const metrics = recordingMetrics();

    // Act
    const summary = await runOutboxRelay(
      {
        pool: db.pool,
        stream: throttled,
        metrics,
        sleep: async (ms) => {
          waits.push(ms);
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
      },
      OPTIONS,
    );

    // Assess
    expect(summary).toMatchObject({ busy: false, published: 20, throttled: 3, stoppedWithWork: false });
    expect(waits).toEqual([20, 40, 80]);
    expect(total(metrics.counts, 'outbox_relay_throttled')).toBe(3);
    expect(await readWholeStream(stream, 'throttle-check', ids.length)).toHaveLength(20);
  });

  it('stops at its time budget while the stream is down, leaving the rows, and reports the lag; the next run drains it to 0', async () => {
    // Prepare: events that happened 90 s ago; a stream that is down.
    const occurredAt = new Date(Date.now() - 90_000);
    await seedOutbox(
      db.pool,
      interleavedEvents('lag', 3, 2).map((event) => ({ ...event, occurredAt })),
    );
    const down: EventStream = {
      name: stream.name,
      openGroupReader: (group, instance) => stream.openGroupReader(group, instance),
      put: async () => {
        throw new StreamUnavailableError('connection refused');
      },
    };
    const metrics = recordingMetrics();

    // Act
    const stalled = await runOutboxRelay(
      { pool: db.pool, stream: down, metrics },
      { ...OPTIONS, runSeconds: 2, backoffMs: 100, maxBackoffMs: 400 },
    );
    const leftPending = (await outboxRows()).filter((row) => row.published_at === null).length;
    const drained = await runOutboxRelay({ pool: db.pool, stream, metrics }, OPTIONS);

    // Assess
    expect(stalled).toMatchObject({ busy: false, published: 0, stoppedWithWork: true });
    if (stalled.busy) throw new Error('busy');
    expect(stalled.throttled).toBeGreaterThanOrEqual(1);
    expect(stalled.lagSeconds).toBeGreaterThanOrEqual(89);
    expect(leftPending).toBe(6);
    expect(drained).toMatchObject({ busy: false, published: 6, lagSeconds: 0 });
    const lags = metrics.observations
      .filter((point) => point.name === 'outbox_lag_seconds')
      .map((p) => p.value);
    expect(lags).toHaveLength(2);
    expect(lags[0]).toBeGreaterThanOrEqual(89);
    expect(lags[1]).toBe(0);
  });

  it('reads past one aggregate’s run of 3,000 pending events: the 500 aggregates behind it are all published within the first puts', async () => {
    // Prepare: hot-0's 3,000 events were written before one event each of 500 other aggregates,
    // so the first window (4 × 500 rows) holds hot-0 alone.
    await seedOutbox(db.pool, interleavedEvents('hot', 1, 3000));
    const others = new Set(await seedOutbox(db.pool, interleavedEvents('other', 500, 1)));
    const recording = refusingStream(stream, () => undefined);

    // Act: a short run (one hot event per put would take thousands of puts to reach the others).
    await runOutboxRelay(
      { pool: db.pool, stream: recording, metrics: recordingMetrics() },
      { ...OPTIONS, batchSize: 500, runSeconds: 3 },
    );

    // Assess: every other aggregate's event was in one of the first three puts, each put still
    // one event per aggregate, hot-0's first events in seq order.
    const firstPuts = recording.puts.slice(0, 3).flat().map(eventIdOf);
    expect(firstPuts.filter((id) => others.has(id))).toHaveLength(500);
    for (const put of recording.puts) {
      const keys = put.map((record) => record.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const published = (await outboxRows()).filter((row) => row.published_at !== null);
    expect(published.filter((row) => others.has(String(row.id)))).toHaveLength(500);
    const hot = published.filter((row) => row.aggregate_id === 'hot-0').map((row) => BigInt(row.seq));
    expect(isIncreasing(hot)).toBe(true);
  });

  it('holds back only the key the stream keeps refusing: 1,000 others go without a pause, the stuck head is dead-lettered after the bound and its aggregate goes on', async () => {
    // Prepare: stuck-0's first event (the oldest row) is refused as retryable at every put; 1,000
    // other aggregates have one event each; the relay gives up after 5 refusals.
    await seedOutbox(db.pool, interleavedEvents('stuck', 1, 2));
    const free = new Set(await seedOutbox(db.pool, interleavedEvents('free', 1000, 1)));
    const [stuckHead, stuckNext] = (await outboxRows()).filter((row) => row.aggregate_id === 'stuck-0');
    const refusing = refusingStream(stream, (record) =>
      eventIdOf(record) === stuckHead?.id
        ? { ok: false, retryable: true, code: 'TooManyRequests', message: 'partition throttled' }
        : undefined,
    );
    const waits: { ms: number; putsBefore: number }[] = [];
    const metrics = recordingMetrics();

    // Act
    const summary = await runOutboxRelay(
      {
        pool: db.pool,
        stream: refusing,
        metrics,
        sleep: async (ms) => {
          waits.push({ ms, putsBefore: refusing.puts.length });
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
      },
      {
        ...OPTIONS,
        batchSize: 500,
        backoffMs: 20,
        maxBackoffMs: 200,
        giveUpAfterAttempts: 5,
        runSeconds: 10,
      },
    );

    // Assess: the free events went in the first three puts, with no wait before any of them.
    const lastFreePut = refusing.puts.findLastIndex((put) => put.some((r) => free.has(eventIdOf(r))));
    expect(lastFreePut).toBeLessThan(3);
    expect(waits.filter((wait) => wait.putsBefore <= lastFreePut)).toEqual([]);
    // Then only the stuck key was left: the relay slept until its backoff ended, 5 refusals, given up.
    expect(summary).toMatchObject({
      busy: false,
      published: 1001,
      deadLettered: 1,
      refused: 5,
      throttled: 0,
    });
    const rows = await outboxRows();
    const head = rows.find((row) => row.id === stuckHead?.id) as RowDataPacket;
    expect(head.dead_lettered_at).not.toBeNull();
    expect(head.publish_attempts).toBe(5);
    expect(String(head.last_error)).toMatch(/refused 5 times .*gave up.*TooManyRequests/);
    expect((rows.find((row) => row.id === stuckNext?.id) as RowDataPacket).published_at).not.toBeNull();
    expect(total(metrics.counts, 'outbox_dead_lettered')).toBe(1);
    expect(total(metrics.counts, 'outbox_relay_throttled')).toBe(5);
  });

  it('dead-letters at its first refusal a head the stream has been refusing for longer than giveUpAfterSeconds', async () => {
    // Prepare: the head was first refused 25 hours ago (an earlier run's refusals).
    await seedOutbox(db.pool, interleavedEvents('aged', 1, 1));
    await db.pool.query(
      'UPDATE outbox SET publish_attempts = 3, first_refused_at = CURRENT_TIMESTAMP(3) - INTERVAL 25 HOUR',
    );
    const refusing = refusingStream(stream, () => ({
      ok: false,
      retryable: true,
      code: 'TooManyRequests',
      message: 'partition throttled',
    }));

    // Act: the default bound (24 h).
    const summary = await runOutboxRelay(
      { pool: db.pool, stream: refusing, metrics: recordingMetrics() },
      OPTIONS,
    );

    // Assess
    expect(summary).toMatchObject({ busy: false, published: 0, deadLettered: 1, refused: 1 });
    expect(refusing.puts).toHaveLength(1);
    const [row] = await outboxRows();
    expect(row?.publish_attempts).toBe(4);
    expect(String(row?.last_error)).toMatch(/refused 4 times over 9000\d s; gave up/);
  });

  it('publishes one aggregate’s events in commit order when a second writer appends while the first has not committed (appendToOutbox locks the aggregate)', async () => {
    // Prepare: two writers of video:race on connections of their own; neither locks a domain row.
    const writers = createPool(db.url, { connectionLimit: 2 });
    const first = await writers.getConnection();
    const second = await writers.getConnection();
    const event = (reason: string): DomainEvent => ({
      type: 'video.failed',
      aggregateType: 'video',
      aggregateId: 'race',
      payload: { videoId: 'race', code: 'unsupported_codec', reason },
    });
    const relay = () => runOutboxRelay({ pool: db.pool, stream, metrics: recordingMetrics() }, OPTIONS);
    try {
      // Act: the first writer appends and holds its transaction open; the second starts after it
      // and commits as soon as it can; the relay runs before and after the first commits.
      await first.beginTransaction();
      await appendToOutbox(first, event('appended first, committed last'));
      await second.beginTransaction();
      const secondDone = appendToOutbox(second, event('appended second')).then(() => second.commit());
      const secondCommittedFirst = await Promise.race([
        secondDone.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_000)),
      ]);
      await relay();
      await first.commit();
      await secondDone;
      await relay();

      // Assess: the stream has both, in seq order (seq order is commit order): the second writer
      // waited for the first to commit.
      const order = firstDeliveryOrder(await readWholeStream(stream, 'commit-order', 2)).get('video:race');
      expect(order).toHaveLength(2);
      expect(isIncreasing(order ?? []), `${order?.join(',')}`).toBe(true);
      expect(secondCommittedFirst).toBe(false);
    } finally {
      first.release();
      second.release();
      await writers.end();
    }
  });

  it('answers busy to a second run while one holds the relay lock; a run with nothing pending puts nothing', async () => {
    // Prepare: the first run's put waits until released.
    await seedOutbox(db.pool, interleavedEvents('busy', 2, 1));
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const putEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const held: EventStream = {
      name: stream.name,
      openGroupReader: (group, instance) => stream.openGroupReader(group, instance),
      async put(records) {
        entered();
        await released;
        return stream.put(records);
      },
    };

    // Act
    const first = runOutboxRelay({ pool: db.pool, stream: held, metrics: recordingMetrics() }, OPTIONS);
    await putEntered;
    const second = await runOutboxRelay({ pool: db.pool, stream, metrics: recordingMetrics() }, OPTIONS);
    release();
    const firstSummary = await first;
    const idleMetrics = recordingMetrics();
    const idle = await runOutboxRelay({ pool: db.pool, stream, metrics: idleMetrics }, OPTIONS);

    // Assess
    expect(second).toEqual({ busy: true });
    expect(firstSummary).toMatchObject({ busy: false, published: 2 });
    expect(idle).toMatchObject({ busy: false, puts: 0, published: 0, lagSeconds: 0 });
    expect(idleMetrics.observations).toEqual([{ name: 'outbox_lag_seconds', value: 0, dimensions: {} }]);
    const delivered = await readWholeStream(stream, 'busy-check', 2);
    expect(delivered.map(({ message }) => decodePublishedEvent(message.value).type)).toEqual([
      'video.failed',
      'video.failed',
    ]);
  });
});
