import type { AuthenticationDetailsProvider } from 'oci-common';
import type { MonitoringClient } from 'oci-monitoring';
import { commonJsExports } from '../base/commonjs.ts';
import { lazyOnce } from '../base/lazy.ts';
import type { MetricsBatch, SeriesAggregate } from './buffer.ts';
import type { MetricsSink } from './buffered-metrics.ts';

/**
 * OCI Monitoring's PostMetricData (`POST /20180401/metrics` on the telemetry-ingestion endpoint)
 * and the limits it documents, enforced here so a request is never refused as a whole:
 * at most 50 unique metric streams per call; 1 to 20 dimensions per metric, keys of printable
 * ASCII without spaces (≤ 256 characters), non-empty values (≤ 512 characters); names starting
 * with a letter (letters, digits, `.`, `_`, `-`, `$`); datapoints less than two hours old and
 * less than ten minutes ahead. Per-call TPS (50 per tenancy) is far above one call per stream
 * batch per minute per container.
 */
export const OCI_MAX_STREAMS_PER_REQUEST = 50;
/** Not an OCI limit: keeps one request small when a late flush carries many windows. */
export const OCI_MAX_DATAPOINTS_PER_METRIC = 100;
export const OCI_MAX_DIMENSIONS = 20;
/** OCI refuses datapoints two hours old; five minutes of margin for the request in flight. */
const OCI_MAX_AGE_MS = 115 * 60_000;
const OCI_MAX_AHEAD_MS = 10 * 60_000;
const METRIC_NAME = /^[A-Za-z][A-Za-z0-9._$-]*$/;
const DIMENSION_KEY = /^[\x21-\x7e]{1,256}$/;

export interface OciDatapoint {
  readonly timestamp: Date;
  readonly value: number;
  readonly count: number;
}

export interface OciMetricData {
  readonly namespace: string;
  readonly compartmentId: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly datapoints: OciDatapoint[];
}

export interface OciPostMetricDataPlan {
  /** One PostMetricDataDetails body per element, each within the per-call limits. */
  readonly requests: ReadonlyArray<{ readonly metricData: readonly OciMetricData[] }>;
  /** Aggregates OCI would refuse (bad name or dimensions, too old), with the reason. */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

export interface OciPlanOptions {
  readonly namespace: string;
  readonly compartmentId: string;
  readonly now: number;
}

/**
 * Datapoints for one aggregate. A counter is one point whose value is the window's total (so
 * MQL `sum()` adds totals). The latency histogram sends one point per non-empty bucket with the
 * bucket's mean as `value` and its number of observations as `count`: OCI reads `count` as the
 * number of occurrences of `value`, so `mean()` (Σ value·count / Σ count), `sum()` and `count()`
 * come out exact, and `percentile(0.95)` is computed over the real distribution to within one
 * bucket's width. A single (sum, count) point would make `percentile()` meaningless, and a
 * (mean, count) point per window would flatten every percentile to the mean.
 */
export function ociDatapoints(series: SeriesAggregate): OciDatapoint[] {
  const timestamp = new Date(series.windowStart);
  if (series.kind === 'counter') return [{ timestamp, value: series.sum, count: 1 }];
  const points: OciDatapoint[] = [];
  const counts = series.bucketCounts ?? [];
  const sums = series.bucketSums ?? [];
  for (let index = 0; index < counts.length; index += 1) {
    const count = counts[index] ?? 0;
    if (count > 0) points.push({ timestamp, value: (sums[index] ?? 0) / count, count });
  }
  return points;
}

function refusal(series: SeriesAggregate, options: OciPlanOptions): string | undefined {
  if (!METRIC_NAME.test(series.name)) return 'metric name OCI does not accept';
  const entries = Object.entries(series.dimensions);
  if (entries.length < 1 || entries.length > OCI_MAX_DIMENSIONS) return 'needs 1 to 20 dimensions';
  for (const [key, value] of entries) {
    if (!DIMENSION_KEY.test(key)) return `dimension key ${JSON.stringify(key.slice(0, 64))} is invalid`;
    if (value.length === 0 || value.length > 512) return `dimension ${key} must hold 1 to 512 characters`;
  }
  if (series.windowStart < options.now - OCI_MAX_AGE_MS) return 'older than OCI accepts';
  if (series.windowStart > options.now + OCI_MAX_AHEAD_MS) return 'too far in the future';
  return undefined;
}

/** Groups aggregates into metric streams and splits them into requests within OCI's limits. */
export function planPostMetricData(batch: MetricsBatch, options: OciPlanOptions): OciPostMetricDataPlan {
  const skipped: Array<{ name: string; reason: string }> = [];
  const streams = new Map<string, OciMetricData>();
  for (const series of batch.series) {
    const reason = refusal(series, options);
    if (reason !== undefined) {
      skipped.push({ name: series.name, reason });
      continue;
    }
    const key = `${series.name}\n${JSON.stringify(Object.entries(series.dimensions).sort())}`;
    let stream = streams.get(key);
    if (stream === undefined) {
      stream = {
        namespace: options.namespace,
        compartmentId: options.compartmentId,
        name: series.name,
        dimensions: { ...series.dimensions },
        datapoints: [],
      };
      streams.set(key, stream);
    }
    stream.datapoints.push(...ociDatapoints(series));
  }

  // A stream with more points than one metric object should carry goes out in several requests:
  // the same stream twice in one request would count against the stream limit anyway.
  const rounds: OciMetricData[][] = [];
  for (const stream of streams.values()) {
    stream.datapoints.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
    for (let start = 0, round = 0; start < stream.datapoints.length; start += OCI_MAX_DATAPOINTS_PER_METRIC) {
      rounds[round] ??= [];
      rounds[round]?.push({
        ...stream,
        datapoints: stream.datapoints.slice(start, start + OCI_MAX_DATAPOINTS_PER_METRIC),
      });
      round += 1;
    }
  }
  const requests: Array<{ metricData: OciMetricData[] }> = [];
  for (const round of rounds) {
    for (let start = 0; start < round.length; start += OCI_MAX_STREAMS_PER_REQUEST) {
      requests.push({ metricData: round.slice(start, start + OCI_MAX_STREAMS_PER_REQUEST) });
    }
  }
  return { requests, skipped };
}

/** Some or all of a flush did not reach OCI Monitoring. */
export class MetricsPublishError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricsPublishError';
  }
}

