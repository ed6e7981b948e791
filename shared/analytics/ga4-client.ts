import { GA4_LIMITS, type Ga4Request } from './measurement-protocol.ts';

/** Where and as whom to send: the web stream's measurement id and a Measurement Protocol API secret. */
export interface Ga4Destination {
  /** `https://www.google-analytics.com` in production; a stand-in's address in tests. */
  readonly baseUrl: string;
  readonly measurementId: string;
  readonly apiSecret: string;
  readonly timeoutMs: number;
}

/** What the forwarder needs of GA4: one request sent, or an error to retry later. */
export interface Ga4Sender {
  send(request: Ga4Request): Promise<void>;
}

/** GA4 could not be reached or did not accept the request (network, timeout, 429, 5xx): retry later. */
export class Ga4UnavailableError extends Error {
  override readonly name = 'Ga4UnavailableError';
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }
}

/** A request forgecast built outside GA4's limits: a defect, never sent. */
export class Ga4RequestTooLargeError extends Error {
  override readonly name = 'Ga4RequestTooLargeError';
}

/**
 * Sends Measurement Protocol requests. The API secret travels in the query string, as GA4
 * requires; it is never logged (errors name the status, not the URL).
 */
export class MeasurementProtocolClient implements Ga4Sender {
  readonly #destination: Ga4Destination;
  readonly #fetch: typeof fetch;

  constructor(destination: Ga4Destination, fetchImpl: typeof fetch = fetch) {
    this.#destination = destination;
    this.#fetch = fetchImpl;
  }

  async send(request: Ga4Request): Promise<void> {
    const body = JSON.stringify(request);
    if (
      request.events.length > GA4_LIMITS.eventsPerRequest ||
      Buffer.byteLength(body) > GA4_LIMITS.requestBytes
    ) {
      throw new Ga4RequestTooLargeError(
        `A GA4 request of ${request.events.length} events and ${Buffer.byteLength(body)} bytes is over the limits`,
      );
    }
    const url = new URL('/mp/collect', this.#destination.baseUrl);
    url.searchParams.set('measurement_id', this.#destination.measurementId);
    url.searchParams.set('api_secret', this.#destination.apiSecret);
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.#destination.timeoutMs),
      });
    } catch (err) {
      throw new Ga4UnavailableError('GA4 could not be reached', { cause: err });
    }
    // The body says nothing (GA4 answers 204 with none); read it so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) {
      throw new Ga4UnavailableError(`GA4 answered ${response.status}`, { status: response.status });
    }
  }
}
