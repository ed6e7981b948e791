import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodePublishedEvent,
  MalformedPublishedEventError,
  type PublishedEvent,
} from '#events/domain/stream-message.ts';
import { log } from '#shared/base/log.ts';
import type { Metrics } from '#shared/metrics/metrics.ts';
import type { EventStream, GroupReader, StreamMessage } from '#shared/stream/event-stream.ts';
import { type Warehouse, WarehouseQueryError } from '#shared/warehouse/warehouse.ts';

export const WAREHOUSE_CONSUMER_GROUP = 'warehouse';

export interface LoaderDeps {
  readonly stream: EventStream;
  readonly warehouse: Warehouse;
  readonly metrics: Metrics;
}

export interface LoaderOptions {
  /** Keep loading (long-polling while the stream is quiet) for this long; 0: drain and return. */
  readonly runSeconds: number;
  readonly pollMs: number;
  readonly readBatch: number;
  /**
   * The group instance. One name for every process of the function: the scheduler never runs two
   * ticks at once, so the group has one reader holding every partition, whichever process runs.
   */
  readonly instance: string;
  /** A drain-and-return run (runSeconds 0) still keeps going while batches come, up to this. */
  readonly busyRunMs?: number;
}

export interface LoadSummary {
  batches: number;
  messages: number;
  inserted: number;
  duplicates: number;
  /** Not published events of the catalogue: skipped, counted, never block the group. */
  malformed: number;
  /** Events the warehouse refused on their own (a schema it cannot store): skipped, counted. */
  rejected: number;
  failures: number;
}

const MAX_BACKOFF_MS = 30_000;
const DEFAULT_BUSY_RUN_MS = 20_000;

/**
 * One scheduled run: read a batch, store its events, commit, until the stream is drained (or the
 * run's time is up). The group's offsets move only after the warehouse stored the batch, so a
 * crash or a failed insert means the batch is read again (the warehouse counts each id once). A
 * failure closes the reader without committing: the next reader starts again from the group's
 * committed offsets, never past what was not stored.
 */
export async function runWarehouseLoader(deps: LoaderDeps, options: LoaderOptions): Promise<LoadSummary> {
  const summary: LoadSummary = {
    batches: 0,
    messages: 0,
    inserted: 0,
    duplicates: 0,
    malformed: 0,
    rejected: 0,
    failures: 0,
  };
  const started = Date.now();
  const watchUntil = started + options.runSeconds * 1000;
  const busyUntil = started + Math.max(options.runSeconds * 1000, options.busyRunMs ?? DEFAULT_BUSY_RUN_MS);
  let reader: GroupReader | undefined;
  let backoffMs = options.pollMs;
  try {
    for (;;) {
      let messages: readonly StreamMessage[] = [];
      try {
        reader ??= await deps.stream.openGroupReader(WAREHOUSE_CONSUMER_GROUP, options.instance);
        const waitMs = Math.max(0, Math.min(options.pollMs, watchUntil - Date.now()));
        messages = await reader.next({ limit: options.readBatch, waitMs });
        if (messages.length > 0) {
          await storeBatch(deps, messages, summary);
          await reader.commit();
          summary.batches += 1;
          summary.messages += messages.length;
        }
        backoffMs = options.pollMs;
      } catch (error) {
        summary.failures += 1;
        log.warn('warehouse load failed; the batch is read again', { error });
        const failed = reader;
        reader = undefined;
        await failed?.close().catch(() => undefined);
        if (Date.now() + backoffMs >= watchUntil) break;
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        continue;
      }
      const now = Date.now();
      if (messages.length > 0 && now < busyUntil) continue;
      if (now >= watchUntil) break;
    }
  } finally {
    await reader?.close().catch((error: unknown) => log.warn('warehouse reader did not close', { error }));
  }
  return summary;
}

async function storeBatch(
  deps: LoaderDeps,
  messages: readonly StreamMessage[],
  summary: LoadSummary,
): Promise<void> {
  const events: PublishedEvent[] = [];
  for (const message of messages) {
    try {
      events.push(decodePublishedEvent(message.value));
    } catch (error) {
      if (!(error instanceof MalformedPublishedEventError)) throw error;
      countSkipped(deps, summary, 'malformed');
      log.warn('stream message is not a published event; skipped', {
        partition: message.partition,
        offset: message.offset,
        error,
      });
    }
  }
  if (events.length === 0) return;
  try {
    record(deps, summary, await deps.warehouse.insertEvents(events));
  } catch (error) {
    if (!(error instanceof WarehouseQueryError)) throw error;
    // One event the warehouse cannot store fails the whole insert: store the others one by one.
    for (const event of events) {
      try {
        record(deps, summary, await deps.warehouse.insertEvents([event]));
      } catch (single) {
        if (!(single instanceof WarehouseQueryError)) throw single;
        countSkipped(deps, summary, 'rejected');
        log.error('the warehouse refused an event; skipped', {
          eventId: event.id,
          type: event.type,
          error: single,
        });
      }
    }
  }
}

function record(
  deps: LoaderDeps,
  summary: LoadSummary,
  outcome: { inserted: number; duplicates: number },
): void {
  summary.inserted += outcome.inserted;
  summary.duplicates += outcome.duplicates;
  if (outcome.inserted > 0)
    deps.metrics.count('warehouse_events_loaded', outcome.inserted, { outcome: 'inserted' });
  if (outcome.duplicates > 0) {
    deps.metrics.count('warehouse_events_loaded', outcome.duplicates, { outcome: 'duplicate' });
  }
}

/** An event left out for good, counted once in the run's summary and in the skipped metric, by reason. */
function countSkipped(deps: LoaderDeps, summary: LoadSummary, reason: 'malformed' | 'rejected'): void {
  summary[reason] += 1;
  deps.metrics.count('warehouse_events_skipped', 1, { reason });
}
