import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dimensionsKey, LATENCY_BUCKETS_MS } from '#shared/metrics/buffer.ts';
import { METRIC_CATALOG } from '#shared/metrics/metrics.ts';
import { MAX_PUSH_BODY_BYTES, type PushBody, pushBodySchema } from '#shared/metrics/push-wire.ts';
import { listen } from '../listen.ts';
import { EXPOSITION_CONTENT_TYPE, type MetricFamily, renderExposition } from './exposition.ts';

/** Series the collector keeps at most; a push that would open more is refused whole. */
export const MAX_COLLECTED_SERIES = 10_000;

export interface MetricsCollectorOptions {
  /** 0 picks a free port; the local cloud defaults to 9464 (METRICS_PORT). */
  readonly port: number;
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface RunningMetricsCollector {
  /** Prometheus scrapes this: `GET /metrics`. */
  readonly metricsUrl: string;
  /** Processes POST their flushes here (METRICS_PUSH_URL). */
  readonly pushUrl: string;
  /** The exposition text, as a scrape would see it. */
  text(): string;
  close(): Promise<void>;
}

interface CollectedSeries {
  readonly family: string;
  readonly kind: 'counter' | 'histogram';
  readonly help: string;
  readonly labels: Readonly<Record<string, string>>;
  sum: number;
  count: number;
  readonly buckets: number[];
}

class PushRefusedError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'PushRefusedError';
    this.status = status;
  }
}

/**
 * The local stand-in for OCI Monitoring: function processes and transcoders push their
 * aggregates (METRICS_BACKEND=push), and this keeps running totals that a local Prometheus
 * scrapes from `/metrics` (infra/local/grafana/prometheus.yml).
 */
export async function startMetricsCollector(
  options: MetricsCollectorOptions,
): Promise<RunningMetricsCollector> {
  const series = new Map<string, CollectedSeries>();
  const droppedByNamespace = new Map<string, number>();

  function apply(body: PushBody): void {
    // Checked before anything is applied, so a refused push changes nothing.
    const opened = new Set<string>();
    for (const pushed of body.series) {
      const family = `${body.namespace}_${pushed.name}`;
      // Only the catalog's names, each with its own kind: an unknown name or a kind mixed within
      // one push could render one family name twice (e.g. a histogram called `requests_total`),
      // and Prometheus refuses the whole scrape then.
      const kind = (METRIC_CATALOG as Record<string, { kind: string }>)[pushed.name]?.kind;
      if (kind !== pushed.kind)
        throw new PushRefusedError(400, `${family} is ${kind ? `a ${kind}` : 'not in the metric catalog'}`);
      if (pushed.kind === 'histogram' && pushed.buckets.reduce((a, b) => a + b, 0) !== pushed.count)
        throw new PushRefusedError(400, `${family}: the buckets do not add up to the count`);
      const key = `${family}\n${dimensionsKey(pushed.dimensions)}`;
      // A flush that spans two windows carries the same stream twice: one series.
      if (!series.has(key)) opened.add(key);
    }
    if (series.size + opened.size > MAX_COLLECTED_SERIES)
      throw new PushRefusedError(413, `the collector keeps at most ${MAX_COLLECTED_SERIES} series`);

    for (const pushed of body.series) {
      const family = `${body.namespace}_${pushed.name}`;
      const key = `${family}\n${dimensionsKey(pushed.dimensions)}`;
      let collected = series.get(key);
      if (collected === undefined) {
        collected = {
          family,
          kind: pushed.kind,
          help: (METRIC_CATALOG as Record<string, { help: string }>)[pushed.name]?.help ?? `${pushed.name}`,
          labels: { ...pushed.dimensions },
          sum: 0,
          count: 0,
          buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
        };
        series.set(key, collected);
      }
      collected.sum += pushed.sum;
      collected.count += pushed.count;
      if (pushed.kind === 'histogram') {
        pushed.buckets.forEach((value, index) => {
          collected.buckets[index] = (collected.buckets[index] ?? 0) + value;
        });
      }
    }
    if (body.dropped > 0)
      droppedByNamespace.set(body.namespace, (droppedByNamespace.get(body.namespace) ?? 0) + body.dropped);
  }

  function text(): string {
    type Counter = Extract<MetricFamily, { type: 'counter' }>;
    type Histogram = Extract<MetricFamily, { type: 'histogram' }>;
    const counters = new Map<string, { help: string; samples: Counter['samples'][number][] }>();
    const histograms = new Map<string, { help: string; samples: Histogram['samples'][number][] }>();
    for (const collected of series.values()) {
      if (collected.kind === 'counter') {
        const name = `${collected.family}_total`;
        const family = counters.get(name) ?? { help: collected.help, samples: [] };
        family.samples.push({ labels: collected.labels, value: collected.sum });
        counters.set(name, family);
      } else {
        const family = histograms.get(collected.family) ?? { help: collected.help, samples: [] };
        family.samples.push({
          labels: collected.labels,
          buckets: collected.buckets,
          sum: collected.sum,
          count: collected.count,
        });
        histograms.set(collected.family, family);
      }
    }
    for (const [namespace, dropped] of droppedByNamespace) {
      counters.set(`${namespace}_metrics_dropped_total`, {
        help: 'Points dropped in-process because a metrics buffer was full.',
        samples: [{ labels: {}, value: dropped }],
      });
    }
    return renderExposition([
      ...[...counters].map(([name, family]): MetricFamily => ({ name, type: 'counter', ...family })),
      ...[...histograms].map(
        ([name, family]): MetricFamily => ({
          name,
          type: 'histogram',
          bounds: LATENCY_BUCKETS_MS,
          ...family,
        }),
      ),
    ]);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://collector').pathname;
    if (request.method === 'GET' && path === '/metrics') {
      const body = text();
      response.writeHead(200, {
        'content-type': EXPOSITION_CONTENT_TYPE,
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
      return;
    }
    if (request.method === 'POST' && path === '/push') {
      if (!String(request.headers['content-type'] ?? '').startsWith('application/json'))
        throw new PushRefusedError(415, 'send application/json');
      const raw = await readBounded(request, MAX_PUSH_BODY_BYTES);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new PushRefusedError(400, 'the body is not JSON');
      }
      const result = pushBodySchema.safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new PushRefusedError(
          400,
          `invalid push: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
        );
      }
      apply(result.data);
      response.writeHead(204).end();
      return;
    }
    throw new PushRefusedError(404, 'GET /metrics or POST /push');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((err: unknown) => {
      const status = err instanceof PushRefusedError ? err.status : 500;
      const message = err instanceof PushRefusedError ? err.message : 'internal error';
      if (status >= 500) options.log?.({ level: 'error', msg: 'collector failed', error: String(err) });
      else options.log?.({ level: 'warn', msg: 'push refused', status, reason: message });
      if (!response.headersSent) {
        // A refused push is not read to its end: close so the client stops sending.
        response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      }
      response.end(`${message}\n`);
    });
  });
  const { port } = await listen(server, options.port, '127.0.0.1', 'the metrics collector');
  const base = `http://127.0.0.1:${port}`;
  return {
    metricsUrl: `${base}/metrics`,
    pushUrl: `${base}/push`,
    text,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBounded(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new PushRefusedError(413, `at most ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new PushRefusedError(413, `at most ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
