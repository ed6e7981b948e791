import { createHmac } from 'node:crypto';
import type { StripeEventObject } from './ledger.ts';

export interface WebhookDelivery {
  readonly eventId: string;
  readonly type: string;
  /** 1 for the first delivery of an event, then one more for each retry. */
  readonly attempt: number;
  /** The signature's timestamp (unix seconds): a new one on every attempt, as Stripe signs each anew. */
  readonly timestamp: number;
  /** HTTP status of the endpoint's answer; undefined when it could not be reached. */
  readonly status: number | undefined;
  readonly body: string;
  readonly error?: string;
}

/**
 * `Stripe-Signature` as Stripe writes it: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">`
 * keyed with the endpoint's signing secret (`whsec_…`), the secret's text used as the key bytes.
 */
export function stripeSignatureHeader(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

/** Stripe sends events pretty-printed; verifying the exact bytes is the receiver's job. */
export function eventPayload(event: StripeEventObject): string {
  return JSON.stringify(event, null, 2);
}

/**
 * When Stripe tries a failed delivery again. Stripe retries with exponential backoff for up to
 * three days in live mode; the local server does the same compressed in time (milliseconds for
 * hours), so the local cloud exercises redelivery. Any answer other than 2xx, or none, is a failure.
 */
export interface WebhookRetrySchedule {
  /** Before the first retry; each next wait doubles, up to maxDelayMs. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Deliveries in all, the first included; after the last failure the event is left undelivered. */
  readonly maxAttempts: number;
}

/** About twelve minutes of retries: 1, 2, 4 … 60 s, the local stand-in for Stripe's three days. */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetrySchedule = {
  firstDelayMs: 1000,
  maxDelayMs: 60_000,
  maxAttempts: 16,
};

/** The wait before attempt `attempt + 1` after attempt `attempt` failed; undefined when none is left. */
export function retryDelayMs(schedule: WebhookRetrySchedule, attempt: number): number | undefined {
  if (attempt >= schedule.maxAttempts) return undefined;
  return Math.min(schedule.maxDelayMs, schedule.firstDelayMs * 2 ** Math.min(attempt - 1, 30));
}

export function deliverySucceeded(delivery: WebhookDelivery): boolean {
  return delivery.status !== undefined && delivery.status >= 200 && delivery.status < 300;
}

export async function postEvent(
  event: StripeEventObject,
  endpoint: { url: string; secret: string; timeoutMs: number; timestamp: number; attempt?: number },
): Promise<WebhookDelivery> {
  const payload = eventPayload(event);
  const attempt = endpoint.attempt ?? 1;
  const sent = { eventId: event.id, type: event.type, attempt, timestamp: endpoint.timestamp };
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'Stripe-Signature': stripeSignatureHeader(payload, endpoint.secret, endpoint.timestamp),
      },
      body: payload,
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    return { ...sent, status: response.status, body: await response.text() };
  } catch (error) {
    return { ...sent, status: undefined, body: '', error: String(error) };
  }
}
