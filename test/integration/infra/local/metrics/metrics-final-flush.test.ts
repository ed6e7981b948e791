import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledFunction, OFFLINE_HEALTH_CONFIG } from '#test/support/bundle.ts';
import { clientResponseOf, fnHttpHeaders } from '../../../../../infra/local/fn/http-intent.ts';
import { FnRunner } from '../../../../../infra/local/fn/runner.ts';
import {
  type RunningMetricsCollector,
  startMetricsCollector,
} from '../../../../../infra/local/metrics/collector.ts';

/**
 * Fn retires an idle container with SIGTERM. The minute of aggregates it still holds must reach
 * the backend first; with a flush interval far longer than the test, only that final flush can
 * deliver these counts.
 */
describe('a function container shipping its metrics when Fn stops it', () => {
  let collector: RunningMetricsCollector;

  beforeAll(async () => {
    collector = await startMetricsCollector({ port: 0 });
  });
  afterAll(async () => {
    await collector?.close();
  });

  it('flushes the buffered request counts on SIGTERM', async () => {
    const runner = new FnRunner(
      [
        bundledFunction('health', {
          ...OFFLINE_HEALTH_CONFIG,
          METRICS_BACKEND: 'push',
          METRICS_PUSH_URL: collector.pushUrl,
          METRICS_FLUSH_SECONDS: '300',
        }),
      ],
      { processesPerFunction: 1 },
    );
    try {
      for (let call = 0; call < 3; call += 1) {
        const outcome = await runner.call('health', {
          headers: fnHttpHeaders('GET', '/v1/health/live', {}),
          body: Buffer.alloc(0),
        });
        if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}`);
        expect(clientResponseOf(outcome.reply).status).toBe(200);
      }
      expect(collector.text()).not.toContain('forgecast_requests_total{function="health"}');
    } finally {
      await runner.close();
    }
    expect(collector.text()).toContain('forgecast_requests_total{function="health"} 3');
    expect(collector.text()).toContain('forgecast_latency_ms_count{function="health"} 3');
  });
});
