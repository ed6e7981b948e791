import { setTimeout as sleep } from 'node:timers/promises';
import { encodePublishedEvent, streamKeyOf } from '#events/domain/stream-message.ts';
import { log } from '#shared/base/log.ts';
import { withNamedLock } from '#shared/db/named-lock.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import type { Metrics } from '#shared/metrics/metrics.ts';
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
  withPendingSnapshot,
} from '#shared/outbox/relay-store.ts';
import {
  type EventStream,
  STREAM_LIMITS,
  type StreamRecord,
  StreamUnavailableError,
} from '#shared/stream/event-stream.ts';
import { putMessageShare } from '#shared/stream/stream-records.ts';

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
  /**
   * First wait after a put failed as a whole (and the first a refused key sits out); doubles
   * while it goes on, up to maxBackoffMs.
   */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /**
   * Most windows (of windowOf(batchSize) pending rows each) one round reads when the first ones
   * hold fewer heads than a batch: a hot aggregate's run of events does not starve the others
   * behind it. Default 5.
   */
  readonly scanWindows?: number;
  /** A head refused as retryable this many times is dead-lettered. Default 1,000. */
  readonly giveUpAfterAttempts?: number;
  /** A head first refused (retryable) longer ago than this is dead-lettered. Default 24 h. */
  readonly giveUpAfterSeconds?: number;
}

export const RELAY_DEFAULTS = {
  scanWindows: 5,
  giveUpAfterAttempts: 1_000,
  giveUpAfterSeconds: 24 * 3600,
} as const;

export interface RelayTotals {
  /** Put calls made (each carrying at most one event per aggregate). */
  readonly puts: number;
  readonly published: number;
  readonly deadLettered: number;
  /**
   * Records refused as retryable: each holds back only its own key until its backoff ends; one
   * refused for too long (giveUpAfterAttempts / giveUpAfterSeconds) is also in deadLettered.
   */
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
  /**
   * When every head the round saw sat out a key backoff: the time (Date.now()) the first of them
   * ends. Undefined when the round had other work.
   */
  readonly waitUntil: number | undefined;
}

/** A key refused as retryable sits out rounds until `until` (Date.now() ms). */
interface KeyBackoff {
  readonly until: number;
}

/** What one run remembers between its rounds. */
interface RunState {
  /** Keys whose head the stream refused as retryable, until their backoff ends. */
  readonly keyBackoffs: Map<string, KeyBackoff>;
  /** Rounds that read only the first window before the next one may read further (see relayRound). */
  roundsUntilScan: number;
  /** The last such pause, doubling while further windows keep yielding nothing. */
  scanPause: number;
}

/** Most rounds a run goes without reading past the first window after further windows yielded nothing. */
const MAX_SCAN_PAUSE_ROUNDS = 32;

