import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN_EVENTS } from '#events/domain/catalogue.ts';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import { readConfig } from '#shared/config/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { createBigQueryWarehouse } from '#shared/warehouse/bigquery-warehouse.ts';
import { createLocalWarehouse } from '#shared/warehouse/local-warehouse.ts';
import {
  type Warehouse,
  WarehouseQueryError,
  WarehouseUnavailableError,
} from '#shared/warehouse/warehouse.ts';
import { warehouseConfig, warehouseFromConfig } from '#shared/warehouse/warehouse-from-config.ts';
import { type FakeBigQuery, startFakeBigQuery } from '#test/support/fake-bigquery.ts';
import {
  type RunningLocalWarehouse,
  startLocalWarehouseServer,
} from '../../../../infra/local/warehouse/server.ts';

const PROJECT = 'forgecast-test';
const DATASET = 'forgecast';
const TOKEN = 'warehouse-test-token-0123456789';
const EMAIL = 'warehouse@forgecast-test.iam.gserviceaccount.com';

let sequence = 0;
function ticketsIssued(
  showId: string,
  count: number,
  occurredAt = '2026-12-07T10:15:00.250Z',
): PublishedEvent {
  sequence += 1;
  const definition = DOMAIN_EVENTS['tickets.issued'];
  return {
    id: randomUUID(),
    type: 'tickets.issued',
    version: definition.version,
    aggregateType: 'order',
    aggregateId: `order-${sequence}`,
    occurredAt,
    sequence: String(sequence),
    payload: { ...definition.example, showId, quantity: count },
  };
}

const COUNT_SQL =
  "SELECT COUNT(*) AS events FROM events_unique WHERE JSON_VALUE(payload, '$.showId') = @show";

/** What both adapters must do the same way: the contract dashboards rely on. */
function portContract(
  name: string,
  warehouse: () => Warehouse,
  storedRows: (show: string) => Promise<number>,
) {
  describe(`${name}: the port's contract`, () => {
    it('stores each event once, however often it is inserted', async () => {
      // Arrange
      const show = `show-${randomUUID()}`;
      const [first, second] = [ticketsIssued(show, 2), ticketsIssued(show, 3)];

      // Act
      const batch = await warehouse().insertEvents([first, second, first]);
      await warehouse().insertEvents([second]);
      const [row] = await warehouse().query<{ events: number }>(COUNT_SQL, { show });

      // Assess
      expect(batch).toEqual({ inserted: 2, duplicates: 1 });
      expect(row).toEqual({ events: 2 });
      expect(await storedRows(show)).toBeGreaterThanOrEqual(2);
    });

    it('answers portable SQL with typed named parameters and the same row shapes', async () => {
      // Arrange
      const show = `show-${randomUUID()}`;
      await warehouse().insertEvents([
        ticketsIssued(show, 2, '2026-12-07T10:15:00.250Z'),
        ticketsIssued(show, 5, '2026-12-07T11:00:00.000Z'),
        ticketsIssued(show, 1, '2026-12-08T09:00:00.000Z'),
      ]);

      // Act
      const rows = await warehouse().query(
        `SELECT event_date AS day,
                COUNT(*) AS events,
                SUM(CAST(JSON_VALUE(payload, '$.quantity') AS INT64)) AS tickets,
                COUNTIF(CAST(JSON_VALUE(payload, '$.quantity') AS INT64) > @atLeast) AS big_orders,
                MIN(occurred_at) AS first_at,
                CAST(SUM(CAST(JSON_VALUE(payload, '$.quantity') AS INT64)) AS FLOAT64) / @divisor AS ratio,
                @flag AS flag,
                @nothing IS NULL AS nothing_is_null,
                ANY_VALUE(type) AS type
         FROM events_unique
         WHERE JSON_VALUE(payload, '$.showId') = @show AND type = @type AND occurred_at >= @since
           AND event_date BETWEEN DATE(@from) AND DATE(@to)
         GROUP BY event_date
         ORDER BY day`,
        {
          show,
          type: 'tickets.issued',
          since: new Date('2026-12-07T00:00:00Z'),
          from: '2026-12-01',
          to: '2026-12-31',
          atLeast: 2,
          divisor: 2.5,
          flag: true,
          nothing: null,
        },
      );

      // Assess
      expect(rows).toEqual([
        {
          day: '2026-12-07',
          events: 2,
          tickets: 7,
          big_orders: 1,
          first_at: '2026-12-07T10:15:00.250Z',
          ratio: 2.8,
          flag: true,
          nothing_is_null: true,
          type: 'tickets.issued',
        },
        {
          day: '2026-12-08',
          events: 1,
          tickets: 1,
          big_orders: 0,
          first_at: '2026-12-08T09:00:00.000Z',
          ratio: 0.4,
          flag: true,
          nothing_is_null: true,
          type: 'tickets.issued',
        },
      ]);
    });

    it('hands the payload back as JSON text', async () => {
      // Arrange
      const show = `show-${randomUUID()}`;
      await warehouse().insertEvents([ticketsIssued(show, 4)]);

      // Act
      const [row] = await warehouse().query<{ payload: string }>(
        "SELECT payload FROM events_unique WHERE JSON_VALUE(payload, '$.showId') = @show",
        { show },
      );

      // Assess
      expect(JSON.parse(row?.payload ?? 'null')).toMatchObject({ showId: show, quantity: 4 });
    });

    it('refuses a statement that writes, and a parameter it was not given', async () => {
      // Act / Assess
      await expect(warehouse().query('DELETE FROM events WHERE TRUE', {})).rejects.toBeInstanceOf(
        WarehouseQueryError,
      );
      await expect(warehouse().query('SELECT @missing AS x', {})).rejects.toBeInstanceOf(WarehouseQueryError);
    });
  });
}

