import {
  decodePublishedEvent,
  MalformedPublishedEventError,
  type PublishedEvent,
} from '#events/domain/stream-message.ts';
import type { EventStream } from '#shared/stream/event-stream.ts';
import type { Ga4Sender } from './ga4-client.ts';
import { type Ga4Hit, type Ga4MappingContext, peopleNamedIn, toGa4Hit } from './ga4-events.ts';
import { GA4_LIMITS, type Ga4Request } from './measurement-protocol.ts';

/** The stream's consumer group the GA4 forwarder reads as (contract: one group per consumer). */
export const GA4_CONSUMER_GROUP = 'analytics-ga4';

export interface Ga4ForwarderDeps {
  readonly stream: EventStream;
  readonly ga4: Ga4Sender;
  /** A stable name for this consumer instance. */
  readonly instance: string;
  readonly siteOrigin: string;
  readonly userIdHashOf: (userId: string) => string;
  /** Of these people, those who consent to analytics now (shared/people/user-repository.ts). */
  readonly consentingPeople: (userIds: readonly string[]) => Promise<ReadonlySet<string>>;
  readonly now?: () => number;
}

export interface ForwardOptions {
  /** Messages read per batch. */
  readonly batch: number;
  /** Stop starting new batches after this long (keep the function's timeout spare). */
  readonly budgetMs: number;
}

export interface ForwardSummary {
  readonly read: number;
  readonly sent: number;
  readonly requests: number;
  /** Events that may not or need not go (no consent, other types). */
  readonly skipped: number;
  /** Older than GA4 accepts (72 hours): dropped. */
  readonly stale: number;
  readonly malformed: number;
}

/**
 * Requests of at most 25 events, each of one client and user (GA4 takes one client_id and
 * user_id per request), in stream order within each.
 */
export function ga4Requests(hits: readonly Ga4Hit[]): Ga4Request[] {
  const byVisitor = new Map<string, Ga4Hit[]>();
  for (const hit of hits) {
    const key = `${hit.clientId}\u0000${hit.userId ?? ''}`;
    byVisitor.set(key, [...(byVisitor.get(key) ?? []), hit]);
  }
  const requests: Ga4Request[] = [];
  for (const visitorHits of byVisitor.values()) {
    for (let start = 0; start < visitorHits.length; start += GA4_LIMITS.eventsPerRequest) {
      const chunk = visitorHits.slice(start, start + GA4_LIMITS.eventsPerRequest);
      const first = chunk[0] as Ga4Hit;
      requests.push({
        client_id: first.clientId,
        ...(first.userId ? { user_id: first.userId } : {}),
        // The request's time is its first event's; each event's own overrides it (GA4's
        // timestamp hierarchy: the event's, then the request's, then the time GA4 received it).
        timestamp_micros: first.timestampMicros,
        events: chunk.map((hit) => ({
          name: hit.event.name,
          params: hit.event.params,
          timestamp_micros: hit.timestampMicros,
        })),
      });
    }
  }
  return requests;
}

/**
 * Reads consumer group `analytics-ga4` and sends the consented analytics events (and consenting
 * buyers' purchases) to GA4, committing each batch once all its requests were accepted. A batch
 * whose sending fails is not committed and is read again next run: at least once, so GA4 may see
 * a page view twice after a failure (purchases carry transaction_id, which GA4 deduplicates).
 */
export async function forwardToGa4(deps: Ga4ForwarderDeps, options: ForwardOptions): Promise<ForwardSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const totals = { read: 0, sent: 0, requests: 0, skipped: 0, stale: 0, malformed: 0 };
  const reader = await deps.stream.openGroupReader(GA4_CONSUMER_GROUP, deps.instance);
  try {
    while (now() - started < options.budgetMs) {
      const messages = await reader.next({ limit: options.batch, waitMs: 0 });
      if (messages.length === 0) break;
      totals.read += messages.length;
      const events: PublishedEvent[] = [];
      for (const message of messages) {
        try {
          events.push(decodePublishedEvent(message.value));
        } catch (err) {
          // Not ours to repair: the relay wrote it; other consumers see it too. Skip it, counted.
          if (!(err instanceof MalformedPublishedEventError)) throw err;
          totals.malformed += 1;
        }
      }
      const context: Ga4MappingContext = {
        siteOrigin: deps.siteOrigin,
        userIdHashOf: deps.userIdHashOf,
        consenting: await deps.consentingPeople(peopleNamedIn(events)),
      };
      const hits: Ga4Hit[] = [];
      for (const event of events) {
        const hit = toGa4Hit(event, context);
        if (!hit) totals.skipped += 1;
        else if (now() * 1000 - hit.timestampMicros > GA4_LIMITS.maxAgeMs * 1000) totals.stale += 1;
        else hits.push(hit);
      }
      for (const request of ga4Requests(hits)) {
        await deps.ga4.send(request);
        totals.requests += 1;
        totals.sent += request.events.length;
      }
      await reader.commit();
    }
  } finally {
    await reader.close();
  }
  return totals;
}
