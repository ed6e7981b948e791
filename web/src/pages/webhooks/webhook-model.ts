/**
 * Webhook endpoints and deliveries as the portal shows them, pure (no DOM, no Preact) so Node unit
 * tests run it: the shapes `/v1/webhook-*` answers, event types grouped by their domain for the
 * form, the create and edit form's checks, and the words and tone of an endpoint's and a
 * delivery's state. The API stays the authority (it refuses private addresses, unknown types).
 */
import type { Tone } from '../../app/components/tone.ts';

export {
  deliveriesPath,
  endpointPath,
  endpointsPath,
  eventTypesPath,
  redeliverPath,
} from './webhook-paths.ts';

/** `GET /v1/webhook-event-types` items. */
export interface WebhookEventType {
  readonly type: string;
  readonly version: number;
  /** What the event says happened, in a sentence. */
  readonly summary: string;
}

/** An endpoint as functions/webhooks/responses.ts answers it (never its secrets). */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly description: string | null;
  readonly eventTypes: readonly string[];
  readonly enabled: boolean;
  /** Why the endpoint is off (failing for days, or turned off by the organisation): the notice. */
  readonly disabledReason: string | null;
  readonly disabledAt: string | null;
  /** The first failed attempt since the last success, while deliveries keep failing. */
  readonly failingSince: string | null;
  /** After a rotation: until when the previous secret still signs beside the new one. */
  readonly previousSecretExpiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** `POST /v1/webhook-endpoints`: the endpoint and its signing secret, shown this once. */
export type CreatedEndpoint = WebhookEndpoint & { readonly secret: string };

/** `POST …/rotate-secret`: the new secret, shown this once. */
export interface RotatedSecret {
  readonly secret: string;
  readonly previousSecretExpiresAt: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** The endpoint's last HTTP status, if it answered. */
  readonly responseCode: number | null;
  readonly latencyMs: number | null;
  readonly lastError: string | null;
  /** When a pending delivery is tried next. */
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/** What one attempt (a test event, a redelivery) came to: `ok` when the endpoint answered 2xx. */
export interface AttemptOutcome {
  readonly deliveryId: string;
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/**
 * `license.minted` → `license`: the form groups the checkboxes by what the event is about, a
 * plural prefix with its singular (`prints.settled` beside `print.completed`, `tickets.issued`).
 */
export function domainOf(type: string): string {
  const dot = type.indexOf('.');
  return (dot > 0 ? type.slice(0, dot) : type).replace(/s$/, '');
}

export interface EventTypeGroup {
  readonly domain: string;
  readonly types: readonly WebhookEventType[];
}

/** Event types by domain, domains and types in name order (a stable form to scan). */
export function groupEventTypes(types: readonly WebhookEventType[]): EventTypeGroup[] {
  const groups = new Map<string, WebhookEventType[]>();
  for (const type of [...types].sort((a, b) => a.type.localeCompare(b.type))) {
    const domain = domainOf(type.type);
    const group = groups.get(domain) ?? [];
    group.push(type);
    groups.set(domain, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([domain, grouped]) => ({ domain, types: grouped }));
}

export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION_LENGTH = 500;

export type EndpointFieldError = 'errorUrl' | 'errorUrlCredentials' | 'errorDescription' | 'errorEventTypes';

/**
 * The URL field's sentence for the API's `webhook_url_refused` problem (shared/webhooks/
 * target-policy.ts names the reason); null for any other failure.
 */
export function urlRefusal(
  problem: { readonly code?: string; readonly reason?: unknown } | null | undefined,
): 'errorUrl' | 'errorUrlCredentials' | 'errorHttps' | 'errorUnresolvable' | 'errorPrivateAddress' | null {
  if (problem?.code !== 'webhook_url_refused') return null;
  switch (problem.reason) {
    case 'invalid_url':
      return 'errorUrl';
    case 'https_required':
      return 'errorHttps';
    case 'credentials_in_url':
      return 'errorUrlCredentials';
    case 'unresolvable_host':
      return 'errorUnresolvable';
    default:
      return 'errorPrivateAddress'; // loopback, private, link-local and the other closed ranges
  }
}

export interface EndpointRequest {
  readonly url: string;
  readonly description?: string;
  readonly eventTypes: readonly string[];
}

/**
 * The endpoint form: an absolute http(s) address without user:password (the secret signs, a URL
 * must not carry one), an optional description, at least one known event type. The API decides
 * whether plain http is allowed (the local cloud) and refuses private addresses in production.
 */
export function checkEndpointForm(
  values: { readonly url: string; readonly description: string; readonly eventTypes: readonly string[] },
  known: readonly string[],
):
  | { ok: true; request: EndpointRequest }
  | { ok: false; errors: Partial<Record<'url' | 'description' | 'eventTypes', EndpointFieldError>> } {
  const errors: Partial<Record<'url' | 'description' | 'eventTypes', EndpointFieldError>> = {};
  const url = values.url.trim();
  let parsed: URL | null = null;
  try {
    parsed = url.length <= MAX_URL_LENGTH ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.hostname === '')
    errors.url = 'errorUrl';
  else if (parsed.username !== '' || parsed.password !== '') errors.url = 'errorUrlCredentials';
  const description = values.description.trim();
  if (description.length > MAX_DESCRIPTION_LENGTH) errors.description = 'errorDescription';
  const eventTypes = known.filter((type) => values.eventTypes.includes(type));
  if (eventTypes.length === 0 || eventTypes.length !== new Set(values.eventTypes).size)
    errors.eventTypes = 'errorEventTypes';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, request: { url, ...(description ? { description } : {}), eventTypes } };
}

/** Enabled and delivering green; enabled but failing, or disabled, amber (the notice says why). */
export function endpointTone(endpoint: WebhookEndpoint): Tone {
  return endpoint.enabled && endpoint.failingSince === null ? 'success' : 'warning';
}

/** Delivered green; failed for good red; still being tried amber. */
export function deliveryTone(status: DeliveryStatus): Tone {
  return status === 'delivered' ? 'success' : status === 'failed' ? 'danger' : 'warning';
}

/** A delivery that ended (either way) may be sent again; one still being tried is left to its retries. */
export function mayRedeliver(delivery: WebhookDelivery): boolean {
  return delivery.status !== 'pending';
}

export interface EndpointChanges {
  readonly url?: string;
  readonly description?: string | null;
  readonly eventTypes?: readonly string[];
  /** true re-enables (clearing the notice); false turns the endpoint off. */
  readonly enabled?: boolean;
}

/** What a PATCH sends for the edit form: only what changed (nothing when nothing did). */
export function endpointChanges(before: WebhookEndpoint, after: EndpointRequest): EndpointChanges {
  const changes: { -readonly [Key in keyof EndpointChanges]: EndpointChanges[Key] } = {};
  if (after.url !== before.url) changes.url = after.url;
  // an emptied description is cleared (null), not kept as an empty string
  if ((after.description ?? null) !== before.description) changes.description = after.description ?? null;
  const sameTypes =
    after.eventTypes.length === before.eventTypes.length &&
    after.eventTypes.every((type) => before.eventTypes.includes(type));
  if (!sameTypes) changes.eventTypes = after.eventTypes;
  return changes;
}
