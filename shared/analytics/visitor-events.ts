import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '#events/domain/catalogue.ts';
import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { appendToOutbox } from '#shared/outbox/outbox.ts';

/**
 * The owner of the analytics events a browser reports (`analytics.page_viewed`,
 * `analytics.action`): written to the outbox like every domain event, so they reach the warehouse
 * and the GA4 forwarder through the relay and the stream.
 */

/** Who the events are about: identifiers exist only when the person (or browser) consented. */
export type Visitor =
  | { readonly consent: false }
  | {
      readonly consent: true;
      /** The random id the browser keeps for analytics (GA4's client_id). */
      readonly clientId: string;
      /** The signed-in person's id, salted and hashed (never the raw id). */
      readonly userIdHash?: string;
    };

type PageViewed = DomainEventPayload<'analytics.page_viewed'>;
type Action = DomainEventPayload<'analytics.action'>;

/** A page view or key action as the browser reports it, before the visitor's ids are attached. */
export type ReportedEvent =
  | ({ readonly kind: 'page_view' } & Pick<PageViewed, 'page' | 'path' | 'showId' | 'designId'>)
  | ({ readonly kind: 'action' } & Pick<Action, 'action' | 'page' | 'path' | 'showId' | 'designId'>);

const identityOf = (visitor: Visitor) =>
  visitor.consent
    ? {
        consent: true as const,
        clientId: visitor.clientId,
        ...(visitor.userIdHash ? { userIdHash: visitor.userIdHash } : {}),
      }
    : { consent: false as const };

const placeOf = (event: ReportedEvent) => ({
  page: event.page,
  path: event.path,
  ...(event.showId ? { showId: event.showId } : {}),
  ...(event.designId ? { designId: event.designId } : {}),
});

/**
 * Writes the events in one transaction. The aggregate is the visitor's client id with consent;
 * without it, a fresh random id per event, so nothing links one anonymous event to another.
 */
export async function recordVisitorEvents(
  pool: DbPool,
  visitor: Visitor,
  events: readonly ReportedEvent[],
): Promise<number> {
  if (events.length === 0) return 0;
  const identity = identityOf(visitor);
  await withTransaction(pool, async (connection) => {
    for (const event of events) {
      const aggregateId = visitor.consent ? visitor.clientId : randomUUID();
      if (event.kind === 'page_view') {
        await appendToOutbox(connection, {
          type: 'analytics.page_viewed',
          aggregateType: 'visitor',
          aggregateId,
          payload: { ...placeOf(event), ...identity },
        });
      } else {
        await appendToOutbox(connection, {
          type: 'analytics.action',
          aggregateType: 'visitor',
          aggregateId,
          payload: { action: event.action, ...placeOf(event), ...identity },
        });
      }
    }
  });
  return events.length;
}
