import { createHmac } from 'node:crypto';
import type { StripeEventObject } from './ledger.ts';

export interface WebhookDelivery {
  readonly eventId: string;
  readonly type: string;
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

export async function postEvent(
  event: StripeEventObject,
  endpoint: { url: string; secret: string; timeoutMs: number; timestamp: number },
): Promise<WebhookDelivery> {
  const payload = eventPayload(event);
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
    return { eventId: event.id, type: event.type, status: response.status, body: await response.text() };
  } catch (error) {
    return { eventId: event.id, type: event.type, status: undefined, body: '', error: String(error) };
  }
}
