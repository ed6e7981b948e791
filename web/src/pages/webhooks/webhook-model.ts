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

export interface WebhookEventType {
  readonly type: string;
  readonly description: string | null;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly description: string | null;
  readonly eventTypes: readonly string[];
  readonly enabled: boolean;
  /** Why the platform (or a person) turned it off, e.g. failing for days. */
  readonly disabledReason: string | null;
  readonly disabledAt: string | null;
  /** The first failed attempt since the last success, while deliveries keep failing. */
  readonly failingSince: string | null;
  readonly createdAt: string | null;
  /** Until when the secret before the last rotation still verifies. */
  readonly previousSecretExpiresAt: string | null;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'retrying' | (string & {});

export interface WebhookDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly responseCode: number | null;
  readonly latencyMs: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  /** When the last attempt was made, or else when the delivery was made. */
  readonly at: string | null;
}

export interface TestOutcome {
  readonly ok: boolean;
  readonly responseCode: number | null;
  readonly latencyMs: number | null;
  readonly error: string | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

type Loose = Readonly<Record<string, unknown>>;

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const firstText = (record: Loose, ...names: string[]): string | null => {
  for (const name of names) {
    const found = text(record[name]);
    if (found !== null) return found;
  }
  return null;
};
const firstCount = (record: Loose, ...names: string[]): number | null => {
  for (const name of names) {
    const found = count(record[name]);
    if (found !== null) return found;
  }
  return null;
};
const asRecord = (value: unknown): Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};
const itemsOf = (answer: unknown): readonly unknown[] =>
  Array.isArray(answer)
    ? answer
    : Array.isArray(asRecord(answer).items)
      ? (asRecord(answer).items as [])
      : [];

/** `GET /v1/webhook-event-types`: a list of names or of `{ type, description }`, sorted by name. */
export function readEventTypes(answer: unknown): WebhookEventType[] {
  return itemsOf(answer)
    .map((item): WebhookEventType | null => {
      if (typeof item === 'string') return { type: item, description: null };
      const record = asRecord(item);
      const type = firstText(record, 'type', 'name', 'eventType');
      return type ? { type, description: firstText(record, 'description', 'summary') } : null;
    })
    .filter((item): item is WebhookEventType => item !== null)
    .sort((a, b) => a.type.localeCompare(b.type));
}

export function readEndpoint(value: unknown): WebhookEndpoint {
  const record = asRecord(value);
  const disabled = asRecord(record.disabled);
  const enabled =
    typeof record.enabled === 'boolean'
      ? record.enabled
      : typeof record.status === 'string'
        ? record.status === 'enabled' || record.status === 'active'
        : true;
  return {
    id: firstText(record, 'id', 'endpointId') ?? '',
    url: firstText(record, 'url') ?? '',
    description: firstText(record, 'description'),
    eventTypes: Array.isArray(record.eventTypes)
      ? record.eventTypes.filter((type): type is string => typeof type === 'string')
      : [],
    enabled,
    disabledReason: firstText(record, 'disabledReason') ?? firstText(disabled, 'reason'),
    disabledAt: firstText(record, 'disabledAt') ?? firstText(disabled, 'at'),
    failingSince: firstText(record, 'failingSince'),
    createdAt: firstText(record, 'createdAt'),
    previousSecretExpiresAt: firstText(record, 'previousSecretExpiresAt', 'previousSecretValidUntil'),
  };
}

export function readEndpoints(answer: unknown): WebhookEndpoint[] {
  return itemsOf(answer).map(readEndpoint);
}

/**
 * The answer to a create or a rotation: the signing secret (shown once) and, for a create, the
 * endpoint; either flat (`{ id, url, …, secret }`) or nested (`{ endpoint, secret }`).
 */
export function readSecretAnswer(answer: unknown): {
  readonly secret: string;
  readonly endpoint: WebhookEndpoint;
  readonly previousSecretExpiresAt: string | null;
} {
  const record = asRecord(answer);
  const endpoint = readEndpoint(record.endpoint ?? record);
  return {
    secret: firstText(record, 'secret', 'signingSecret') ?? '',
    endpoint,
    previousSecretExpiresAt:
      firstText(record, 'previousSecretExpiresAt', 'previousSecretValidUntil') ??
      endpoint.previousSecretExpiresAt,
  };
}