describe('Warehouse adapters', () => {
  let dataDir = '';
  let server: RunningLocalWarehouse;
  let local: Warehouse;
  let fake: FakeBigQuery;
  let bigquery: ReturnType<typeof createBigQueryWarehouse>;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'warehouse-'));
    server = await startLocalWarehouseServer({
      databaseFile: join(dataDir, 'warehouse.duckdb'),
      token: TOKEN,
    });
    local = createLocalWarehouse({ url: server.url, token: TOKEN });
    fake = await startFakeBigQuery({
      projectId: PROJECT,
      datasets: [DATASET],
      accounts: { [EMAIL]: privateKey },
    });
    bigquery = createBigQueryWarehouse({
      projectId: PROJECT,
      dataset: DATASET,
      account: { clientEmail: EMAIL, privateKey },
      apiEndpoint: fake.endpoint,
      tokenUrl: fake.tokenUrl,
      location: 'EU',
    });
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  portContract(
    'local (DuckDB server)',
    () => local,
    async (show) =>
      Number(
        (
          await server.warehouse.query<{ n: number }>(
            "SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(payload, '$.showId') = @show",
            { show },
          )
        )[0]?.n,
      ),
  );
  portContract(
    'BigQuery (stand-in)',
    () => bigquery,
    async () => fake.storedRows('events'),
  );

  describe('local server', () => {
    it('refuses a caller without its token, an oversized body and an event outside the catalogue', async () => {
      // Act
      const anonymous = await fetch(`${server.url}/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'SELECT 1 AS one' }),
      });
      const oversized = await fetch(`${server.url}/v1/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql: `SELECT '${'x'.repeat(200_000)}' AS x` }),
      });
      const unknownType = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ ...ticketsIssued('s', 1), type: 'nothing.happened' }] }),
      });

      // Assess
      expect(anonymous.status).toBe(401);
      expect(oversized.status).toBe(413);
      expect(unknownType.status).toBe(400);
    });

    it('keeps what it stored across a restart (a file under the data folder)', async () => {
      // Arrange
      const file = join(dataDir, 'restart.duckdb');
      const show = `show-${randomUUID()}`;
      const first = await startLocalWarehouseServer({ databaseFile: file, token: TOKEN });
      try {
        await createLocalWarehouse({ url: first.url, token: TOKEN }).insertEvents([ticketsIssued(show, 1)]);
      } finally {
        await first.close();
      }

      // Act
      const second = await startLocalWarehouseServer({ databaseFile: file, token: TOKEN });
      try {
        const rows = await createLocalWarehouse({ url: second.url, token: TOKEN }).query(COUNT_SQL, { show });

        // Assess
        expect(rows).toEqual([{ events: 1 }]);
      } finally {
        await second.close();
      }
    });

    it('is unavailable, not refused, when nothing answers', async () => {
      // Arrange
      const gone = createLocalWarehouse({ url: 'http://127.0.0.1:1', token: TOKEN, timeoutMs: 2000 });

      // Act / Assess
      await expect(gone.query('SELECT 1 AS one', {})).rejects.toBeInstanceOf(WarehouseUnavailableError);
    });
  });

  describe('BigQuery adapter on the wire', () => {
    it('signs in with the service account, creates a day-partitioned table and the view, inserts rows {insertId, json}', async () => {
      // Arrange
      const event = ticketsIssued(`show-${randomUUID()}`, 1);

      // Act
      await bigquery.insertEvents([event]);

      // Assess: the token exchange and every call passed the stand-in's checks
      expect(fake.refusals.filter((refusal) => /^(token|authError)/.test(refusal))).toEqual([]);
      const created = fake.requests.filter(
        (request) => request.method === 'POST' && request.path.endsWith('/tables'),
      );
      expect(
        created.map(
          (request) => (request.body as { tableReference: { tableId: string } }).tableReference.tableId,
        ),
      ).toEqual(['events', 'events_unique']);
      expect((created[0]?.body as { timePartitioning?: unknown } | undefined)?.timePartitioning).toEqual({
        type: 'DAY',
        field: 'event_date',
      });
      const insert = fake.requests.findLast((request) => request.path.endsWith('/insertAll'));
      expect(insert?.path).toBe(
        `/bigquery/v2/projects/${PROJECT}/datasets/${DATASET}/tables/events/insertAll`,
      );
      expect((insert?.body as { rows?: unknown[] } | undefined)?.rows).toEqual([
        {
          insertId: event.id,
          json: expect.objectContaining({
            event_id: event.id,
            event_date: '2026-12-07',
            occurred_at: event.occurredAt,
            payload: JSON.stringify(event.payload),
          }),
        },
      ]);
    });

    it('sends GoogleSQL with NAMED, typed parameters and the default dataset', async () => {
      // Act
      await bigquery.query(
        'SELECT COUNT(*) AS n FROM events_unique WHERE aggregate_id = @show AND occurred_at >= @since',
        {
          show: 'x',
          since: new Date('2026-12-01T00:00:00Z'),
        },
      );

      // Assess
      const query = fake.requests.findLast((request) => request.path.endsWith('/queries'));
      expect(query?.body).toMatchObject({
        useLegacySql: false,
        defaultDataset: { projectId: PROJECT, datasetId: DATASET },
        location: 'EU',
        queryParameters: expect.arrayContaining([
          { name: 'show', parameterType: { type: 'STRING' }, parameterValue: { value: 'x' } },
          expect.objectContaining({ name: 'since', parameterType: { type: 'TIMESTAMP' } }),
        ]),
      });
      expect(
        String((query?.body as { parameterMode?: string } | undefined)?.parameterMode).toUpperCase(),
      ).toBe('NAMED');
    });

    it('counts an event once even when BigQuery stored it twice (the view de-duplicates)', async () => {
      // Arrange
      const show = `show-${randomUUID()}`;
      const event = ticketsIssued(show, 1);
      await bigquery.insertEvents([event]);
      const before = await fake.storedRows('events');

      // Act: the insertId window has passed, so BigQuery stores the repeat
      fake.forgetInsertIds();
      await bigquery.insertEvents([event]);

      // Assess
      expect(await fake.storedRows('events')).toBe(before + 1);
      expect(await bigquery.query(COUNT_SQL, { show })).toEqual([{ events: 1 }]);
    });

    it('waits for a query that is not complete at once (jobs.getQueryResults)', async () => {
      // Arrange
      const show = `show-${randomUUID()}`;
      await bigquery.insertEvents([ticketsIssued(show, 1), ticketsIssued(show, 1)]);
      fake.delayQueries(1);

      // Act
      const rows = await bigquery.query(COUNT_SQL, { show });

      // Assess
      expect(rows).toEqual([{ events: 2 }]);
      expect(fake.requests.at(-1)?.method).toBe('GET');
    });

    it('asks again when BigQuery answers 503 once (the client retries; jobs.query carries a requestId)', async () => {
      // Arrange
      const queries = () => fake.requests.filter((request) => request.path.endsWith('/queries')).length;
      const before = queries();
      fake.failNext(503);

      // Act
      const rows = await bigquery.query(COUNT_SQL, { show: 'nobody' });

      // Assess
      expect(rows).toEqual([{ events: 0 }]);
      expect(queries() - before).toBe(2);
    });

    it('says a refused statement is the caller’s, and a key BigQuery does not know leaves it unavailable', async () => {
      // Arrange
      const stranger = createBigQueryWarehouse({
        projectId: PROJECT,
        dataset: DATASET,
        account: {
          clientEmail: EMAIL,
          privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
        },
        apiEndpoint: fake.endpoint,
        tokenUrl: fake.tokenUrl,
      });

      // Act / Assess
      await expect(bigquery.query('SELECT FROM WHERE', {})).rejects.toBeInstanceOf(WarehouseQueryError);
      await expect(stranger.query('SELECT 1 AS one', {})).rejects.toBeInstanceOf(WarehouseUnavailableError);
      expect(fake.refusals.at(-1)).toMatch(/invalid JWT signature/);
    });
  });

  describe('warehouseFromConfig', () => {
    it('picks the adapter by WAREHOUSE_BACKEND and names what is missing', () => {
      // Arrange
      const key = JSON.stringify({
        type: 'service_account',
        project_id: PROJECT,
        client_email: EMAIL,
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      });

      // Act
      const fromLocal = warehouseFromConfig(
        readConfig(warehouseConfig, { WAREHOUSE_URL: server.url, WAREHOUSE_TOKEN: TOKEN }),
      );
      const fromBigQuery = warehouseFromConfig(
        readConfig(warehouseConfig, { WAREHOUSE_BACKEND: 'bigquery', BIGQUERY_SERVICE_ACCOUNT_JSON: key }),
      );

      // Assess
      expect(fromLocal.dialect).toBe('duckdb');
      expect(fromBigQuery.dialect).toBe('bigquery');
      expect(() => warehouseFromConfig(readConfig(warehouseConfig, {}))).toThrow(ConfigError);
      expect(() =>
        warehouseFromConfig(readConfig(warehouseConfig, { WAREHOUSE_BACKEND: 'bigquery' })),
      ).toThrow(/BIGQUERY_SERVICE_ACCOUNT_JSON is required/);
      expect(() =>
        warehouseFromConfig(
          readConfig(warehouseConfig, {
            WAREHOUSE_BACKEND: 'bigquery',
            BIGQUERY_SERVICE_ACCOUNT_JSON: '{"x":1}',
          }),
        ),
      ).toThrow(/BIGQUERY_SERVICE_ACCOUNT_JSON is invalid/);
    });
  });
});
