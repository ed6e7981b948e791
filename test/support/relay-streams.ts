import { decodePublishedEvent, type PublishedEvent } from '#events/domain/stream-message.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { withTransaction } from '#shared/db/pool.ts';
import type { Dimensions, Metrics } from '#shared/metrics/metrics.ts';
import { appendAllToOutbox, type DomainEvent } from '#shared/outbox/outbox.ts';
import type { EventStream, PutOutcome, StreamMessage, StreamRecord } from '#shared/stream/event-stream.ts';

/**
 * What the outbox relay's tests put around the real stream: seeding the outbox, reading back
 * everything a stream holds, stream wrappers that refuse or fail on cue, and a metrics recorder.
 */

/**
 * `perAggregate` video.failed events for each of `aggregates` videos, interleaved (a0#0, a1#0, …,
 * a0#1, …); `padding` lengthens each payload's reason (at most 1,000 characters in all).
 */
export function interleavedEvents(
  prefix: string,
  aggregates: number,
  perAggregate: number,
  padding = '',
): DomainEvent[] {
  const events: DomainEvent[] = [];
  for (let n = 0; n < perAggregate; n++) {
    for (let a = 0; a < aggregates; a++) {
      const videoId = `${prefix}-${a}`;
      events.push({
        type: 'video.failed',
        aggregateType: 'video',
        aggregateId: videoId,
        payload: { videoId, code: 'unsupported_codec', reason: `event ${n} of ${videoId}${padding}` },
      });
    }
  }
  return events;
}

/** Appends the events in one transaction (seq in the order given); returns their ids. */
export function seedOutbox(pool: DbPool, events: readonly DomainEvent[]): Promise<string[]> {
  return withTransaction(pool, (connection) => appendAllToOutbox(connection, events));
}

export interface Delivered {
  readonly message: StreamMessage;
  readonly event: PublishedEvent;
}

/**
 * Every message on the stream, in delivery order within each partition (offset order), read by a
 * group of its own. Reads until `expected` messages came and then until a read comes back empty,
 * or the deadline passes (a loaded machine may be slow).
 */
export async function readWholeStream(
  stream: EventStream,
  group: string,
  expected: number,
  deadlineMs = 30_000,
): Promise<Delivered[]> {
  const reader = await stream.openGroupReader(group, 'reader');
  const messages: StreamMessage[] = [];
  const deadline = Date.now() + deadlineMs;
  try {
    while (Date.now() < deadline) {
      const batch = await reader.next({ limit: 1000, waitMs: messages.length >= expected ? 200 : 500 });
      if (batch.length === 0 && messages.length >= expected) break;
      messages.push(...batch);
    }
  } finally {
    await reader.close();
  }
  messages.sort((a, b) =>
    a.partition === b.partition
      ? Number(BigInt(a.offset) - BigInt(b.offset))
      : Number(a.partition) - Number(b.partition),
  );
  return messages.map((message) => ({ message, event: decodePublishedEvent(message.value) }));
}

/** Per aggregate, the sequence numbers in first-delivery order (repeats dropped, as a deduping consumer does). */
export function firstDeliveryOrder(delivered: readonly Delivered[]): Map<string, bigint[]> {
  const seen = new Set<string>();
  const order = new Map<string, bigint[]>();
  for (const { event } of delivered) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const key = `${event.aggregateType}:${event.aggregateId}`;
    order.set(key, [...(order.get(key) ?? []), BigInt(event.sequence)]);
  }
  return order;
}

export const isIncreasing = (values: readonly bigint[]) =>
  values.every((value, index) => index === 0 || (values[index - 1] as bigint) < value);

/** The event id a record carries (the relay's values are published events). */
export const eventIdOf = (record: StreamRecord) => decodePublishedEvent(record.value).id;

/**
 * A stream that answers some records itself instead of the real one: `decide` returns a refusal
 * for a record (it is not forwarded, as a refused record is not stored) or undefined to forward
 * it. Every put's records are kept in `puts`, in order.
 */
export function refusingStream(
  inner: EventStream,
  decide: (record: StreamRecord, putIndex: number) => Extract<PutOutcome, { ok: false }> | undefined,
): EventStream & { readonly puts: StreamRecord[][] } {
  const puts: StreamRecord[][] = [];
  return {
    name: inner.name,
    puts,
    openGroupReader: (group, instance) => inner.openGroupReader(group, instance),
    async put(records) {
      const putIndex = puts.length;
      puts.push([...records]);
      const decided = records.map((record) => decide(record, putIndex));
      const forwarded = records.filter((_, index) => decided[index] === undefined);
      const answers = forwarded.length > 0 ? [...(await inner.put(forwarded))] : [];
      return decided.map((refusal) => refusal ?? (answers.shift() as PutOutcome));
    },
  };
}

/** Records every point, for tests that look at what the relay measured. */
export function recordingMetrics(): Metrics & {
  readonly counts: { name: string; value: number; dimensions: Dimensions }[];
  readonly observations: { name: string; value: number; dimensions: Dimensions }[];
} {
  const counts: { name: string; value: number; dimensions: Dimensions }[] = [];
  const observations: { name: string; value: number; dimensions: Dimensions }[] = [];
  const make = (base: Dimensions): Metrics => ({
    count: (name, value = 1, dimensions = {}) =>
      counts.push({ name, value, dimensions: { ...base, ...dimensions } }),
    observe: (name, value, dimensions = {}) =>
      observations.push({ name, value, dimensions: { ...base, ...dimensions } }),
    with: (dimensions) => make({ ...base, ...dimensions }),
  });
  return Object.assign(make({}), { counts, observations });
}

export const total = (points: readonly { name: string; value: number }[], name: string) =>
  points.filter((point) => point.name === name).reduce((sum, point) => sum + point.value, 0);
