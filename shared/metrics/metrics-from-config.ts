import { lazyOnce } from '../base/lazy.ts';
import { log } from '../base/log.ts';
import { resourcePrincipal } from '../runtime/resource-principal.ts';
import { type BufferedMetrics, createBufferedMetrics, type MetricsSink } from './buffered-metrics.ts';
import { type MetricsConfig, readMetricsConfig } from './config.ts';
import { type Metrics, noopMetrics } from './metrics.ts';
import { createPushSink } from './push-sink.ts';

export type ProcessMetrics = Metrics & Partial<Pick<BufferedMetrics, 'flush' | 'close'>>;

/** Chooses the backend: OCI Monitoring through resource principals, the local collector, or none. */
export function metricsFromConfig(config: MetricsConfig): ProcessMetrics {
  if (config.METRICS_BACKEND === 'none') return noopMetrics;
  const sink =
    config.METRICS_BACKEND === 'push'
      ? createPushSink({ url: config.METRICS_PUSH_URL as string, namespace: config.METRICS_NAMESPACE })
      : lazyOciSink(config);
  return createBufferedMetrics({
    sink,
    flushIntervalMs: config.METRICS_FLUSH_SECONDS * 1000,
    // One line per failed flush (at most one per interval), never per point.
    onFlushError: (error, lost) =>
      log.warn('metrics flush failed; those aggregates are lost', { error, ...lost }),
    onDropped: (dropped) => log.warn('metrics buffer full; points dropped', { dropped }),
  });
}

/** oci-common, the resource principal and oci-monitoring load at the first flush, not at cold start. */
function lazyOciSink(config: MetricsConfig): MetricsSink {
  // No resource principal yet, or an import failure: lazyOnce tries again at the next flush.
  const get = lazyOnce(async () => {
    const { createOciMonitoringSink } = await import('./oci-monitoring-sink.ts');
    return createOciMonitoringSink({
      ingestionEndpoint: config.METRICS_INGESTION_ENDPOINT as string,
      namespace: config.METRICS_NAMESPACE,
      compartmentId: config.METRICS_COMPARTMENT_ID as string,
      authenticationDetailsProvider: await resourcePrincipal(),
    });
  });
  return { send: async (batch) => (await get()).send(batch) };
}

let processWide: ProcessMetrics | undefined;

/**
 * This process's metrics, built from METRICS_* on first use (once per cold start). Composition
 * roots (the FDK adapter, handler modules, the transcoder's main) take it and hand the port to
 * the code that records; domain code never reaches for it itself.
 */
export function processMetrics(): ProcessMetrics {
  processWide ??= metricsFromConfig(readMetricsConfig());
  return processWide;
}
