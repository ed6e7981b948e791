import { runOutboxRelay } from '#functions/outbox-relay/relay.ts';
import { withTransaction } from '#shared/db/pool.ts';
import { noopMetrics } from '#shared/metrics/metrics.ts';
import { appendToOutbox } from '#shared/outbox/outbox.ts';
import { readPendingOutbox } from '#shared/outbox/relay-store.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { startTestDatabaseServer } from '../test/support/database-server.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/db.ts';
import { interleavedEvents, readWholeStream, seedOutbox } from '../test/support/relay-streams.ts';
import { round } from './lib/stats.ts';

/**
 * Outbox relay throughput: BENCH_RELAY_EVENTS (20,000) events of BENCH_RELAY_AGGREGATES (2,000)
 * aggregates, interleaved as writers produce them, published from the outbox to the MariaDB event
 * stream by the relay (the function's defaults: 500 per put, one event per aggregate per put),
 * against the baseline of writing the same events into the outbox with multi-row INSERTs
 * (appendAllToOutbox, 500 per transaction) in the same run, on the same server.
 *
 * The outbox already holds BENCH_RELAY_HISTORY (100,000) published events when the timed runs
 * start, as a live one does. Report only: one aggregate's events alone (BENCH_RELAY_HOT_EVENTS,
 * 500), the relay's worst case, since each put carries at most one event of an aggregate; and
 * BENCH_RELAY_SINGLE_APPENDS (2,000) transactions of one event each, the writers' common shape, to
 * see what the per-aggregate lock (outbox_aggregates) costs a writer.
 */
const TARGET_EVENTS_PER_SECOND = 2_000;
const BATCH = 500;

export interface RelayThroughputBench {
  readonly events: number;
  /** Published events in the outbox before the timed runs. */
  readonly history: number;
  readonly aggregates: number;
  readonly insertEventsPerSecond: number;
  readonly relayEventsPerSecond: number;
  /** relay ÷ insert, same run. */
  readonly ratioToInsert: number;
  readonly relayPuts: number;
  readonly targetEventsPerSecond: number;
  readonly met: boolean;
  /** One aggregate only: events/s (one event per put). */
  readonly hotAggregateEventsPerSecond: number;
  /**
   * Transactions per second that each append one event of a new aggregate (appendToOutbox), one
   * after another on one connection: the shape of an analytics beacon or a state change.
   */
  readonly singleAppendTransactionsPerSecond: number;
}

const envCount = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function insertTimed(db: TestDatabase, prefix: string, aggregates: number, perAggregate: number) {
  const events = interleavedEvents(prefix, aggregates, perAggregate);
  const started = performance.now();
  for (let start = 0; start < events.length; start += BATCH) {
    await seedOutbox(db.pool, events.slice(start, start + BATCH));
  }
  return { count: events.length, seconds: (performance.now() - started) / 1000 };
}

async function singleAppendsTimed(db: TestDatabase, prefix: string, transactions: number) {
  const events = interleavedEvents(prefix, transactions, 1);
  const started = performance.now();
  for (const event of events)
    await withTransaction(db.pool, (connection) => appendToOutbox(connection, event));
  return { count: events.length, seconds: (performance.now() - started) / 1000 };
}

async function relayTimed(db: TestDatabase, stream: MySqlEventStream) {
  const started = performance.now();
  const summary = await runOutboxRelay(
    { pool: db.pool, stream, metrics: noopMetrics },
    { runSeconds: 600, idlePollMs: 0, batchSize: BATCH, backoffMs: 100, maxBackoffMs: 5_000 },
  );
  const seconds = (performance.now() - started) / 1000;
  if (summary.busy || summary.stoppedWithWork || summary.deadLettered > 0) {
    throw new Error(`The relay did not drain the outbox: ${JSON.stringify(summary)}`);
  }
  return { published: summary.published, puts: summary.puts, seconds };
}

async function pendingAndOnStream(db: TestDatabase, stream: MySqlEventStream, expected: number) {
  const pending = (await readPendingOutbox(db.pool, 1)).length;
  const messages = (await readWholeStream(stream, 'bench-check', expected)).length;
  return { pending, messages };
}

export async function benchRelayThroughput(): Promise<RelayThroughputBench> {
  const events = envCount('BENCH_RELAY_EVENTS', 20_000);
  const aggregates = envCount('BENCH_RELAY_AGGREGATES', 2_000);
  const hotEvents = envCount('BENCH_RELAY_HOT_EVENTS', 500);
  const historyEvents = envCount('BENCH_RELAY_HISTORY', 100_000);
  const server = await startTestDatabaseServer();
  const db = await createTestDatabase(server.url, 'bench_relay');
  try {
    const stream = new MySqlEventStream({ pool: db.pool, name: 'domain-events', partitions: 4 });
    // History first, untimed: BENCH_RELAY_HISTORY published events, as a live outbox holds (the
    // relay's queries must not read through them), which also warms both paths up.
    const history = await insertTimed(db, 'history', 1_000, Math.ceil(historyEvents / 1_000));
    await relayTimed(db, stream);

    const inserted = await insertTimed(db, 'bench', aggregates, Math.ceil(events / aggregates));
    const relayed = await relayTimed(db, stream);
    if (relayed.published !== inserted.count) {
      throw new Error(`Published ${relayed.published} of ${inserted.count} events`);
    }
    const hotInserted = await insertTimed(db, 'hot', 1, hotEvents);
    const hot = await relayTimed(db, stream);
    const singles = await singleAppendsTimed(db, 'single', envCount('BENCH_RELAY_SINGLE_APPENDS', 2_000));
    await relayTimed(db, stream);
    const onStream = history.count + inserted.count + hotInserted.count + singles.count;
    const check = await pendingAndOnStream(db, stream, onStream);
    if (check.pending !== 0 || check.messages !== onStream) {
      throw new Error(`Outbox and stream disagree after the run: ${JSON.stringify(check)}`);
    }

    const insertRate = inserted.count / inserted.seconds;
    const relayRate = relayed.published / relayed.seconds;
    return {
      events: inserted.count,
      history: history.count,
      aggregates,
      insertEventsPerSecond: Math.round(insertRate),
      relayEventsPerSecond: Math.round(relayRate),
      ratioToInsert: round(relayRate / insertRate, 2),
      relayPuts: relayed.puts,
      targetEventsPerSecond: TARGET_EVENTS_PER_SECOND,
      met: relayRate >= TARGET_EVENTS_PER_SECOND,
      hotAggregateEventsPerSecond: Math.round(hot.published / hot.seconds),
      singleAppendTransactionsPerSecond: Math.round(singles.count / singles.seconds),
    };
  } finally {
    await db.drop();
    await server.stop();
  }
}
