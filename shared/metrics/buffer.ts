import type { Dimensions, MetricKind } from './metrics.ts';

/**
 * Upper bounds (ms) of the latency histogram's buckets; one more bucket holds everything above
 * the last (+Inf). Shared by the in-process buffer, the OCI adapter and the local collector.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000,
];

/** One metric stream's aggregate over one window. */
export interface SeriesAggregate {
  readonly name: string;
  readonly kind: MetricKind;
  readonly dimensions: Dimensions;
  /** Start of the window, ms since the epoch (aligned to the window length). */
  readonly windowStart: number;
  /** Counter: the total added. Histogram: the sum of the observations. */
  sum: number;
  /** Counter: how many adds. Histogram: how many observations. */
  count: number;
  /** Histogram only: observations per bucket (LATENCY_BUCKETS_MS, then +Inf) and their sums. */
  readonly bucketCounts?: number[];
  readonly bucketSums?: number[];
}

/** What one flush ships: the aggregates, and how many points were dropped on overflow since the last. */
export interface MetricsBatch {
  readonly series: readonly SeriesAggregate[];
  readonly dropped: number;
}

export interface MetricsBufferOptions {
  /** Open aggregates kept at most; points for a new stream beyond this are dropped and counted. */
  readonly maxSeries: number;
  /** Aggregation window; OCI Monitoring's finest aggregation interval is one minute. */
  readonly windowMs: number;
  readonly now?: () => number;
}

/** A stable key for a set of dimensions, whatever order they were given in. */
export function dimensionsKey(dimensions: Dimensions): string {
  const keys = Object.keys(dimensions);
  if (keys.length === 0) return '';
  keys.sort();
  return JSON.stringify(keys.map((key) => [key, dimensions[key]]));
}

export function bucketIndex(value: number): number {
  const bounds = LATENCY_BUCKETS_MS;
  let index = 0;
  while (index < bounds.length && value > (bounds[index] as number)) index += 1;
  return index;
}

/**
 * Aggregates points per (name, dimensions, window) in memory. Bounded: a point that would open a
 * stream beyond `maxSeries` is dropped and counted, so a label explosion cannot grow the heap.
 */
export class MetricsBuffer {
  readonly #options: MetricsBufferOptions;
  readonly #now: () => number;
  #series = new Map<string, SeriesAggregate>();
  #dropped = 0;

  constructor(options: MetricsBufferOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#series.size;
  }

  /** `key` must be `dimensionsKey(dimensions)`; callers precompute it once per bound port. */
  add(kind: MetricKind, name: string, value: number, dimensions: Dimensions, key: string): void {
    const windowMs = this.#options.windowMs;
    const windowStart = Math.floor(this.#now() / windowMs) * windowMs;
    const seriesKey = `${name}\n${windowStart}\n${key}`;
    let series = this.#series.get(seriesKey);
    if (series === undefined) {
      if (this.#series.size >= this.#options.maxSeries) {
        this.#dropped += 1;
        return;
      }
      series = {
        name,
        kind,
        dimensions,
        windowStart,
        sum: 0,
        count: 0,
        ...(kind === 'histogram'
          ? {
              bucketCounts: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
              bucketSums: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
            }
          : {}),
      };
      this.#series.set(seriesKey, series);
    }
    series.sum += value;
    series.count += 1;
    if (series.bucketCounts && series.bucketSums) {
      const index = bucketIndex(value);
      series.bucketCounts[index] = (series.bucketCounts[index] ?? 0) + 1;
      series.bucketSums[index] = (series.bucketSums[index] ?? 0) + value;
    }
  }

  /** Everything aggregated so far (the current window included), leaving the buffer empty. */
  drain(): MetricsBatch {
    const batch = { series: [...this.#series.values()], dropped: this.#dropped };
    this.#series = new Map();
    this.#dropped = 0;
    return batch;
  }
}
