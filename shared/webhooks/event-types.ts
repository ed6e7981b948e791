import { DOMAIN_EVENT_TYPES, DOMAIN_EVENTS, type DomainEventType } from '#events/domain/catalogue.ts';

/**
 * The domain events an endpoint may subscribe to: the catalogue's, except what describes people's
 * visits rather than the organisation's business: `analytics.*` (page views and actions of a
 * visitor) and `playback.tallied` (one viewer's traffic per day). Those go to the warehouse only.
 */
const NOT_FOR_WEBHOOKS = (type: string) => type.startsWith('analytics.') || type === 'playback.tallied';

export const WEBHOOK_EVENT_TYPES: readonly DomainEventType[] = DOMAIN_EVENT_TYPES.filter(
  (type) => !NOT_FOR_WEBHOOKS(type),
);

export const isWebhookEventType = (type: string): type is DomainEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);

/** Each subscribable type with its version and summary, for the portal's picker. */
export function webhookEventTypeList(): Array<{ type: string; version: number; summary: string }> {
  return WEBHOOK_EVENT_TYPES.map((type) => ({
    type,
    version: DOMAIN_EVENTS[type].version,
    summary: DOMAIN_EVENTS[type].summary,
  }));
}
