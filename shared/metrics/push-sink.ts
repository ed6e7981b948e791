import type { MetricsBatch } from './buffer.ts';
import type { MetricsSink } from './buffered-metrics.ts';
import { MAX_PUSH_SERIES, type PushBody, type PushedSeries } from './push-wire.ts';

/** The push backend could not deliver a batch to the collector. */
export class MetricsPushError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricsPushError';
  }
}

export interface PushSinkOptions {
  readonly url: string;
  readonly namespace: string;
  readonly timeoutMs?: number;
}

export function toPushedSeries(batch: MetricsBatch): PushedSeries[] {
  return batch.series.map((series) => {
    const common = {
      name: series.name,
      dimensions: { ...series.dimensions },
      timestamp: new Date(series.windowStart).toISOString(),
      sum: series.sum,
      count: series.count,
    };
    return series.kind === 'histogram'
      ? { ...common, kind: 'histogram' as const, buckets: [...(series.bucketCounts ?? [])] }
      : { ...common, kind: 'counter' as const };
  });
}

/** POSTs each flush as JSON to the local cloud's collector (infra/local/metrics). */
export function createPushSink(options: PushSinkOptions): MetricsSink {
  return {
    async send(batch) {
      const series = toPushedSeries(batch);
      for (let start = 0; start < series.length; start += MAX_PUSH_SERIES) {
        const body: PushBody = {
          namespace: options.namespace,
          dropped: start === 0 ? batch.dropped : 0,
          series: series.slice(start, start + MAX_PUSH_SERIES),
        };
        let response: Response;
        try {
          response = await fetch(options.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
          });
        } catch (cause) {
          throw new MetricsPushError('the metrics collector is unreachable', { cause });
        }
        await response.body?.cancel();
        if (!response.ok) throw new MetricsPushError(`the metrics collector answered ${response.status}`);
      }
    },
  };
}