async function relayExclusively(deps: RelayDeps, options: RelayOptions): Promise<RelayTotals> {
  const wait = deps.sleep ?? ((ms: number) => sleep(ms));
  const deadline = Date.now() + options.runSeconds * 1000;
  const totals = { puts: 0, published: 0, deadLettered: 0, refused: 0, throttled: 0 };
  const run: RunState = { keyBackoffs: new Map(), roundsUntilScan: 0, scanPause: 0 };
  let backoffMs = 0;
  let stoppedWithWork = false;
  for (;;) {
    const round = await relayRound(deps, options, run);
    if (round.put) totals.puts += 1;
    totals.published += round.published;
    totals.deadLettered += round.deadLettered;
    totals.refused += round.refused;
    if (round.throttled) totals.throttled += 1;

    // A whole put failing (the stream or the request throttled) holds everyone back; a record
    // refused on its own holds back only its key (run.keyBackoffs), and the relay sleeps only when
    // every pending head it can see is sitting out.
    backoffMs = round.throttled
      ? Math.min(Math.max(backoffMs * 2, options.backoffMs), options.maxBackoffMs)
      : 0;
    let pause: number;
    if (round.throttled) pause = backoffMs;
    else if (round.idle) {
      if (options.idlePollMs === 0) break;
      pause = options.idlePollMs;
    } else if (round.waitUntil !== undefined) {
      const untilBackoffEnds = Math.max(1, round.waitUntil - Date.now());
      // New rows may come meanwhile: a watching run still looks every idlePollMs.
      pause = options.idlePollMs > 0 ? Math.min(untilBackoffEnds, options.idlePollMs) : untilBackoffEnds;
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
 * How many of the oldest pending rows a round reads at a time. Wider than a batch, so a run of one
 * busy aggregate at the head does not starve the other aggregates behind it.
 */
const windowOf = (batchSize: number) => Math.max(batchSize * 4, 100);

/**
 * A record's share of a put as OCI counts it (the PutMessages body, at most
 * STREAM_LIMITS.maxPutBytes): the one measure (putMessageShare) the OCI adapter splits by too, so
 * bounding each put by it keeps a put one request, its records stored or refused together as the
 * relay saw them.
 */
export const putShareOf = putMessageShare;

export interface RoundPlan {
  /** Heads to put, in seq order, with their records. */
  readonly batch: readonly { readonly row: PendingOutboxRow; readonly record: StreamRecord }[];
  /** Heads that can never be published as they are (dead-lettered without a put). */
  readonly unpublishable: readonly { readonly row: PendingOutboxRow; readonly reason: string }[];
}

/**
 * Builds one round's plan from pending rows read in seq order, window after window: the first row
 * of each aggregate is its head (every earlier row of it is published or dead-lettered, else it
 * would be in this prefix of the pending rows); heads go in the put until `batchSize` records or
 * `maxPutBytes` (putShareOf). Later rows of an aggregate wait for a later round. A key that
 * `sitsOut` (its head was refused and its backoff has not ended) puts nothing, and none of its
 * later rows either.
 */
class RoundPlanner implements RoundPlan {
  readonly batch: { row: PendingOutboxRow; record: StreamRecord }[] = [];
  readonly unpublishable: { row: PendingOutboxRow; reason: string }[] = [];
  /** Keys whose head sat out, seen in this round. */
  readonly satOut: string[] = [];
  /** The put is full (by count or bytes): reading further rows would add nothing. */
  full = false;
  readonly #seenKeys = new Set<string>();
  #bytes = 0;
  readonly #batchSize: number;
  readonly #maxPutBytes: number;
  readonly #sitsOut: (key: string) => boolean;

  constructor(batchSize: number, maxPutBytes: number, sitsOut: (key: string) => boolean) {
    this.#batchSize = batchSize;
    this.#maxPutBytes = maxPutBytes;
    this.#sitsOut = sitsOut;
  }

  /** Heads found so far (to put or to dead-letter). */
  get heads(): number {
    return this.batch.length + this.unpublishable.length;
  }

  add(rows: readonly PendingOutboxRow[]): void {
    for (const row of rows) {
      if (this.full) return;
      const key = streamKeyOf(row);
      if (this.#seenKeys.has(key)) continue;
      this.#seenKeys.add(key);
      if (this.#sitsOut(key)) {
        this.satOut.push(key);
        continue;
      }
      const reason = unpublishableReason(row);
      if (reason !== undefined) {
        this.unpublishable.push({ row, reason });
        continue;
      }
      const record = { key, value: encodePublishedEvent(publishedEventOf(row)) };
      const size = putShareOf(record);
      // A record larger than a whole put still goes, alone: the stream answers for it (dead letter).
      if (this.batch.length > 0 && this.#bytes + size > this.#maxPutBytes) {
        this.full = true;
        return;
      }
      this.batch.push({ row, record });
      this.#bytes += size;
      if (this.batch.length >= this.#batchSize) this.full = true;
    }
  }
}

/** One round's plan from one list of pending rows (seq order); see RoundPlanner. */
export function planRound(
  pending: readonly PendingOutboxRow[],
  batchSize: number,
  maxPutBytes: number = STREAM_LIMITS.maxPutBytes,
  sitsOut: (key: string) => boolean = () => false,
): RoundPlan {
  const planner = new RoundPlanner(batchSize, maxPutBytes, sitsOut);
  planner.add(pending);
  return { batch: planner.batch, unpublishable: planner.unpublishable };
}

/**
 * Reads the oldest pending rows into a plan: one window, and while a full window leaves the put
 * short of a batch (one hot aggregate filled it) the next window after it, up to scanWindows. An
 * aggregate first seen in a later window has no pending row in the earlier ones, so its first row
 * there is its head, provided every window comes from one snapshot (withPendingSnapshot): so when
 * further windows are needed, the round reads them all again in one read-only transaction (one
 * statement is a snapshot of its own, so the common round of one window needs none). Further
 * windows that yielded no head make the next rounds read one window only, for 1, 2, 4 … 32 rounds,
 * so a hot aggregate alone on the outbox does not pay for reading its own rows several times per put.
 */
async function planFromPending(
  deps: RelayDeps,
  options: RelayOptions,
  run: RunState,
  now: number,
): Promise<{ planner: RoundPlanner; rowsRead: number }> {
  const newPlanner = () =>
    new RoundPlanner(
      options.batchSize,
      STREAM_LIMITS.maxPutBytes,
      (key) => (run.keyBackoffs.get(key)?.until ?? 0) > now,
    );
  const window = windowOf(options.batchSize);
  const scanWindows = options.scanWindows ?? RELAY_DEFAULTS.scanWindows;
  const first = await readPendingOutbox(deps.pool, window);
  const planner = newPlanner();
  planner.add(first);
  const mayScan = run.roundsUntilScan === 0;
  if (!mayScan) run.roundsUntilScan -= 1;
  if (planner.full || first.length < window || !mayScan || scanWindows === 1) {
    return { planner, rowsRead: first.length };
  }

  return withPendingSnapshot(deps.pool, async (connection) => {
    const scanned = newPlanner();
    let rowsRead = 0;
    let headsOfFirstWindow = 0;
    let afterSeq: string | undefined;
    for (let windows = 0; windows < scanWindows; windows++) {
      const rows = await readPendingOutbox(connection, window, afterSeq);
      rowsRead += rows.length;
      scanned.add(rows);
      if (windows === 0) headsOfFirstWindow = scanned.heads;
      const last = rows.at(-1);
      if (scanned.full || rows.length < window || last === undefined) break;
      afterSeq = last.seq;
    }
    if (scanned.heads > headsOfFirstWindow) run.scanPause = 0;
    else {
      run.scanPause = Math.min(Math.max(run.scanPause * 2, 1), MAX_SCAN_PAUSE_ROUNDS);
      run.roundsUntilScan = run.scanPause;
    }
    return { planner: scanned, rowsRead };
  });
}

/**
 * One round: the head (oldest pending event) of each aggregate among the oldest pending rows, put
 * in one call. At most one event per aggregate per put, and an aggregate's next event is only read
 * as a head once this one is published or dead-lettered: a record refused in the middle of a put
 * can never be overtaken by a later event of its aggregate.
 */
async function relayRound(deps: RelayDeps, options: RelayOptions, run: RunState): Promise<RoundResult> {
  const now = Date.now();
  const { planner, rowsRead } = await planFromPending(deps, options, run, now);
  const nothing = { put: false, published: 0, deadLettered: 0, refused: 0, throttled: false };
  if (rowsRead === 0) return { idle: true, ...nothing, waitUntil: undefined };
  const { batch, unpublishable } = planner;

  for (const { row, reason } of unpublishable) await deadLetter(deps, row, reason);
  let result: RoundResult = {
    idle: false,
    ...nothing,
    deadLettered: unpublishable.length,
    waitUntil: undefined,
  };
  if (batch.length === 0) {
    if (unpublishable.length > 0 || planner.satOut.length === 0) return result;
    const ends = planner.satOut.map((key) => run.keyBackoffs.get(key)?.until ?? now);
    return { ...result, waitUntil: Math.min(...ends) };
  }
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
  const giveUpAfterAttempts = options.giveUpAfterAttempts ?? RELAY_DEFAULTS.giveUpAfterAttempts;
  const giveUpAfterSeconds = options.giveUpAfterSeconds ?? RELAY_DEFAULTS.giveUpAfterSeconds;
  let gaveUp = 0;
  outcomes.forEach((outcome, index) => {
    const { row, record } = batch[index] as (typeof batch)[number];
    if (outcome.ok) {
      publishedSeqs.push(row.seq);
      run.keyBackoffs.delete(record.key);
      return;
    }
    const error = `${outcome.code}: ${outcome.message}`;
    run.keyBackoffs.delete(record.key);
    if (!outcome.retryable) {
      refusedForGood.push({ row, reason: error });
      return;
    }
    const attempts = row.publishAttempts + 1;
    const refusingSeconds = row.refusingSeconds ?? 0;
    if (attempts >= giveUpAfterAttempts || refusingSeconds >= giveUpAfterSeconds) {
      // Refused for too long: set aside with its reason (the dead-letter alarm fires) rather than
      // refused forever; its aggregate's later events go on.
      gaveUp += 1;
      refusedForGood.push({
        row,
        reason: `refused ${attempts} times over ${Math.round(refusingSeconds)} s; gave up (last: ${error})`,
      });
      return;
    }
    refusals.push({ seq: row.seq, error });
    // The key sits out the next rounds; its wait grows with the row's refusals (kept in the
    // outbox), so a later run does not start it again from the first wait.
    const delay = Math.min(options.backoffMs * 2 ** Math.min(attempts - 1, 30), options.maxBackoffMs);
    run.keyBackoffs.set(record.key, { until: Date.now() + delay });
  });
  await markOutboxPublished(deps.pool, publishedSeqs);
  if (publishedSeqs.length > 0) deps.metrics.count('outbox_published', publishedSeqs.length);
  // Every retryable refusal counts, the ones given up on included.
  const refusedCount = refusals.length + gaveUp;
  if (refusals.length > 0) await recordOutboxRefusals(deps.pool, refusals);
  if (refusedCount > 0) deps.metrics.count('outbox_relay_throttled', refusedCount, { scope: 'record' });
  for (const { row, reason } of refusedForGood) await deadLetter(deps, row, reason);
  return {
    ...result,
    published: publishedSeqs.length,
    refused: refusedCount,
    deadLettered: result.deadLettered + refusedForGood.length,
  };
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