export interface OciMonitoringSinkOptions {
  /** `https://telemetry-ingestion.<region>.oraclecloud.com` (without the API version). */
  readonly ingestionEndpoint: string;
  readonly namespace: string;
  readonly compartmentId: string;
  /** Resource principals inside OCI Functions and container instances. */
  readonly authenticationDetailsProvider: AuthenticationDetailsProvider;
  readonly now?: () => number;
}

export function createOciMonitoringSink(options: OciMonitoringSinkOptions): MetricsSink {
  /** `oci-monitoring` is imported at the first flush, off the cold-start path. */
  const monitoringClient = lazyOnce(() =>
    import('oci-monitoring').then((loaded): MonitoringClient => {
      const Monitoring = commonJsExports(loaded).MonitoringClient;
      if (typeof Monitoring !== 'function')
        throw new MetricsPublishError('oci-monitoring does not export MonitoringClient');
      const created = new Monitoring({
        authenticationDetailsProvider: options.authenticationDetailsProvider,
      });
      created.endpoint = options.ingestionEndpoint.replace(/\/+$/, '');
      return created;
    }),
  );

  return {
    async send(batch) {
      const plan = planPostMetricData(batch, {
        namespace: options.namespace,
        compartmentId: options.compartmentId,
        now: (options.now ?? Date.now)(),
      });
      const problems: string[] = plan.skipped.map((skip) => `${skip.name}: ${skip.reason}`);
      let firstError: unknown;
      if (plan.requests.length > 0) {
        const monitoring = await monitoringClient();
        // One after another: a flush is a handful of requests, and OCI limits calls per second.
        for (const request of plan.requests) {
          try {
            // batchAtomicity left at its default, NON_ATOMIC: one bad object does not sink the rest.
            const response = await monitoring.postMetricData({
              postMetricDataDetails: { metricData: [...request.metricData] },
            });
            const details = response.postMetricDataResponseDetails;
            for (const failed of details.failedMetrics ?? [])
              problems.push(`${failed.metricData.name}: ${failed.message}`);
            if (details.failedMetricsCount > (details.failedMetrics?.length ?? 0))
              problems.push(`${details.failedMetricsCount} metric objects refused`);
          } catch (err) {
            firstError ??= err;
            const status = (err as { statusCode?: unknown }).statusCode;
            const reason = err instanceof Error ? err.message : String(err);
            problems.push(
              `a PostMetricData call failed${status === undefined ? '' : ` (${status})`}: ${reason}`,
            );
          }
        }
      }
      if (problems.length > 0) {
        throw new MetricsPublishError(
          `OCI Monitoring did not take every metric: ${problems.slice(0, 5).join('; ')}`,
          {
            cause: firstError,
          },
        );
      }
    },
  };
}
