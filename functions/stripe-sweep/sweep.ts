import { log } from '#shared/base/log.ts';
import { releaseExpiredHolds } from '#shared/shows/seat-holds.ts';
import { stripeEventSchema } from '#shared/shows/stripe-event.ts';
import { eventsDueForRetry, markProcessed } from '#shared/shows/stripe-event-log.ts';
import { type ProcessingDeps, processEvent } from '#shared/shows/stripe-processing.ts';

export interface SweepOptions {
  readonly batch: number;
  readonly releaseBatch: number;
  readonly retryBaseSeconds: number;
  readonly retryMaxSeconds: number;
  readonly maxAttempts: number;
  /** No new event is started after this long, so a tick never outlives its function timeout. */
  readonly budgetMs: number;
}

export interface SweepSummary {
  holdsReleased: number;
  retried: number;
  processed: number;
  deferred: number;
  gaveUp: number;
  /** Due events left for the next tick because the budget ran out. */
  leftForNextTick: number;
}

/** One sweep: lapsed holds released, then due events retried oldest first, one at a time. */
export async function runSweep(deps: ProcessingDeps, options: SweepOptions): Promise<SweepSummary> {
  const stopAt = Date.now() + options.budgetMs;
  const summary: SweepSummary = {
    holdsReleased: 0,
    retried: 0,
    processed: 0,
    deferred: 0,
    gaveUp: 0,
    leftForNextTick: 0,
  };
  summary.holdsReleased = (
    await releaseExpiredHolds(deps.pool, { limit: options.releaseBatch })
  ).released.length;
  const due = await eventsDueForRetry(deps.pool, {
    baseSeconds: options.retryBaseSeconds,
    maxSeconds: options.retryMaxSeconds,
    limit: options.batch,
  });
  for (const [index, stored] of due.entries()) {
    if (Date.now() >= stopAt) {
      summary.leftForNextTick = due.length - index;
      break;
    }
    if (stored.attempts >= options.maxAttempts) {
      log.error('Stripe event given up after its last attempt', {
        eventId: stored.id,
        attempts: stored.attempts,
      });
      await markProcessed(deps.pool, stored.id, `gave up after ${stored.attempts} attempts`);
      summary.gaveUp += 1;
      continue;
    }
    const parsed = stripeEventSchema.safeParse(JSON.parse(stored.payload));
    if (!parsed.success) {
      await markProcessed(deps.pool, stored.id, 'rejected: stored payload is not an event');
      summary.gaveUp += 1;
      continue;
    }
    summary.retried += 1;
    const result = await processEvent(deps, parsed.data);
    summary[result.status] += 1;
  }
  return summary;
}
