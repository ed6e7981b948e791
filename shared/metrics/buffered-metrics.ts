import { dimensionsKey, type MetricsBatch, MetricsBuffer } from './buffer.ts';
import type { CounterName, Dimensions, HistogramName, Metrics } from './metrics.ts';

/** Where flushed aggregates go: OCI Monitoring, or the local collector. */
export interface MetricsSink {
  send(batch: MetricsBatch): Promise<void>;
}

export interface BufferedMetricsOptions {
  readonly sink: MetricsSink;
  readonly flushIntervalMs: number;
  readonly windowMs?: number;
  readonly maxSeries?: number;
  readonly now?: () => number;
  /** Told once per failed flush (never per point); the default writes nothing. */
  readonly onFlushError?: (error: unknown, lost: { series: number; dropped: number }) => void;
  /** Told when points were dropped because the buffer was full. */
  readonly onDropped?: (dropped: number) => void;
  /** Start the background timer (default true); tests flush by hand. */
  readonly autoFlush?: boolean;
}

export interface BufferedMetrics extends Metrics {
  /** Ships what is buffered now; never rejects. Concurrent calls share one flush. */
  flush(): Promise<void>;
  /** Stops the timer and flushes what is left. */
  close(): Promise<void>;
}

const DEFAULT_WINDOW_MS = 60_000;
/** Streams per window: functions × a handful of metrics, with plenty of room. */
const DEFAULT_MAX_SERIES = 2000;

/**
 * The port's one implementation: points aggregate in memory and a background timer (unref'd, so
 * it never keeps a process alive) hands them to the sink. Recording never awaits, never throws
 * and never does I/O; a failed flush loses that interval's aggregates and is reported once.
 */
export function createBufferedMetrics(options: BufferedMetricsOptions): BufferedMetrics {
  const buffer = new MetricsBuffer({
    windowMs: options.windowMs ?? DEFAULT_WINDOW_MS,
    maxSeries: options.maxSeries ?? DEFAULT_MAX_SERIES,
    ...(options.now ? { now: options.now } : {}),
  });
  let inFlight: Promise<void> | undefined;

  async function ship(): Promise<void> {
    const batch = buffer.drain();
    if (batch.dropped > 0) options.onDropped?.(batch.dropped);
    if (batch.series.length === 0) return;
    try {
      await options.sink.send(batch);
    } catch (err) {
      options.onFlushError?.(err, { series: batch.series.length, dropped: batch.dropped });
    }
  }

  function flush(): Promise<void> {
    inFlight ??= ship().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const timer =
    options.autoFlush === false
      ? undefined
      : setInterval(() => {
          void flush();
        }, options.flushIntervalMs);
  timer?.unref();

  const root = bound(buffer, Object.freeze({}), '');
  return {
    count: root.count,
    observe: root.observe,
    with: root.with,
    flush,
    async close() {
      if (timer) clearInterval(timer);
      await inFlight;
      await flush();
    },
  };
}

function bound(buffer: MetricsBuffer, dimensions: Dimensions, key: string): Metrics {
  // Extra dimensions on a single call are rare (an outcome): merged per call, keyed afresh.
  const withExtra = (extra: Dimensions | undefined): [Dimensions, string] => {
    if (extra === undefined) return [dimensions, key];
    const merged = Object.freeze({ ...dimensions, ...extra });
    return [merged, dimensionsKey(merged)];
  };
  const port: Metrics = {
    count(name: CounterName, value = 1, extra?: Dimensions) {
      if (!(value >= 0) || !Number.isFinite(value)) return;
      const [dims, dimsKey] = withExtra(extra);
      buffer.add('counter', name, value, dims, dimsKey);
    },
    observe(name: HistogramName, value: number, extra?: Dimensions) {
      if (!(value >= 0) || !Number.isFinite(value)) return;
      const [dims, dimsKey] = withExtra(extra);
      buffer.add('histogram', name, value, dims, dimsKey);
    },
    with(more: Dimensions) {
      const merged = Object.freeze({ ...dimensions, ...more });
      return bound(buffer, merged, dimensionsKey(merged));
    },
  };
  return port;
}
