import { createHash } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStorageEvent } from '#events/object-storage-event.ts';
import { type EventRule, matchesCondition } from '#events/rules.ts';
import { createPool } from '#shared/db/pool.ts';
import { recordDeadLetter } from '#shared/delivery/dead-letters.ts';
import { readMetricsConfig } from '#shared/metrics/config.ts';
import type { Metrics } from '#shared/metrics/metrics.ts';
import { metricsFromConfig } from '#shared/metrics/metrics-from-config.ts';
import type { CallOutcome, FnRunner } from './fn/runner.ts';

export interface EventRouterOptions {
  readonly rules: readonly EventRule[];
  readonly runner: FnRunner;
  /** Pending deliveries are kept here until done, so a restart resumes them (at least once). */
  readonly dataDir: string;
  readonly maxAttempts?: number;
  readonly firstBackoffMs?: number;
  readonly log?: (line: Record<string, unknown>) => void;
  /**
   * Where a dead letter goes besides `dead-letters.jsonl`: the `dead_letters` table and the
   * `event_dead_letters` metric (shared/delivery/dead-letters.ts), so an operator sees it. A failure
   * to record it there is logged; the file keeps the letter.
   */
  readonly onDeadLetter?: (letter: DeadLetter) => Promise<void>;
}

interface PendingDelivery {
  readonly rule: string;
  readonly functionName: string;
  readonly event: ObjectStorageEvent;
  attempts: number;
}

export interface DeadLetter {
  readonly rule: string;
  readonly functionName: string;
  readonly event: ObjectStorageEvent;
  readonly attempts: number;
  readonly lastError: string;
  readonly at: string;
}

/**
 * The OCI Events service, locally: each object event is matched against the rules and handed
 * to every subscribed function at least once, retried with exponential backoff, and after the
 * last attempt written to a dead-letter log. Deliveries are spooled to disk first.
 */
export class EventRouter {
  private readonly options: EventRouterOptions;
  private readonly spoolDir: string;
  private readonly deadLetterFile: string;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(options: EventRouterOptions) {
    this.options = options;
    this.spoolDir = join(options.dataDir, 'spool');
    this.deadLetterFile = join(options.dataDir, 'dead-letters.jsonl');
  }

  /** Resumes deliveries left over from a previous run. */
  async start(): Promise<number> {
    await mkdir(this.spoolDir, { recursive: true });
    const files = (await readdir(this.spoolDir)).filter((f) => f.endsWith('.json'));
    for (const file of files) {
      const pending = JSON.parse(await readFile(join(this.spoolDir, file), 'utf8')) as PendingDelivery;
      this.track(this.deliver(pending));
    }
    return files.length;
  }

  /** Called by the object store after an object is committed. Resolves once deliveries are spooled. */
  async publish(event: ObjectStorageEvent): Promise<void> {
    const matching = this.options.rules.filter((rule) => matchesCondition(rule.condition, event));
    for (const rule of matching) {
      const pending: PendingDelivery = {
        rule: rule.name,
        functionName: rule.functionName,
        event,
        attempts: 0,
      };
      await writeFile(this.spoolPath(pending), JSON.stringify(pending));
      this.track(this.deliver(pending));
    }
  }

  /** Resolves when no delivery is in progress (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async deadLetters(): Promise<DeadLetter[]> {
    try {
      const text = await readFile(this.deadLetterFile, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as DeadLetter);
    } catch {
      return [];
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(pending: PendingDelivery): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const firstBackoff = this.options.firstBackoffMs ?? 250;
    let lastError = '';
    while (pending.attempts < maxAttempts && !this.closed) {
      pending.attempts += 1;
      const outcome = await this.options.runner.call(pending.functionName, {
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from(JSON.stringify(pending.event)),
      });
      if (outcome.kind === 'ok') {
        this.options.log?.({
          level: 'info',
          msg: 'event delivered',
          ...describe(pending),
          result: resultOf(outcome),
        });
        await rm(this.spoolPath(pending), { force: true });
        return;
      }
      lastError = outcome.kind;
      this.options.log?.({
        level: 'warn',
        msg: 'event delivery failed',
        ...describe(pending),
        outcome: outcome.kind,
      });
      await writeFile(this.spoolPath(pending), JSON.stringify(pending));
      if (pending.attempts < maxAttempts) await sleep(firstBackoff * 2 ** (pending.attempts - 1));
    }
    if (this.closed) return; // left in the spool; the next start resumes it
    const letter: DeadLetter = {
      ...describe(pending),
      event: pending.event,
      lastError,
      at: new Date().toISOString(),
    };
    await appendFile(this.deadLetterFile, `${JSON.stringify(letter)}\n`);
    await rm(this.spoolPath(pending), { force: true });
    this.options.log?.({ level: 'error', msg: 'event dead-lettered', ...describe(pending), lastError });
    await this.options.onDeadLetter?.(letter).catch((err: unknown) => {
      this.options.log?.({
        level: 'error',
        msg: 'dead letter not recorded in the database; it is in dead-letters.jsonl',
        ...describe(pending),
        error: err instanceof Error ? err.message : String(err),
      });
    });
  }

  private spoolPath(pending: PendingDelivery): string {
    // Hashed: an event id is data from outside and never becomes a path.
    const key = createHash('sha256').update(`${pending.event.eventID}\n${pending.rule}`).digest('hex');
    return join(this.spoolDir, `${key}.json`);
  }
}

/**
 * The router's `onDeadLetter` for the local cloud: each dead letter goes into the platform
 * database's `dead_letters` table and counts in `event_dead_letters`, pushed to the collector
 * like any function's metrics (`metricsEnv` holds the METRICS_* platform keys).
 */
export function deadLettersToDatabase(
  mysqlUrl: string,
  metricsEnv: Readonly<Record<string, string>>,
): { onDeadLetter: (letter: DeadLetter) => Promise<void>; close: () => Promise<void> } {
  const pool = createPool(mysqlUrl, { connectionLimit: 1 });
  const metrics: Metrics & { close?: () => Promise<void> } = metricsFromConfig(readMetricsConfig(metricsEnv));
  return {
    onDeadLetter: async (letter) => {
      await recordDeadLetter(pool, metrics, {
        rule: letter.rule,
        functionName: letter.functionName,
        event: letter.event,
        attempts: letter.attempts,
        lastError: letter.lastError,
      });
    },
    close: async () => {
      await metrics.close?.();
      await pool.end();
    },
  };
}

function describe(pending: PendingDelivery) {
  return {
    rule: pending.rule,
    functionName: pending.functionName,
    eventId: pending.event.eventID,
    object: pending.event.data.resourceName,
    attempts: pending.attempts,
  };
}

function resultOf(outcome: Extract<CallOutcome, { kind: 'ok' }>): unknown {
  try {
    return JSON.parse(outcome.reply.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
