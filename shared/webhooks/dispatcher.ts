import { hostname } from 'node:os';
import {
  decodePublishedEvent,
  encodePublishedEvent,
  MalformedPublishedEventError,
  type PublishedEvent,
  streamKeyOf,
} from '#events/domain/stream-message.ts';
import { log } from '#shared/base/log.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import type { EventStream, GroupReader, StreamMessage } from '#shared/stream/event-stream.ts';
import { type AudienceResolver, audienceResolver } from './audience.ts';
import type { SendSummary, WebhookDeliverer } from './deliverer.ts';
import { insertDeliveries, type NewDelivery } from './delivery-repository.ts';
import { enabledEndpointsOf } from './endpoint-repository.ts';
import { isWebhookEventType } from './event-types.ts';

/** The consumer group webhooks read the domain event stream as. */
export const WEBHOOKS_CONSUMER_GROUP = 'webhooks';

export interface ExpandSummary {
  readonly messages: number;
  readonly events: number;
  /** New deliveries written (a message read twice adds none). */
  readonly deliveries: number;
  readonly malformed: number;
}

/** Rows per INSERT, and bytes: a body can be up to 1 MB and the server's packet limit is finite. */
const INSERT_ROWS = 500;
const INSERT_BYTES = 4 * 1024 * 1024;

/**
 * Turns stream messages into deliveries: one per enabled endpoint, subscribed to the event's type
 * and registered before the event occurred, of each organisation the event concerns (see
 * audience.ts). Idempotent per (endpoint, event id).
 * Malformed messages are logged and skipped: they can never become a valid delivery.
 */
export async function expandMessages(
  pool: DbPool,
  messages: readonly StreamMessage[],
  audience: AudienceResolver = audienceResolver(pool),
): Promise<ExpandSummary> {
  let malformed = 0;
  const events: PublishedEvent[] = [];
  for (const message of messages) {
    try {
      const event = decodePublishedEvent(message.value);
      if (isWebhookEventType(event.type)) events.push(event);
    } catch (error) {
      if (!(error instanceof MalformedPublishedEventError)) throw error;
      malformed += 1;
      log.warn('webhooks: skipped a malformed stream message', {
        partition: message.partition,
        offset: message.offset,
        // The message only: a zod error lists every member, and the payload is no one's business here.
        reason: error.message.slice(0, 300),
      });
    }
  }
  const audiences = await Promise.all(events.map((event) => audience(event)));
  const endpoints = await enabledEndpointsOf(pool, [...new Set(audiences.flat())]);
  const deliveries: NewDelivery[] = [];
  events.forEach((event, index) => {
    const orgs = new Set(audiences[index]);
    const body = encodePublishedEvent(event);
    const occurredAt = Date.parse(event.occurredAt);
    for (const endpoint of endpoints) {
      if (!orgs.has(endpoint.orgId) || !endpoint.eventTypes.includes(event.type)) continue;
      // An endpoint hears of what happens after it exists (the Stripe rule): a stream replayed or
      // drained late (the relay's first deploy) does not send it months-old events.
      if (occurredAt < endpoint.createdAt.getTime()) continue;
      deliveries.push({
        endpointId: endpoint.id,
        eventId: event.id,
        eventType: event.type,
        streamKey: streamKeyOf(event),
        sequence: event.sequence,
        body,
      });
    }
  });
  let added = 0;
  for (const chunk of chunks(deliveries)) added += await insertDeliveries(pool, chunk);
  return { messages: messages.length, events: events.length, deliveries: added, malformed };
}

function* chunks(deliveries: readonly NewDelivery[]): Generator<NewDelivery[]> {
  let current: NewDelivery[] = [];
  let bytes = 0;
  for (const delivery of deliveries) {
    if (
      current.length >= INSERT_ROWS ||
      (current.length > 0 && bytes + delivery.body.length > INSERT_BYTES)
    ) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(delivery);
    bytes += delivery.body.length;
  }
  if (current.length > 0) yield current;
}

export interface DispatcherOptions {
  /** Stream messages read per pass. */
  readonly readLimit: number;
  /** Deliveries claimed per sending pass. */
  readonly sendLimit: number;
  /** The group instance name; one per running process. */
  readonly instance?: string;
}

export interface PassSummary {
  readonly expanded: ExpandSummary;
  readonly sent: SendSummary;
}

/**
 * One webhook-dispatch process: reads group `webhooks` from the event stream, writes deliveries
 * and commits what it wrote, then sends what is due. The group reader is kept across passes and
 * closed by `close` (the function closes it at the end of each tick); after a failure it is closed
 * at once, so the next pass starts again from the group's committed offsets and nothing read is lost.
 */
export class WebhookDispatcher {
  private reader: GroupReader | undefined;
  private readonly instance: string;
  private readonly pool: DbPool;
  private readonly stream: EventStream;
  private readonly deliverer: WebhookDeliverer;
  private readonly options: DispatcherOptions;

  constructor(pool: DbPool, stream: EventStream, deliverer: WebhookDeliverer, options: DispatcherOptions) {
    this.pool = pool;
    this.stream = stream;
    this.deliverer = deliverer;
    this.options = options;
    this.instance = options.instance ?? `webhook-dispatch-${hostname()}-${process.pid}-${newId().slice(-6)}`;
  }

  /** Reads once (no waiting) and writes the deliveries of what it read; commits them. */
  async consume(): Promise<ExpandSummary> {
    this.reader ??= await this.stream.openGroupReader(WEBHOOKS_CONSUMER_GROUP, this.instance);
    const reader = this.reader;
    try {
      const messages = await reader.next({ limit: this.options.readLimit, waitMs: 0 });
      const summary = await expandMessages(this.pool, messages);
      if (messages.length > 0) await reader.commit();
      return summary;
    } catch (error) {
      this.reader = undefined;
      await reader.close().catch(() => undefined);
      throw error;
    }
  }

  /** One pass: consume the stream, then send due deliveries. */
  async pass(): Promise<PassSummary> {
    const expanded = await this.consume();
    const sent = await this.deliverer.sendDue(this.options.sendLimit);
    return { expanded, sent };
  }

  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close();
  }
}