export function readDelivery(value: unknown): WebhookDelivery {
  const record = asRecord(value);
  const event = asRecord(record.event);
  return {
    id: firstText(record, 'id', 'deliveryId') ?? '',
    eventId: firstText(record, 'eventId') ?? firstText(event, 'id') ?? '',
    eventType: firstText(record, 'eventType', 'type') ?? firstText(event, 'type') ?? '',
    status: firstText(record, 'status') ?? 'pending',
    attempts: firstCount(record, 'attempts', 'attemptCount') ?? 0,
    responseCode: firstCount(record, 'responseCode', 'responseStatus', 'statusCode'),
    latencyMs: firstCount(record, 'latencyMs', 'durationMs'),
    lastError: firstText(record, 'lastError', 'error'),
    nextAttemptAt: firstText(record, 'nextAttemptAt'),
    at: firstText(record, 'lastAttemptAt', 'deliveredAt', 'updatedAt', 'createdAt'),
  };
}

export function readDeliveries(answer: unknown): Page<WebhookDelivery> {
  const next = asRecord(answer).nextCursor;
  return { items: itemsOf(answer).map(readDelivery), nextCursor: typeof next === 'string' ? next : null };
}

/** `POST …/test`: success when the receiver answered 2xx (said as `ok`, a status, or the code). */
export function readTestOutcome(answer: unknown): TestOutcome {
  const outer = asRecord(answer);
  const record = Object.keys(asRecord(outer.outcome)).length > 0 ? asRecord(outer.outcome) : outer;
  const delivery = asRecord(record.delivery);
  const responseCode =
    firstCount(record, 'responseCode', 'responseStatus', 'statusCode') ??
    firstCount(delivery, 'responseCode', 'responseStatus');
  const status = firstText(record, 'status') ?? firstText(delivery, 'status');
  const ok =
    typeof record.ok === 'boolean'
      ? record.ok
      : typeof record.delivered === 'boolean'
        ? record.delivered
        : status !== null
          ? status === 'succeeded' || status === 'delivered' || status === 'ok'
          : responseCode !== null && responseCode >= 200 && responseCode < 300;
  return {
    ok,
    responseCode,
    latencyMs: firstCount(record, 'latencyMs', 'durationMs') ?? firstCount(delivery, 'latencyMs'),
    error: firstText(record, 'error', 'lastError') ?? firstText(delivery, 'lastError'),
  };
}

/** `license.minted` → `license`: the form groups the checkboxes by what the event is about. */
export function domainOf(type: string): string {
  const dot = type.indexOf('.');
  return dot > 0 ? type.slice(0, dot) : type;
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

/** Succeeded green; failed for good red; still trying (pending, retrying) amber. */
export function deliveryTone(status: DeliveryStatus): Tone {
  if (status === 'succeeded' || status === 'delivered') return 'success';
  if (status === 'failed' || status === 'dead' || status === 'abandoned') return 'danger';
  return 'warning';
}

/** The message key of a delivery status; an unknown one is shown as it came. */
export function deliveryStatusKey(
  status: DeliveryStatus,
): 'delivery.succeeded' | 'delivery.failed' | 'delivery.pending' | 'delivery.retrying' | null {
  if (status === 'succeeded' || status === 'delivered') return 'delivery.succeeded';
  if (status === 'failed' || status === 'dead' || status === 'abandoned') return 'delivery.failed';
  if (status === 'pending' || status === 'queued') return 'delivery.pending';
  if (status === 'retrying' || status === 'retry_scheduled') return 'delivery.retrying';
  return null;
}

/** A delivery that ended (either way) may be sent again; one still being tried may not. */
export function mayRedeliver(delivery: WebhookDelivery): boolean {
  return deliveryTone(delivery.status) !== 'warning';
}

/** What a PATCH sends for the edit form: only what changed (nothing when nothing did). */
export function endpointChanges(
  before: WebhookEndpoint,
  after: EndpointRequest,
): Partial<{ url: string; description: string; eventTypes: readonly string[] }> {
  const changes: Partial<{ url: string; description: string; eventTypes: readonly string[] }> = {};
  if (after.url !== before.url) changes.url = after.url;
  if ((after.description ?? '') !== (before.description ?? '')) changes.description = after.description ?? '';
  const sameTypes =
    after.eventTypes.length === before.eventTypes.length &&
    after.eventTypes.every((type) => before.eventTypes.includes(type));
  if (!sameTypes) changes.eventTypes = after.eventTypes;
  return changes;
}
