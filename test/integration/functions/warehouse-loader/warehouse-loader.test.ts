import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { encodePublishedEvent, type PublishedEvent, streamKeyOf } from '#events/domain/stream-message.ts';
import { type LoaderOptions, runWarehouseLoader } from '#functions/warehouse-loader/loader.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import type { CounterName, Dimensions, Metrics } from '#shared/metrics/metrics.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { createLocalWarehouse } from '#shared/warehouse/local-warehouse.ts';
import {
  type Warehouse,
  WarehouseQueryError,
  WarehouseUnavailableError,
} from '#shared/warehouse/warehouse.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { pageViewed, viewsOf } from '#test/support/warehouse-events.ts';
import {
  type RunningLocalWarehouse,
  startLocalWarehouseServer,
} from '../../../../infra/local/warehouse/server.ts';

const TOKEN = 'loader-test-token-0123456789abcdef';
const OPTIONS: LoaderOptions = { runSeconds: 0, pollMs: 50, readBatch: 500, instance: 'warehouse-loader' };

/** Counters as the loader records them, for the assertions. */
function recordingMetrics() {
  const counted: { name: CounterName; value: number; dimensions: Dimensions }[] = [];
  const metrics: Metrics = {
    count: (name, value = 1, dimensions = {}) => void counted.push({ name, value, dimensions }),
    observe: () => {},
    with: () => metrics,
  };
  const total = (name: CounterName, dimensions: Dimensions) =>
    counted
      .filter(
        (point) =>
          point.name === name &&
          Object.entries(dimensions).every(([key, value]) => point.dimensions[key] === value),
      )
      .reduce((sum, point) => sum + point.value, 0);
  return { metrics, total };
}

describe('Warehouse loader (MariaDB stream → local warehouse server)', () => {
  let db: TestDatabase;
  let pool: DbPool;
  let server: RunningLocalWarehouse;
  let warehouse: Warehouse;
  let stream: MySqlEventStream;

  const put = async (values: readonly Buffer[], keys: readonly string[]) => {
    const outcomes = await stream.put(values.map((value, i) => ({ key: keys[i] ?? 'k', value })));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
  };
  const putEvents = (events: readonly PublishedEvent[]) =>
    put(events.map(encodePublishedEvent), events.map(streamKeyOf));

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'warehouse_loader');
    pool = createPool(db.url, { connectionLimit: 4 });
    server = await startLocalWarehouseServer({ databaseFile: ':memory:', token: TOKEN });
    warehouse = createLocalWarehouse({ url: server.url, token: TOKEN });
  });

  beforeEach(() => {
    // A stream of its own per test: what one test leaves unread never reaches another.
    stream = new MySqlEventStream({ pool, name: `events-${randomUUID()}`, partitions: 4 });
  });

  afterAll(async () => {
    await server?.close();
    await pool?.end();
    await db?.drop();
  });

  it('stores every event once, skips and counts what is not a published event, and never reads it again', async () => {
    // Arrange
    const path = `/loader/${randomUUID()}`;
    const events = [pageViewed(path), pageViewed(path), pageViewed(path)];
    const { metrics, total } = recordingMetrics();
    await putEvents(events.slice(0, 2));
    await put(
      [
        Buffer.from('not json'),
        encodePublishedEvent({ ...pageViewed(path), type: 'nothing.happened' } as never),
      ],
      ['x', 'y'],
    );
    await putEvents(events.slice(2));

    // Act
    const first = await runWarehouseLoader({ stream, warehouse, metrics }, OPTIONS);
    const second = await runWarehouseLoader({ stream, warehouse, metrics }, OPTIONS);

    // Assess
    expect(first).toMatchObject({
      messages: 5,
      inserted: 3,
      duplicates: 0,
      malformed: 2,
      rejected: 0,
      failures: 0,
    });
    expect(second).toMatchObject({ messages: 0, inserted: 0 });
    expect(await viewsOf(warehouse, path)).toBe(3);
    expect(total('warehouse_events_skipped', { reason: 'malformed' })).toBe(2);
    expect(total('warehouse_events_loaded', { outcome: 'inserted' })).toBe(3);
  });

  it('counts an event the relay put twice (a crash between publish and mark) once', async () => {
    // Arrange
    const path = `/loader/${randomUUID()}`;
    const event = pageViewed(path);
    await putEvents([event]);
    await putEvents([event]);

    // Act
    const summary = await runWarehouseLoader(
      { stream, warehouse, metrics: recordingMetrics().metrics },
      OPTIONS,
    );

    // Assess
    expect(summary).toMatchObject({ messages: 2, inserted: 1, duplicates: 1 });
    expect(await viewsOf(warehouse, path)).toBe(1);
  });

  it('commits nothing while the warehouse is down, and loads the same batch once it is back', async () => {
    // Arrange
    const path = `/loader/${randomUUID()}`;
    await putEvents([pageViewed(path), pageViewed(path)]);
    let down = true;
    const flaky: Warehouse = {
      ...warehouse,
      insertEvents: (events) =>
        down
          ? Promise.reject(new WarehouseUnavailableError('down for the test'))
          : warehouse.insertEvents(events),
    };

    // Act
    const failed = await runWarehouseLoader(
      { stream, warehouse: flaky, metrics: recordingMetrics().metrics },
      OPTIONS,
    );
    down = false;
    const recovered = await runWarehouseLoader(
      { stream, warehouse: flaky, metrics: recordingMetrics().metrics },
      OPTIONS,
    );

    // Assess
    expect(failed).toMatchObject({ failures: 1, inserted: 0, messages: 0 });
    expect(recovered).toMatchObject({ failures: 0, inserted: 2, messages: 2 });
    expect(await viewsOf(warehouse, path)).toBe(2);
  });

  it('stores the rest of a batch when the warehouse refuses one event, and skips and counts that one', async () => {
    // Arrange
    const path = `/loader/${randomUUID()}`;
    const poisoned = pageViewed(path);
    await putEvents([pageViewed(path), poisoned, pageViewed(path)]);
    const refusing: Warehouse = {
      ...warehouse,
      insertEvents: (events) =>
        events.some((event) => event.id === poisoned.id)
          ? Promise.reject(new WarehouseQueryError('refused for the test'))
          : warehouse.insertEvents(events),
    };
    const { metrics, total } = recordingMetrics();

    // Act
    const summary = await runWarehouseLoader({ stream, warehouse: refusing, metrics }, OPTIONS);
    const again = await runWarehouseLoader({ stream, warehouse: refusing, metrics }, OPTIONS);

    // Assess
    expect(summary).toMatchObject({ messages: 3, inserted: 2, rejected: 1, failures: 0 });
    expect(again).toMatchObject({ messages: 0 });
    expect(await viewsOf(warehouse, path)).toBe(2);
    expect(total('warehouse_events_skipped', { reason: 'rejected' })).toBe(1);
  });

  it('keeps reading for its run time, so an event put during the run is loaded by it', async () => {
    // Arrange
    const path = `/loader/${randomUUID()}`;
    setTimeout(() => void putEvents([pageViewed(path)]), 300);

    // Act
    const summary = await runWarehouseLoader(
      { stream, warehouse, metrics: recordingMetrics().metrics },
      { ...OPTIONS, runSeconds: 2, pollMs: 200 },
    );

    // Assess
    expect(summary).toMatchObject({ inserted: 1 });
    expect(await viewsOf(warehouse, path)).toBe(1);
  });
});
