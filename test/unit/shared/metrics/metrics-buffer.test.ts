import { describe, expect, it } from 'vitest';
import { bucketIndex, dimensionsKey, LATENCY_BUCKETS_MS, type MetricsBatch } from '#shared/metrics/buffer.ts';
import { createBufferedMetrics } from '#shared/metrics/buffered-metrics.ts';

function capture(options: { maxSeries?: number; now?: () => number; failWith?: Error } = {}) {
  const batches: MetricsBatch[] = [];
  const errors: Array<{ error: unknown; lost: { series: number; dropped: number } }> = [];
  const dropped: number[] = [];
  const metrics = createBufferedMetrics({
    sink: {
      async send(batch) {
        if (options.failWith) throw options.failWith;
        batches.push(batch);
      },
    },
    flushIntervalMs: 60_000,
    autoFlush: false,
    ...(options.maxSeries === undefined ? {} : { maxSeries: options.maxSeries }),
    ...(options.now ? { now: options.now } : {}),
    onFlushError: (error, lost) => errors.push({ error, lost }),
    onDropped: (count) => dropped.push(count),
  });
  return { metrics, batches, errors, dropped };
}

describe('metrics buffer', () => {
  it('aggregates counters per name, dimensions and minute window', async () => {
    let now = Date.parse('2025-03-01T10:00:05Z');
    const { metrics, batches } = capture({ now: () => now });
    const mint = metrics.with({ function: 'license-mint' });
    mint.count('requests');
    mint.count('requests');
    metrics.with({ function: 'health' }).count('requests');
    mint.count('transcode_seconds', 2.5);
    mint.count('transcode_seconds', 0.5);
    now = Date.parse('2025-03-01T10:01:00Z');
    mint.count('requests');
    await metrics.flush();

    expect(batches).toHaveLength(1);
    const view = batches[0]?.series.map((s) => [
      s.name,
      s.dimensions,
      new Date(s.windowStart).toISOString(),
      s.sum,
      s.count,
    ]);
    expect(view).toEqual([
      ['requests', { function: 'license-mint' }, '2025-03-01T10:00:00.000Z', 2, 2],
      ['requests', { function: 'health' }, '2025-03-01T10:00:00.000Z', 1, 1],
      ['transcode_seconds', { function: 'license-mint' }, '2025-03-01T10:00:00.000Z', 3, 2],
      ['requests', { function: 'license-mint' }, '2025-03-01T10:01:00.000Z', 1, 1],
    ]);
    await metrics.flush();
    expect(batches).toHaveLength(1);
  });

  it('treats the same dimensions in any order, bound or per call, as one stream', async () => {
    const { metrics, batches } = capture();
    metrics.with({ worker: 'transcoder' }).count('transcode_jobs', 1, { outcome: 'ready' });
    metrics.with({ outcome: 'ready' }).with({ worker: 'transcoder' }).count('transcode_jobs');
    metrics.count('transcode_jobs', 1, { outcome: 'ready', worker: 'transcoder' });
    metrics.with({ worker: 'transcoder' }).count('transcode_jobs', 1, { outcome: 'failed' });
    await metrics.flush();
    expect(batches[0]?.series.map((s) => [s.dimensions, s.sum])).toEqual([
      [{ worker: 'transcoder', outcome: 'ready' }, 3],
      [{ worker: 'transcoder', outcome: 'failed' }, 1],
    ]);
    expect(dimensionsKey({ b: '1', a: '2' })).toBe(dimensionsKey({ a: '2', b: '1' }));
  });

  it('keeps latency as per-bucket counts and sums', async () => {
    const { metrics, batches } = capture();
    const fn = metrics.with({ function: 'f' });
    for (const ms of [1, 5, 5.5, 7, 40, 400_000]) fn.observe('latency_ms', ms);
    await metrics.flush();
    const series = batches[0]?.series[0];
    expect(series).toMatchObject({ kind: 'histogram', sum: 400_058.5, count: 6 });
    const counts = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    counts[0] = 2; // ≤ 5
    counts[1] = 2; // ≤ 10
    counts[3] = 1; // ≤ 50
    counts[LATENCY_BUCKETS_MS.length] = 1; // +Inf
    expect(series?.bucketCounts).toEqual(counts);
    expect(series?.bucketSums?.[0]).toBe(6);
    expect(series?.bucketSums?.[1]).toBe(12.5);
    expect(bucketIndex(5)).toBe(0);
    expect(bucketIndex(5.0001)).toBe(1);
    expect(bucketIndex(300_001)).toBe(LATENCY_BUCKETS_MS.length);
  });

  it('ignores negative, NaN and infinite values instead of poisoning an aggregate', async () => {
    const { metrics, batches } = capture();
    metrics.count('tickets_sold', -1);
    metrics.count('tickets_sold', Number.NaN);
    metrics.observe('latency_ms', Number.POSITIVE_INFINITY);
    await metrics.flush();
    expect(batches).toEqual([]);
  });

  it('drops and counts points for new streams once the buffer is full, and reports the count at the flush', async () => {
    const { metrics, batches, dropped } = capture({ maxSeries: 2 });
    metrics.count('requests', 1, { function: 'a' });
    metrics.count('requests', 1, { function: 'b' });
    metrics.count('requests', 1, { function: 'c' });
    metrics.count('requests', 1, { function: 'd' });
    metrics.count('requests', 1, { function: 'a' });
    await metrics.flush();
    expect(batches[0]?.series.map((s) => [s.dimensions.function, s.sum])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(batches[0]?.dropped).toBe(2);
    expect(dropped).toEqual([2]);
    // Room again after the flush.
    metrics.count('requests', 1, { function: 'c' });
    await metrics.flush();
    expect(batches[1]).toEqual(expect.objectContaining({ dropped: 0 }));
  });

  it('reports a failed flush once and never throws it at the caller', async () => {
    const failure = new Error('collector down');
    const { metrics, errors } = capture({ failWith: failure });
    metrics.count('requests', 1, { function: 'a' });
    metrics.count('errors', 1, { function: 'a' });
    await expect(metrics.flush()).resolves.toBeUndefined();
    expect(errors).toEqual([{ error: failure, lost: { series: 2, dropped: 0 } }]);
    await metrics.flush();
    expect(errors).toHaveLength(1);
  });

  it('shares one flush between concurrent callers and flushes what is left on close', async () => {
    const { metrics, batches } = capture();
    metrics.count('requests', 1, { function: 'a' });
    await Promise.all([metrics.flush(), metrics.flush()]);
    expect(batches).toHaveLength(1);
    metrics.count('requests', 1, { function: 'a' });
    await metrics.close();
    expect(batches).toHaveLength(2);
  });
});
