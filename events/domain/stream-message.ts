import { z } from 'zod';
import { DOMAIN_EVENTS, type DomainEventType, isDomainEventType } from './catalogue.ts';

/**
 * A domain event as it travels on the event stream, and as integrators receive it in a webhook
 * body: the outbox row with its payload, plus the outbox sequence number. The relay writes it
 * (`encodePublishedEvent`), every consumer reads it (`decodePublishedEvent`) and deduplicates on `id`.
 *
 * The stream key is the aggregate (`streamKeyOf`), so every event of one aggregate sits in one
 * partition in outbox order.
 */
export interface PublishedEvent {
  /** The outbox row id (a UUID): the deduplication key for every consumer. */
  readonly id: string;
  readonly type: DomainEventType;
  readonly version: number;
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** ISO 8601 with milliseconds, UTC. */
  readonly occurredAt: string;
  /** The outbox sequence (a decimal string): grows with every event written, across aggregates. */
  readonly sequence: string;
  readonly payload: unknown;
}

const publishedEventSchema = z.strictObject({
  id: z.uuid(),
  type: z.string().refine(isDomainEventType, 'not in the catalogue'),
  version: z.number().int().positive(),
  aggregateType: z.string().min(1).max(64),
  aggregateId: z.string().min(1).max(128),
  occurredAt: z.iso.datetime({ offset: false }),
  sequence: z.string().regex(/^\d+$/),
  payload: z.unknown(),
});

/** A stream message that is not a published event of the catalogue (or not of the version it names). */
export class MalformedPublishedEventError extends Error {
  override readonly name = 'MalformedPublishedEventError';
}

export const streamKeyOf = (event: Pick<PublishedEvent, 'aggregateType' | 'aggregateId'>): string =>
  `${event.aggregateType}:${event.aggregateId}`;

export function encodePublishedEvent(event: PublishedEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}

/**
 * Parses and checks a stream message's value: the envelope, then the payload against the
 * catalogue's schema for its type when the versions agree (a newer version than this code knows is
 * passed through unchecked, so an old consumer does not stop on a new event).
 */
export function decodePublishedEvent(value: Buffer | string): PublishedEvent {
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (err) {
    throw new MalformedPublishedEventError('The stream message is not JSON', { cause: err });
  }
  const parsed = publishedEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedPublishedEventError(
      `The stream message is not a published event: ${parsed.error.message}`,
      {
        cause: parsed.error,
      },
    );
  }
  const event = parsed.data as PublishedEvent;
  const definition = DOMAIN_EVENTS[event.type];
  if (event.version === definition.version) {
    const payload = definition.payload.safeParse(event.payload);
    if (!payload.success) {
      throw new MalformedPublishedEventError(`The ${event.type} payload does not match the catalogue`, {
        cause: payload.error,
      });
    }
  }
  return event;
}
