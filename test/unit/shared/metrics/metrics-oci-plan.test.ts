import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS, type SeriesAggregate } from '#shared/metrics/buffer.ts';
import {
  OCI_MAX_DATAPOINTS_PER_METRIC,
  OCI_MAX_STREAMS_PER_REQUEST,
  ociDatapoints,
  planPostMetricData,
} from '#shared/metrics/oci-monitoring-sink.ts';

const NOW = Date.parse('2025-03-01T12:00:30Z');
const MINUTE = 60_000;
const options = { namespace: 'forgecast', compartmentId: 'ocid1.compartment.oc1..metrics', now: NOW };

function counter(name: string, dimensions: Record<string, string>, sum: number, windowStart = NOW - 30_000) {
  return { name, kind: 'counter', dimensions, windowStart, sum, count: 1 } satisfies SeriesAggregate;
}

describe('OCI PostMetricData plan', () => {
  it('sends a counter as its window total, once', () => {
    expect(ociDatapoints(counter('requests', { function: 'f' }, 7))).toEqual([
      { timestamp: new Date('2025-03-01T12:00:00Z'), value: 7, count: 1 },
    ]);
  });

  it('sends latency as one point per non-empty bucket: the bucket mean, with its count', () => {
    const bucketCounts = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    const bucketSums = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    bucketCounts[0] = 2;
    bucketSums[0] = 6;
    bucketCounts[4] = 4;
    bucketSums[4] = 300;
    const series: SeriesAggregate = {
      name: 'latency_ms',
      kind: 'histogram',
      dimensions: { function: 'f' },
      windowStart: NOW - 30_000,
      sum: 306,
      count: 6,
      bucketCounts,
      bucketSums,
    };
    const points = ociDatapoints(series);
    expect(points.map(({ value, count }) => ({ value, count }))).toEqual([
      { value: 3, count: 2 },
      { value: 75, count: 4 },
    ]);
    // What MQL's sum(), count() and mean() compute from them is exact.
    const total = points.reduce((sum, p) => sum + p.value * p.count, 0);
    const count = points.reduce((sum, p) => sum + p.count, 0);
    expect([total, count, total / count]).toEqual([306, 6, 51]);
  });

  it('puts at most 50 metric streams in one request', () => {
    const series = Array.from({ length: 120 }, (_, i) => counter('requests', { function: `fn-${i}` }, i + 1));
    const plan = planPostMetricData({ series, dropped: 0 }, options);
    expect(plan.requests.map((r) => r.metricData.length)).toEqual([50, 50, 20]);
    expect(OCI_MAX_STREAMS_PER_REQUEST).toBe(50);
    expect(plan.requests[2]?.metricData[19]).toEqual({
      namespace: 'forgecast',
      compartmentId: 'ocid1.compartment.oc1..metrics',
      name: 'requests',
      dimensions: { function: 'fn-119' },
      datapoints: [{ timestamp: new Date('2025-03-01T12:00:00Z'), value: 120, count: 1 }],
    });
    expect(plan.skipped).toEqual([]);
  });

  it('merges one stream’s windows into one metric object, and spreads a long one over requests', () => {
    const windows = (n: number, fn: string) =>
      Array.from({ length: n }, (_, i) => counter('requests', { function: fn }, 1, NOW - (i + 1) * 30_000));
    const plan = planPostMetricData(
      { series: [...windows(3, 'a'), ...windows(230, 'b')], dropped: 0 },
      options,
    );
    expect(
      plan.requests.map((r) => r.metricData.map((m) => [m.dimensions.function, m.datapoints.length])),
    ).toEqual([
      [
        ['a', 3],
        ['b', OCI_MAX_DATAPOINTS_PER_METRIC],
      ],
      [['b', 100]],
      [['b', 30]],
    ]);
    const first = plan.requests[0]?.metricData[0]?.datapoints.map((p) => p.timestamp.getTime());
    expect(first).toEqual([...(first ?? [])].sort((x, y) => x - y));
  });

  it('leaves out what OCI would refuse, and says why', () => {
    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`d${i}`, 'v']));
    const plan = planPostMetricData(
      {
        series: [
          counter('requests', {}, 1),
          counter('requests', tooMany, 1),
          counter('requests', { 'has space': 'v' }, 1),
          counter('requests', { function: '' }, 1),
          counter('requests', { function: 'x'.repeat(513) }, 1),
          counter('9lives', { function: 'f' }, 1),
          counter('requests', { function: 'old' }, 1, NOW - 2 * 60 * MINUTE),
          counter('requests', { function: 'ahead' }, 1, NOW + 11 * MINUTE),
          counter('requests', { function: 'ok' }, 1, NOW - 100 * MINUTE),
        ],
        dropped: 0,
      },
      options,
    );
    expect(plan.skipped.map((s) => s.reason)).toEqual([
      'needs 1 to 20 dimensions',
      'needs 1 to 20 dimensions',
      'dimension key "has space" is invalid',
      'dimension function must hold 1 to 512 characters',
      'dimension function must hold 1 to 512 characters',
      'metric name OCI does not accept',
      'older than OCI accepts',
      'too far in the future',
    ]);
    expect(plan.requests.flatMap((r) => r.metricData.map((m) => m.dimensions.function))).toEqual(['ok']);
  });

  it('sends nothing for an empty batch', () => {
    expect(planPostMetricData({ series: [], dropped: 3 }, options)).toEqual({ requests: [], skipped: [] });
  });
});
