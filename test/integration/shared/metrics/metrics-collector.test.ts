import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS } from '#shared/metrics/buffer.ts';
import {
  MAX_COLLECTED_SERIES,
  type RunningMetricsCollector,
  startMetricsCollector,
} from '../../../../infra/local/metrics/collector.ts';

type Series = Record<string, unknown>;

const counter = (name: string, dimensions: Record<string, string>, sum = 1): Series => ({
  kind: 'counter',
  name,
  dimensions,
  timestamp: new Date().toISOString(),
  sum,
  count: 1,
});

const histogram = (name: string, dimensions: Record<string, string>): Series => {
  const buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  buckets[0] = 1;
  return { ...counter(name, dimensions), kind: 'histogram', buckets };
};

/** The TYPE lines of the exposition: Prometheus refuses a scrape that names a family twice. */
const typeLines = (text: string) => text.split('\n').filter((line) => line.startsWith('# TYPE '));

/**
 * The local collector on its own (loopback HTTP), for what the end-to-end test cannot reach
 * cheaply: pushes that would corrupt the families or the exposition, and the series cap.
 */
describe('the local metrics collector', () => {
  let collector: RunningMetricsCollector;
  const push = (series: Series[]) =>
    fetch(collector.pushUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: 'forgecast', dropped: 0, series }),
    });

  beforeAll(async () => {
    collector = await startMetricsCollector({ port: 0 });
  });
  afterAll(async () => {
    await collector?.close();
  });

  it('refuses a push naming one family as both kinds, and then still takes that family as it is', async () => {
    const mixed = await push([
      counter('tickets_sold', { function: 'mixed-probe' }),
      histogram('tickets_sold', { function: 'mixed-probe' }),
    ]);
    expect(mixed.status).toBe(400);

    expect((await push([counter('tickets_sold', { function: 'after-probe' })])).status).toBe(204);
    expect(collector.text()).toContain('forgecast_tickets_sold_total{function="after-probe"} 1\n');
    expect(collector.text()).not.toContain('mixed-probe');
  });

  it('refuses metrics outside the catalog, or of another kind, so no family name can collide', async () => {
    // A histogram called requests_total would render a second `forgecast_requests_total` family.
    expect((await push([histogram('requests_total', { function: 'collide-probe' })])).status).toBe(400);
    expect((await push([counter('latency_ms', { function: 'collide-probe' })])).status).toBe(400);
    expect((await push([counter('metrics_dropped', { function: 'collide-probe' })])).status).toBe(400);
    expect((await push([counter('requests', { function: 'collide-probe' })])).status).toBe(204);
    expect((await push([histogram('latency_ms', { function: 'collide-probe' })])).status).toBe(204);

    const types = typeLines(collector.text());
    expect(new Set(types).size).toBe(types.length);
    expect(collector.text()).not.toContain('requests_total_bucket');
  });
});

describe('the local metrics collector at its series cap', () => {
  let collector: RunningMetricsCollector;

  beforeAll(async () => {
    collector = await startMetricsCollector({ port: 0 });
  });
  afterAll(async () => {
    await collector?.close();
  });

  it('counts a stream pushed twice in one flush (two windows) as one series against the cap', async () => {
    const push = (series: Series[]) =>
      fetch(collector.pushUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ namespace: 'forgecast', dropped: 0, series }),
      });
    // Fill the collector to one series short of its cap, 1,000 series a push.
    for (let start = 0; start < MAX_COLLECTED_SERIES - 1; start += 1000) {
      const size = Math.min(1000, MAX_COLLECTED_SERIES - 1 - start);
      const series = Array.from({ length: size }, (_, i) =>
        counter('requests', { function: `f${start + i}` }),
      );
      expect((await push(series)).status).toBe(204);
    }

    // One new stream, in two windows: exactly the last free series.
    const last = { function: 'last-series' };
    expect((await push([counter('requests', last, 2), counter('requests', last, 3)])).status).toBe(204);
    expect(collector.text()).toContain('forgecast_requests_total{function="last-series"} 5\n');

    // And the cap holds after it.
    expect((await push([counter('requests', { function: 'one-too-many' })])).status).toBe(413);
  });
});
