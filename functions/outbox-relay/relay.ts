import { setTimeout as sleep } from 'node:timers/promises';
import { encodePublishedEvent, streamKeyOf } from '#events/domain/stream-message.ts';
import { withNamedLock } from '#shared/db/named-lock.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import {
  deadLetterOutboxRow,
  markOutboxPublished,
  oldestPendingOutboxAgeSeconds,
  outboxRelayLockName,
  type PendingOutboxRow,
  publishedEventOf,
  readPendingOutbox,
  recordOutboxRefusals,
  unpublishableReason,
} from '#shared/events/outbox-relay-store.ts';
import type { Metrics } from '#shared/metrics/metrics.ts';
import { log } from '#shared/runtime/log.ts';
import {
  type EventStream,
  STREAM_LIMITS,
  type StreamRecord,
  StreamUnavailableError,
} from '#shared/stream/event-stream.ts';

/** The lock name per pool (it names the pool's database), asked once. */
const lockNames = new WeakMap<DbPool, Promise<string>>();

export interface RelayDeps {
  readonly pool: DbPool;
  readonly stream: EventStream;
  readonly metrics: Metrics;
  /** Waits between rounds (tests pass a recorder). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RelayOptions {
  /** Most time one run spends draining (and watching, with idlePollMs) before it returns. */
  readonly runSeconds: number;
  /** 0: return as soon as nothing is pending. Else look again after this long until runSeconds. */
  readonly idlePollMs: number;
  /** Most records in one put (also bounded by STREAM_LIMITS.maxPutBytes). */
  readonly batchSize: number;
  /** First wait after a throttled or failed put; doubles while it goes on. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface RelayTotals {
  /** Put calls made (each carrying at most one event per aggregate). */
  readonly puts: number;
  readonly published: number;
  readonly deadLettered: number;
  /** Records refused as retryable; they stay pending and block only their own aggregate. */
  readonly refused: number;
  /** Puts that failed as a whole (StreamUnavailableError: network, 5xx, 429). */
  readonly throttled: number;
  /** The run stopped at its time budget with events still pending (the next tick goes on). */
  readonly stoppedWithWork: boolean;
  /** Age of the oldest pending event when the run ended (also observed as outbox_lag_seconds). */
  readonly lagSeconds: number;
}

export type RelaySummary = { readonly busy: true } | ({ readonly busy: false } & RelayTotals);

/**
 * One relay run: holds the relay lock (a second run at the same time answers busy), publishes
 * pending outbox rows round by round until none is left or the time budget ends, backs off while
 * the stream throttles, and observes the lag when it ends.
 */
export async function runOutboxRelay(deps: RelayDeps, options: RelayOptions): Promise<RelaySummary> {
  let lockName = lockNames.get(deps.pool);
  if (lockName === undefined) {
    lockName = outboxRelayLockName(deps.pool);
    lockNames.set(deps.pool, lockName);
    lockName.catch(() => lockNames.delete(deps.pool));
  }
  let locked = false;
  try {
    // One relay at a time across every instance sharing the database (MariaDB GET_LOCK).
    return await withNamedLock(deps.pool, await lockName, 0, async () => {
      locked = true;
      return { busy: false as const, ...(await relayExclusively(deps, options)) };
    });
  } catch (err) {
    if (locked || !(err instanceof DependencyUnavailableError)) throw err;
    return { busy: true };
  }
}

interface RoundResult {
  /** Nothing was pending when the round looked. */
  readonly idle: boolean;
  /** The round called put (it had at least one publishable head). */
  readonly put: boolean;
  readonly published: number;
  readonly deadLettered: number;
  readonly refused: number;
  readonly throttled: boolean;
}

async function relayExclusively(deps: RelayDeps, options: RelayOptions): Promise<RelayTotals> {
  const wait = deps.sleep ?? ((ms: number) => sleep(ms));
  const deadline = Date.now() + options.runSeconds * 1000;
  const totals = { puts: 0, published: 0, deadLettered: 0, refused: 0, throttled: 0 };
  let backoffMs = 0;
  let stoppedWithWork = false;
  for (;;) {
    const round = await relayRound(deps, options);
    if (round.put) totals.puts += 1;
    totals.published += round.published;
    totals.deadLettered += round.deadLettered;
    totals.refused += round.refused;
    if (round.throttled) totals.throttled += 1;

    const pushedBack = round.throttled || round.refused > 0;
    backoffMs = pushedBack ? Math.min(Math.max(backoffMs * 2, options.backoffMs), options.maxBackoffMs) : 0;
    let pause: number;
    if (pushedBack) pause = backoffMs;
    else if (round.idle) {
      if (options.idlePollMs === 0) break;
      pause = options.idlePollMs;
    } else pause = 0;
    if (Date.now() + pause >= deadline) {
      stoppedWithWork = !round.idle;
      break;
    }
    if (pause > 0) await wait(pause);
  }
  // A run that found nothing pending knows the lag is 0 without asking (a nudge stays cheap).
  const lagSeconds =
    totals.published + totals.deadLettered + totals.refused + totals.throttled === 0 && !stoppedWithWork
      ? 0
      : await oldestPendingOutboxAgeSeconds(deps.pool);
  deps.metrics.observe('outbox_lag_seconds', lagSeconds);
  return { ...totals, stoppedWithWork, lagSeconds };
}

/**
 * How many of the oldest pending rows a round looks at. Wider than a batch, so a run of one busy
 * aggregate at the head does not starve the other aggregates behind it.
 */
const windowOf = (batchSize: number) => Math.max(batchSize * 4, 100);

