import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBufferedMetrics } from '#shared/metrics/buffered-metrics.ts';
import { createOciMonitoringSink, MetricsPublishError } from '#shared/metrics/oci-monitoring-sink.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { type FakeOciMonitoring, startFakeOciMonitoring } from '#test/support/fake-oci-monitoring.ts';
import { testResourcePrincipal } from '#test/support/oci-resource-principal.ts';
import { rsaKeyPair, TEST_SIGNING_KEY_ID, testAuthProvider } from '#test/support/oci-test-auth.ts';
import { clientResponseOf, fnHttpHeaders } from '../../../../infra/local/fn/http-intent.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';

const COMPARTMENT = 'ocid1.compartment.oc1..forgecastmetrics';

describe('OCI Monitoring metrics adapter against the fake ingestion endpoint', () => {
  const registered = rsaKeyPair();
  let fake: FakeOciMonitoring;

  function metricsFor(options: { privateKey?: string; now: number }) {
    const failures: unknown[] = [];
    const metrics = createBufferedMetrics({
      sink: createOciMonitoringSink({
        ingestionEndpoint: `${fake.endpoint}/`,
        namespace: 'forgecast',
        compartmentId: COMPARTMENT,
        authenticationDetailsProvider: testAuthProvider(options.privateKey ?? registered.privateKey),
        now: () => options.now,
      }),
      flushIntervalMs: 60_000,
      autoFlush: false,
      now: () => options.now,
      onFlushError: (error) => failures.push(error),
    });
    return { metrics, failures };
  }

  beforeAll(async () => {
    fake = await startFakeOciMonitoring({ keys: { [TEST_SIGNING_KEY_ID]: registered.publicKey } });
  });

  afterAll(async () => {
    await fake?.close();
  });

  it('posts one signed PostMetricData with counters as totals and latency per bucket', async () => {
    const now = Date.now();
    const minute = new Date(Math.floor(now / 60_000) * 60_000).toISOString();
    const { metrics, failures } = metricsFor({ now });
    const mint = metrics.with({ function: 'license-mint' });
    mint.count('requests');
    mint.count('requests');
    mint.count('errors');
    mint.count('licenses_minted');
    mint.observe('latency_ms', 4);
    mint.observe('latency_ms', 2);
    mint.observe('latency_ms', 120);
    metrics.with({ worker: 'transcoder' }).count('transcode_jobs', 1, { outcome: 'ready' });
    const callsBefore = fake.calls.length;

    await metrics.flush();

    expect(failures).toEqual([]);
    expect(fake.rejectedRequests).toBe(0);
    const stream = (name: string, dimensions: Record<string, string>, datapoints: unknown[]) => ({
      namespace: 'forgecast',
      compartmentId: COMPARTMENT,
      name,
      dimensions,
      datapoints,
    });
    expect(fake.calls.slice(callsBefore)).toEqual([
      {
        path: '/20180401/metrics',
        body: {
          metricData: [
            stream('requests', { function: 'license-mint' }, [{ timestamp: minute, value: 2, count: 1 }]),
            stream('errors', { function: 'license-mint' }, [{ timestamp: minute, value: 1, count: 1 }]),
            stream('licenses_minted', { function: 'license-mint' }, [
              { timestamp: minute, value: 1, count: 1 },
            ]),
            stream('latency_ms', { function: 'license-mint' }, [
              { timestamp: minute, value: 3, count: 2 },
              { timestamp: minute, value: 120, count: 1 },
            ]),
            stream('transcode_jobs', { worker: 'transcoder', outcome: 'ready' }, [
              { timestamp: minute, value: 1, count: 1 },
            ]),
          ],
        },
      },
    ]);
  });

  it('splits more than 50 streams over several calls, all accepted', async () => {
    const now = Date.now();
    const { metrics, failures } = metricsFor({ now });
    for (let i = 0; i < 120; i += 1) metrics.count('requests', i + 1, { function: `fn-${i}` });
    const callsBefore = fake.calls.length;
    const acceptedBefore = fake.accepted.length;

    await metrics.flush();

    expect(failures).toEqual([]);
    const bodies = fake.calls.slice(callsBefore).map((call) => call.body.metricData as unknown[]);
    expect(bodies.map((b) => b.length)).toEqual([50, 50, 20]);
    const accepted = fake.accepted.slice(acceptedBefore);
    expect(accepted).toHaveLength(120);
    expect(accepted.reduce((sum, point) => sum + point.value, 0)).toBe((120 * 121) / 2);
  });

  it('reports a refused call once at the flush, never to the code that recorded', async () => {
    const { metrics, failures } = metricsFor({ now: Date.now(), privateKey: rsaKeyPair().privateKey });
    const rejectedBefore = fake.rejectedRequests;
    metrics.count('requests', 1, { function: 'health' });
    metrics.count('errors', 1, { function: 'health' });

    await expect(metrics.flush()).resolves.toBeUndefined();

    expect(fake.rejectedRequests).toBe(rejectedBefore + 1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(MetricsPublishError);
    expect(String((failures[0] as Error).message)).toContain('401');
  });
});

/**
 * The bundled health function under the real FDK with METRICS_BACKEND=oci and a resource
 * principal as OCI Functions injects it: its calls reach Monitoring as signed PostMetricData
 * from the background flush, without the handler waiting for them.
 */
describe('A bundled function reports to OCI Monitoring with its resource principal', () => {
  const principal = testResourcePrincipal();
  let fake: FakeOciMonitoring;
  let runner: FnRunner;

  beforeAll(async () => {
    fake = await startFakeOciMonitoring({ keys: principal.keys });
    runner = new FnRunner(
      [
        bundledFunction('health', {
          ...principal.env,
          // health's config; /health/live touches none of it.
          MYSQL_URL: 'mysql://unused:unused@127.0.0.1:9/unused',
          S3_ENDPOINT: 'http://127.0.0.1:9',
          S3_REGION: 'local-1',
          S3_ACCESS_KEY_ID: 'unused',
          S3_SECRET_ACCESS_KEY: 'unused',
          CHAIN_RPC_URL: 'http://127.0.0.1:9',
          BUCKETS: 'media',
          QUEUES: 'transcode',
          METRICS_BACKEND: 'oci',
          METRICS_COMPARTMENT_ID: COMPARTMENT,
          METRICS_INGESTION_ENDPOINT: fake.endpoint,
          METRICS_FLUSH_SECONDS: '1',
        }),
      ],
      { processesPerFunction: 1 },
    );
  });

  afterAll(async () => {
    await runner?.close();
    await fake?.close();
  });

  it('counts its calls and their latency under the function dimension', async () => {
    for (let i = 0; i < 3; i += 1) {
      const outcome = await runner.call('health', {
        headers: fnHttpHeaders('GET', '/v1/health/live', {}),
        body: Buffer.alloc(0),
      });
      if (outcome.kind !== 'ok') throw new Error(JSON.stringify(outcome));
      expect(clientResponseOf(outcome.reply).status).toBe(200);
    }
    const total = (name: string) =>
      fake.accepted
        .filter((point) => point.name === name)
        .reduce((sum, point) => sum + (name === 'latency_ms' ? point.count : point.value), 0);
    await expect.poll(() => total('requests'), { timeout: 20_000, interval: 200 }).toBe(3);
    await expect.poll(() => total('latency_ms'), { timeout: 20_000, interval: 200 }).toBe(3);
    expect(total('errors')).toBe(0);
    expect(fake.rejectedRequests).toBe(0);
    expect(
      new Set(fake.accepted.map((point) => JSON.stringify([point.namespace, point.dimensions]))),
    ).toEqual(new Set([JSON.stringify(['forgecast', { function: 'health' }])]));
  });
});
