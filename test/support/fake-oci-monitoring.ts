import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HttpError,
  type OciSigningOptions,
  parseJson,
  sendJson,
  startOciFakeServer,
} from './oci-fake-http.ts';

/**
 * A local OCI Monitoring ingestion endpoint (API 20180401), speaking what the `oci-monitoring`
 * MonitoringClient sends for PostMetricData (checked against node_modules/oci-monitoring/lib):
 *
 *   POST /20180401/metrics  {metricData: [{namespace, compartmentId, name, dimensions,
 *                            datapoints: [{timestamp, value, count?}], resourceGroup?, metadata?}],
 *                            batchAtomicity?: ATOMIC | NON_ATOMIC}
 *                           -> 200 {failedMetricsCount, failedMetrics: [{message, metricData}]}
 *
 * Every request must carry a valid OCI HTTP signature. The documented limits are enforced: at
 * most 50 unique metric streams per call (400 otherwise); per metric object, a namespace and
 * name of the documented form, 1 to 20 dimensions with printable-ASCII keys (≤ 256) and
 * non-empty values (≤ 512), at least one datapoint, timestamps less than two hours old and less
 * than ten minutes ahead, counts above zero. An object that breaks a rule is reported in
 * `failedMetrics` (NON_ATOMIC, the default) or fails the whole call with 400 (ATOMIC); the exact
 * error texts are this fake's own.
 */
export type FakeOciMonitoringOptions = OciSigningOptions;

export interface FakeMonitoringCall {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface AcceptedDatapoint {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly timestamp: string;
  readonly value: number;
  readonly count: number;
}

export interface FakeOciMonitoring {
  /** Base URL to use as METRICS_INGESTION_ENDPOINT (without the API version). */
  readonly endpoint: string;
  /** Authenticated requests, in order, for assertions on the wire format. */
  readonly calls: readonly FakeMonitoringCall[];
  /** Every datapoint accepted, in order. */
  readonly accepted: readonly AcceptedDatapoint[];
  /** Requests refused for a bad or missing signature. */
  readonly rejectedRequests: number;
  close(): Promise<void>;
}

const PATH = '/20180401/metrics';
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_STREAMS = 50;
const MAX_AGE_MS = 2 * 60 * 60_000;
const MAX_AHEAD_MS = 10 * 60_000;
const NAMESPACE = /^[A-Za-z][A-Za-z0-9_]*$/;
const NAME = /^[A-Za-z][A-Za-z0-9._$-]*$/;
const DIMENSION_KEY = /^[\x21-\x7e]{1,256}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export async function startFakeOciMonitoring(options: FakeOciMonitoringOptions): Promise<FakeOciMonitoring> {
  const calls: FakeMonitoringCall[] = [];
  const accepted: AcceptedDatapoint[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    if (path !== PATH) throw new HttpError(404, 'NotFound', 'Unknown path');
    if (request.method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'Only POST is served');
    const details = parseJson(body);
    calls.push({ path, body: details });

    const metricData = details.metricData;
    if (!Array.isArray(metricData) || metricData.length === 0)
      throw new HttpError(400, 'InvalidParameter', 'metricData must be a non-empty array');
    const atomicity = details.batchAtomicity ?? 'NON_ATOMIC';
    if (atomicity !== 'ATOMIC' && atomicity !== 'NON_ATOMIC')
      throw new HttpError(400, 'InvalidParameter', 'batchAtomicity must be ATOMIC or NON_ATOMIC');
    const streams = new Set(
      metricData.map((m: Record<string, unknown>) =>
        JSON.stringify([
          m?.namespace,
          m?.compartmentId,
          m?.name,
          Object.entries(asRecord(m?.dimensions)).sort(),
        ]),
      ),
    );
    if (streams.size > MAX_STREAMS)
      throw new HttpError(
        400,
        'InvalidParameter',
        `At most ${MAX_STREAMS} unique metric streams per request`,
      );

    const failedMetrics: Array<{ message: string; metricData: unknown }> = [];
    const valid: AcceptedDatapoint[] = [];
    for (const item of metricData as unknown[]) {
      const problem = checkMetric(item, Date.now());
      if (problem !== undefined) {
        failedMetrics.push({ message: problem, metricData: item });
        continue;
      }
      const metric = item as Record<string, unknown> & { datapoints: Array<Record<string, unknown>> };
      for (const point of metric.datapoints) {
        valid.push({
          namespace: metric.namespace as string,
          name: metric.name as string,
          dimensions: metric.dimensions as Record<string, string>,
          timestamp: point.timestamp as string,
          value: point.value as number,
          count: (point.count as number | undefined) ?? 1,
        });
      }
    }
    if (atomicity === 'ATOMIC' && failedMetrics.length > 0)
      throw new HttpError(400, 'InvalidParameter', failedMetrics[0]?.message ?? 'invalid metric');
    accepted.push(...valid);
    sendJson(response, 200, { failedMetricsCount: failedMetrics.length, failedMetrics });
  }

  const server = await startOciFakeServer({ ...options, maxBodyBytes: MAX_BODY_BYTES, handle });
  return {
    endpoint: server.endpoint,
    calls,
    accepted,
    get rejectedRequests() {
      return server.rejectedRequests;
    },
    close: () => server.close(),
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function checkMetric(item: unknown, now: number): string | undefined {
  const metric = asRecord(item);
  const namespace = metric.namespace;
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace) || /^(oci_|oracle_)/i.test(namespace))
    return 'Invalid namespace';
  if (typeof metric.compartmentId !== 'string' || !metric.compartmentId.startsWith('ocid1.compartment.'))
    return 'Invalid compartmentId';
  if (typeof metric.name !== 'string' || !NAME.test(metric.name)) return 'Invalid metric name';
  const dimensions = Object.entries(asRecord(metric.dimensions));
  if (dimensions.length < 1 || dimensions.length > 20) return 'A metric needs 1 to 20 dimensions';
  for (const [key, value] of dimensions) {
    if (!DIMENSION_KEY.test(key)) return `Invalid dimension key ${key}`;
    if (typeof value !== 'string' || value.length === 0 || value.length > 512)
      return `Invalid value for dimension ${key}`;
  }
  const datapoints = metric.datapoints;
  if (!Array.isArray(datapoints) || datapoints.length === 0) return 'At least one datapoint is required';
  for (const raw of datapoints) {
    const point = asRecord(raw);
    if (typeof point.timestamp !== 'string' || !RFC3339.test(point.timestamp)) return 'Invalid timestamp';
    const at = Date.parse(point.timestamp);
    if (at < now - MAX_AGE_MS || at > now + MAX_AHEAD_MS) return 'Timestamp outside the allowed window';
    if (typeof point.value !== 'number' || !Number.isFinite(point.value)) return 'Invalid value';
    if (point.count !== undefined && (!Number.isInteger(point.count) || (point.count as number) < 1))
      return 'count must be an integer above zero';
  }
  return undefined;
}