/**
 * A record's share of a put as OCI counts it: the PutMessages body (at most
 * STREAM_LIMITS.maxPutBytes) carries key and value base64-encoded, with member names and quotes.
 * The OCI adapter splits a put into requests by the same measure; bounding each put by it keeps a
 * put one request, so its records are stored or refused together as the relay saw them.
 */
export function putShareOf(record: StreamRecord): number {
  const base64 = (bytes: number) => 4 * Math.ceil(bytes / 3);
  return base64(Buffer.byteLength(record.key, 'utf8')) + base64(record.value.length) + 32;
}

export interface RoundPlan {
  /** Heads to put, in seq order, with their records. */
  readonly batch: readonly { readonly row: PendingOutboxRow; readonly record: StreamRecord }[];
  /** Heads that can never be published as they are (dead-lettered without a put). */
  readonly unpublishable: readonly { readonly row: PendingOutboxRow; readonly reason: string }[];
}

/**
 * What one round does with the oldest pending rows (in seq order): the first row of each aggregate
 * is its head (every earlier row of it is published or dead-lettered, else it would be in this
 * prefix of the pending rows); heads go in the put until `batchSize` records or `maxPutBytes`
 * (putShareOf). Later rows of an aggregate wait for a later round.
 */
export function planRound(
  pending: readonly PendingOutboxRow[],
  batchSize: number,
  maxPutBytes: number = STREAM_LIMITS.maxPutBytes,
): RoundPlan {
  const batch: { row: PendingOutboxRow; record: StreamRecord }[] = [];
  const unpublishable: { row: PendingOutboxRow; reason: string }[] = [];
  const seenKeys = new Set<string>();
  let bytes = 0;
  for (const row of pending) {
    const key = streamKeyOf(row);
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    const reason = unpublishableReason(row);
    if (reason !== undefined) {
      unpublishable.push({ row, reason });
      continue;
    }
    const record = { key, value: encodePublishedEvent(publishedEventOf(row)) };
    const size = putShareOf(record);
    // A record larger than a whole put still goes, alone: the stream answers for it (dead letter).
    if (batch.length > 0 && bytes + size > maxPutBytes) break;
    batch.push({ row, record });
    bytes += size;
    if (batch.length >= batchSize) break;
  }
  return { batch, unpublishable };
}

/**
 * One round: the head (oldest pending event) of each aggregate among the oldest pending rows, put
 * in one call. At most one event per aggregate per put, and an aggregate's next event is only read
 * as a head once this one is published or dead-lettered: a record refused in the middle of a put
 * can never be overtaken by a later event of its aggregate.
 */
async function relayRound(deps: RelayDeps, options: RelayOptions): Promise<RoundResult> {
  const pending = await readPendingOutbox(deps.pool, windowOf(options.batchSize));
  if (pending.length === 0)
    return { idle: true, put: false, published: 0, deadLettered: 0, refused: 0, throttled: false };

  const { batch, unpublishable } = planRound(pending, options.batchSize);

  for (const { row, reason } of unpublishable) await deadLetter(deps, row, reason);
  let result: RoundResult = {
    idle: false,
    put: false,
    published: 0,
    deadLettered: unpublishable.length,
    refused: 0,
    throttled: false,
  };
  if (batch.length === 0) return result;
  result = { ...result, put: true };

  let outcomes: Awaited<ReturnType<EventStream['put']>>;
  try {
    outcomes = await deps.stream.put(batch.map((entry) => entry.record));
  } catch (err) {
    if (!(err instanceof StreamUnavailableError)) throw err;
    deps.metrics.count('outbox_relay_throttled', 1, { scope: 'request' });
    log.warn('event stream unavailable; the relay backs off', {
      error: err,
      status: err.status,
      records: batch.length,
    });
    return { ...result, throttled: true };
  }
  if (outcomes.length !== batch.length) {
    throw new Error(`The stream answered ${outcomes.length} outcomes for ${batch.length} records`);
  }

  const publishedSeqs: string[] = [];
  const refusals: { seq: string; error: string }[] = [];
  const refusedForGood: { row: PendingOutboxRow; reason: string }[] = [];
  outcomes.forEach((outcome, index) => {
    const { row } = batch[index] as (typeof batch)[number];
    if (outcome.ok) publishedSeqs.push(row.seq);
    else if (outcome.retryable) refusals.push({ seq: row.seq, error: `${outcome.code}: ${outcome.message}` });
    else refusedForGood.push({ row, reason: `${outcome.code}: ${outcome.message}` });
  });
  await markOutboxPublished(deps.pool, publishedSeqs);
  if (publishedSeqs.length > 0) deps.metrics.count('outbox_published', publishedSeqs.length);
  if (refusals.length > 0) {
    await recordOutboxRefusals(deps.pool, refusals);
    deps.metrics.count('outbox_relay_throttled', refusals.length, { scope: 'record' });
  }
  for (const { row, reason } of refusedForGood) await deadLetter(deps, row, reason);
  result = {
    ...result,
    published: publishedSeqs.length,
    refused: refusals.length,
    deadLettered: result.deadLettered + refusedForGood.length,
  };
  return result;
}

async function deadLetter(deps: RelayDeps, row: PendingOutboxRow, reason: string): Promise<void> {
  await deadLetterOutboxRow(deps.pool, row.seq, reason);
  deps.metrics.count('outbox_dead_lettered', 1, { eventType: row.eventType });
  log.error('outbox event dead-lettered; its aggregate’s later events go on', {
    eventId: row.id,
    eventType: row.eventType,
    aggregate: streamKeyOf(row),
    seq: row.seq,
    reason,
  });
}
