/**
 * The metrics port: counters and latency observations with dimensions. Recording is synchronous
 * and cheap (a map update); adapters ship aggregates in the background, never on a request's path.
 */
export type Dimensions = Readonly<Record<string, string>>;

/**
 * Every metric forgecast emits. OCI Monitoring names (namespace `forgecast`); locally the
 * Prometheus names are `forgecast_<name>_total` for counters and `forgecast_<name>` for the
 * histogram. The Grafana dashboard and the Terraform alarms query these names.
 */
export const METRIC_CATALOG = {
  requests: { kind: 'counter', help: 'Invocations, per function (http, event and authorizer calls).' },
  errors: { kind: 'counter', help: 'Invocations that answered 5xx, threw or failed, per function.' },
  latency_ms: { kind: 'histogram', help: 'Invocation wall time in milliseconds, per function.' },
  licenses_minted: { kind: 'counter', help: 'Licenses that became active on chain (replays not counted).' },
  prints_authorized: { kind: 'counter', help: 'One-time print grants issued.' },
  tickets_sold: { kind: 'counter', help: 'Tickets issued on order fulfilment (duplicates not counted).' },
  transcode_seconds: { kind: 'counter', help: 'Seconds of source media in transcode jobs that finished.' },
  transcode_jobs: { kind: 'counter', help: 'Transcode job attempts by outcome (ready, failed, retried).' },
  event_dead_letters: {
    kind: 'counter',
    help: 'Object events that failed every delivery to a function, per function (local event router).',
  },
  live_playlist_lag_ms: {
    kind: 'histogram',
    help: 'How far each live playlist upload trails the newest segment’s program date-time, in milliseconds, per ingest worker.',
  },
  designs_redriven: {
    kind: 'counter',
    help: 'Designs the watchdog re-drove, by reason (lost_event, lapsed_lease).',
  },
  outbox_lag_seconds: {
    kind: 'histogram',
    help: 'Age in seconds of the oldest outbox event neither published nor dead-lettered (0 when none), observed at the end of every outbox-relay run; the lag alarm watches its max.',
  },
  outbox_published: {
    kind: 'counter',
    help: 'Outbox events the event stream acknowledged (re-puts after a crash count again).',
  },
  outbox_dead_lettered: {
    kind: 'counter',
    help: 'Outbox events the stream refused for good (or not in the catalogue), kept in the outbox with their reason, per event type.',
  },
  outbox_relay_throttled: {
    kind: 'counter',
    help: 'Puts the stream refused for now, by scope (request: the whole put failed; record: one record was refused as retryable); the relay backs off.',
  },
  warehouse_events_loaded: {
    kind: 'counter',
    help: 'Events the warehouse loader handed to the warehouse, by outcome (inserted; duplicate: already stored, the stream is at least once).',
  },
  warehouse_events_skipped: {
    kind: 'counter',
    help: 'Stream messages the warehouse loader skipped, by reason (malformed: not a catalogue event; rejected: the warehouse refused it).',
  },
} as const satisfies Record<string, { kind: 'counter' | 'histogram'; help: string }>;

export type MetricName = keyof typeof METRIC_CATALOG;
type NamesOfKind<K> = {
  [N in MetricName]: (typeof METRIC_CATALOG)[N]['kind'] extends K ? N : never;
}[MetricName];
export type CounterName = NamesOfKind<'counter'>;
export type HistogramName = NamesOfKind<'histogram'>;
export type MetricKind = 'counter' | 'histogram';

export interface Metrics {
  /** Adds `value` (default 1) to a counter. */
  count(name: CounterName, value?: number, dimensions?: Dimensions): void;
  /** Records one observation of a histogram (milliseconds for latency_ms). */
  observe(name: HistogramName, value: number, dimensions?: Dimensions): void;
  /** The same port with `dimensions` added to every point it records. */
  with(dimensions: Dimensions): Metrics;
}

/** Records nothing: the default backend (`METRICS_BACKEND=none`) and tests that do not look. */
export const noopMetrics: Metrics = {
  count() {},
  observe() {},
  with: () => noopMetrics,
};
