import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodePublishedEvent, type PublishedEvent, streamKeyOf } from '#events/domain/stream-message.ts';
import { scheduleTick } from '#events/schedule-tick.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { createBigQueryWarehouse } from '#shared/warehouse/bigquery-warehouse.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type FakeBigQuery, startFakeBigQuery } from '#test/support/fake-bigquery.ts';
import { pageViewed, viewsOf } from '#test/support/warehouse-events.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';

const PROJECT = 'forgecast-loader';
const DATASET = 'events_test';
const EMAIL = 'loader@forgecast-loader.iam.gserviceaccount.com';
const FUNCTION = 'warehouse-loader';

/**
 * The warehouse loader as OCI runs it, from the built bundle under the real FDK: its BigQuery
 * adapter (the client library loaded lazily from its own chunk) against the BigQuery stand-in,
 * the stream on MariaDB. What production configures: WAREHOUSE_BACKEND=bigquery and the service
 * account key as one JSON value.
 */
describe('Warehouse loader function on BigQuery (bundle, FDK, stand-in)', () => {
  let db: TestDatabase;
  let fake: FakeBigQuery;
  let runner: FnRunner;
  let stream: MySqlEventStream;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const streamName = `events-${randomUUID()}`;

  const tick = async () => {
    const outcome = await runner.call(FUNCTION, {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(scheduleTick(FUNCTION, 'load'))),
    });
    expect(outcome.kind).toBe('ok');
    return outcome.kind === 'ok' ? JSON.parse(outcome.reply.body.toString('utf8')) : undefined;
  };

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'warehouse_loader_bq');
    stream = new MySqlEventStream({ pool: db.pool, name: streamName, partitions: 4 });
    fake = await startFakeBigQuery({
      projectId: PROJECT,
      datasets: [DATASET],
      accounts: { [EMAIL]: privateKey },
    });
    runner = new FnRunner(
      [
        bundledFunction(
          FUNCTION,
          {
            MYSQL_URL: db.url,
            STREAM_BACKEND: 'mysql',
            STREAM_NAME: streamName,
            WAREHOUSE_BACKEND: 'bigquery',
            BIGQUERY_SERVICE_ACCOUNT_JSON: JSON.stringify({
              type: 'service_account',
              project_id: PROJECT,
              client_email: EMAIL,
              private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
            }),
            BIGQUERY_DATASET: DATASET,
            BIGQUERY_API_ENDPOINT: fake.endpoint,
            GOOGLE_TOKEN_URL: fake.tokenUrl,
          },
          60,
        ),
      ],
      { processesPerFunction: 1 },
    );
  });

  afterAll(async () => {
    await runner?.close();
    await fake?.close();
    await db?.drop();
  });

  it('creates the table and the view, and loads each event once into BigQuery', async () => {
    // Arrange
    const path = `/bq/${randomUUID()}`;
    const events = [1, 2, 3].map((n) => pageViewed(path, String(n)));
    // The second event twice, as after a relay crash between publish and mark.
    const records = [...events, events[1] as PublishedEvent].map((event) => ({
      key: streamKeyOf(event),
      value: encodePublishedEvent(event),
    }));
    expect((await stream.put(records)).every((outcome) => outcome.ok)).toBe(true);

    // Act
    const outcome = await tick();

    // Assess
    expect(outcome).toMatchObject({ status: 'processed', detail: { messages: 4, failures: 0 } });
    expect(fake.refusals.filter((refusal) => /^(token|authError)/.test(refusal))).toEqual([]);
    const reader = createBigQueryWarehouse({
      projectId: PROJECT,
      dataset: DATASET,
      account: { clientEmail: EMAIL, privateKey },
      apiEndpoint: fake.endpoint,
      tokenUrl: fake.tokenUrl,
    });
    expect(await viewsOf(reader, path)).toBe(3);
  });
});
