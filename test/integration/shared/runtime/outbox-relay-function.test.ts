import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { scheduleTick } from '#events/schedule-tick.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { interleavedEvents, readWholeStream, seedOutbox } from '#test/support/relay-streams.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';

const FUNCTION = 'outbox-relay';
const STREAM = 'domain-events';

/**
 * outbox-relay from the built bundle through the real FDK (`node scripts/build.ts` first), as the
 * local scheduler and OCI's Resource Scheduler call it, on MariaDB and the MariaDB stream.
 */
describe('Function: outbox-relay (FDK)', () => {
  let db: TestDatabase;
  let runner: FnRunner;

  async function tick(body = JSON.stringify(scheduleTick(FUNCTION, 'relay'))): Promise<EventOutcome> {
    const outcome = await runner.call(FUNCTION, {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(body),
    });
    if (outcome.kind !== 'ok') throw new Error(`delivery ended ${outcome.kind}`);
    return JSON.parse(outcome.reply.body.toString('utf8')) as EventOutcome;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'outbox_relay_fn');
    runner = new FnRunner(
      [
        bundledFunction(
          FUNCTION,
          {
            MYSQL_URL: db.url,
            STREAM_BACKEND: 'mysql',
            STREAM_NAME: STREAM,
            STREAM_PARTITIONS: '4',
            RELAY_RUN_SECONDS: '10',
          },
          30,
        ),
      ],
      // Two containers, so two ticks really race for the relay lock.
      { processesPerFunction: 2 },
    );
    // Both containers started (a cold start can take seconds on a loaded machine).
    await Promise.all([tick(), tick()]);
  });
  afterAll(async () => {
    await runner?.close();
    await db?.drop();
  });

  it('publishes the outbox on a schedule tick and marks every row published', async () => {
    // Prepare
    const ids = await seedOutbox(db.pool, interleavedEvents('fdk', 20, 5));

    // Act
    const outcome = await tick();

    // Assess
    expect(outcome).toMatchObject({
      status: 'processed',
      detail: { busy: false, published: 100, deadLettered: 0, lagSeconds: 0 },
    });
    const stream = new MySqlEventStream({ pool: db.pool, name: STREAM, partitions: 4 });
    const delivered = await readWholeStream(stream, 'fdk-check', ids.length);
    expect(delivered.map(({ event }) => event.id).sort()).toEqual([...ids].sort());
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS pending FROM outbox WHERE published_at IS NULL',
    );
    expect(Number(rows[0]?.pending)).toBe(0);
  });

  it('runs one relay at a time: two racing ticks (one an empty body) put each event once', async () => {
    // Prepare
    const ids = await seedOutbox(db.pool, interleavedEvents('race', 300, 4));

    // Act
    const outcomes = await Promise.all([tick(), tick('')]);

    // Assess: both processed; what one published the other did not (or it found the lock held).
    for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 'processed' });
    const details = outcomes.map((outcome) => (outcome.status === 'processed' ? outcome.detail : {}));
    const published = details.reduce((sum, detail) => sum + Number(detail?.published ?? 0), 0);
    expect(published).toBe(1200);
    const stream = new MySqlEventStream({ pool: db.pool, name: STREAM, partitions: 4 });
    const delivered = await readWholeStream(stream, 'race-check', 1300);
    const race = delivered.filter(({ event }) => event.aggregateId.startsWith('race-'));
    expect(race).toHaveLength(ids.length);
    expect(new Set(race.map(({ event }) => event.id)).size).toBe(ids.length);
  });

  it('ignores a tick meant for another function', async () => {
    // Act
    const outcome = await tick(JSON.stringify(scheduleTick('live-watchdog', 'watch')));

    // Assess
    expect(outcome).toEqual({ status: 'ignored', reason: 'a tick for live-watchdog' });
  });
});
