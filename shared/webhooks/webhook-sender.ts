import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  checkTarget,
  parseTargetUrl,
  type ResolvedAddress,
  type TargetPolicy,
  WebhookUrlRefusedError,
} from './target-policy.ts';

/** How one POST to an endpoint went. `ok` only for a 2xx answer. */
export interface SendOutcome {
  readonly ok: boolean;
  /** The endpoint's HTTP status, when it answered. */
  readonly statusCode: number | null;
  readonly latencyMs: number;
  /** Why it failed (refused target, network, timeout, non-2xx), short and safe to show the integrator. */
  readonly error: string | null;
  /** The first bytes of the answer (at most `maxResponseBytes`), for the delivery log. */
  readonly responseExcerpt: string;
}

export interface SenderOptions extends TargetPolicy {
  /** Connect plus the whole answer; the endpoint is abandoned after this. */
  readonly timeoutMs: number;
  /** At most this much of the answer is read; the rest is never downloaded. */
  readonly maxResponseBytes: number;
  readonly userAgent: string;
}

export const DEFAULT_SENDER_LIMITS = { timeoutMs: 5000, maxResponseBytes: 4096 } as const;

/**
 * POSTs one signed webhook body, safe against the URL it is given:
 * - the target is checked again now (DNS changes after registration) and the connection goes to
 *   exactly the checked address (a custom `lookup`), so DNS rebinding cannot switch it;
 * - redirects are not followed (a 3xx is a failed attempt);
 * - one deadline covers connect, headers and body; at most `maxResponseBytes` are read;
 * - no connection reuse (`agent: false`): a pooled socket could outlive the check that allowed it.
 */
export async function sendWebhook(
  target: string,
  body: Buffer,
  headers: Readonly<Record<string, string>>,
  options: SenderOptions,
): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  let pinned: readonly ResolvedAddress[];
  try {
    url = parseTargetUrl(target, options);
    pinned = await checkTarget(url, options);
  } catch (error) {
    if (error instanceof WebhookUrlRefusedError) {
      return failure(null, elapsed(), `webhook_url_refused (${error.reason}): ${error.message}`);
    }
    throw error;
  }
  // Every checked address, and only those: the connection cannot reach anything unchecked.
  const first = pinned[0] as ResolvedAddress;
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [...pinned]);
    else callback(null, first.address, first.family);
  };
  const transport = url.protocol === 'https:' ? https : http;
  return await new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      resolve(outcome);
    };
    const request = transport.request(
      url,
      {
        method: 'POST',
        agent: false,
        lookup,
        headers: {
          ...headers,
          'Content-Type': 'application/json',
          'Content-Length': String(body.length),
          'User-Agent': options.userAgent,
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let received = 0;
        const done = () => {
          const excerpt = Buffer.concat(chunks).subarray(0, options.maxResponseBytes).toString('utf8');
          const ok = status >= 200 && status < 300;
          finish({
            ok,
            statusCode: status,
            latencyMs: elapsed(),
            error: ok ? null : describeStatus(status),
            responseExcerpt: excerpt,
          });
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.length;
          // Enough: the rest of a large answer is not read (the socket is closed by finish).
          if (received >= options.maxResponseBytes) done();
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    // One deadline from the start, DNS included.
    const deadline = setTimeout(
      () => finish(failure(null, elapsed(), `No answer within ${options.timeoutMs} ms`)),
      Math.max(0, options.timeoutMs - elapsed()),
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish(failure(null, elapsed(), describeNetworkError(error))),
    );
    request.end(body);
  });
}

const failure = (statusCode: number | null, latencyMs: number, error: string): SendOutcome => ({
  ok: false,
  statusCode,
  latencyMs,
  error,
  responseExcerpt: '',
});

function describeStatus(status: number): string {
  if (status >= 300 && status < 400) return `HTTP ${status}: redirects are not followed`;
  return `HTTP ${status}`;
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? error.name;
  return `${code}: ${error.message}`.slice(0, 300);
}
