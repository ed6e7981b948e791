import { log } from '#shared/base/log.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { type Design, designIdFromUploadKey } from '#shared/designs/design.ts';
import { findDesign, listLapsedDesigns, listStrandedUploads } from '#shared/designs/design-repository.ts';
import type { Metrics } from '#shared/metrics/metrics.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import type { ObjectHead, ObjectStore } from '#shared/storage/object-store.ts';

export interface WatchdogDeps {
  readonly pool: DbPool;
  readonly store: ObjectStore;
  readonly incomingBucket: string;
  /**
   * processUpload for one design. Given as a function so that a tick with nothing to re-drive
   * never builds the chain client (nor fails because the chain is down).
   */
  redrive(designId: string, etag: string): Promise<EventOutcome>;
  readonly metrics: Metrics;
}

export interface WatchdogOptions {
  /** A design waiting for its upload this long while its object is in the bucket lost its event. */
  readonly graceSeconds: number;
  /** Designs re-driven per tick at most (each may seal a large file and wait for a block). */
  readonly batch: number;
  /** No new design is started after this long, so a tick ends within the function's timeout. */
  readonly budgetMs: number;
}

export interface WatchdogSummary {
  readonly redriven: number;
  readonly registered: number;
  readonly rejected: number;
  readonly failed: number;
  /** Plaintext objects of finished designs (or of no design) deleted. */
  readonly deleted: number;
}

/**
 * The design watchdog: every upload ends `registered` or `rejected`, and no plaintext stays in
 * the incoming bucket, whatever happened to its event. The bucket holds only unfinished work
 * (each finished design's upload is deleted), so it is listed whole:
 * - an object of a finished design (bytes PUT again, whose event was lost) or of no design is deleted;
 * - an object whose design still waits for it past the grace period lost its event: re-driven;
 * - a `validating` design whose lease lapsed (the attempt died, or a claim landed after its process
 *   was killed) is re-driven, object or not (without one it is rejected `upload_missing`).
 * Re-driving is processUpload itself, under its lease, so a late event and the watchdog cannot
 * both work on one design.
 */
export async function runDesignWatchdog(
  deps: WatchdogDeps,
  options: WatchdogOptions,
): Promise<WatchdogSummary> {
  const startedAt = Date.now();
  const uploads = new Map<string, ObjectHead>();
  let deleted = 0;
  for (const object of await deps.store.list(deps.incomingBucket, 'designs/')) {
    const id = designIdFromUploadKey(object.key);
    if (id === undefined) continue;
    const design = await findDesign(deps.pool, id);
    if (design === undefined || isFinished(design)) {
      await deps.store.delete(deps.incomingBucket, object.key);
      deleted += 1;
      log.info('leftover upload deleted', { designId: id, status: design?.status ?? 'none' });
      continue;
    }
    uploads.set(id, object);
  }

  const stranded = await listStrandedUploads(deps.pool, [...uploads.keys()], options.graceSeconds);
  const lapsed = await listLapsedDesigns(deps.pool, options.batch);
  const due = [...new Set([...stranded, ...lapsed])].slice(0, options.batch);

  const counts = { redriven: 0, registered: 0, rejected: 0, failed: 0 };
  for (const id of due) {
    if (Date.now() - startedAt > options.budgetMs) break;
    const reason = uploads.has(id) && !lapsed.includes(id) ? 'lost_event' : 'lapsed_lease';
    counts.redriven += 1;
    deps.metrics.count('designs_redriven', 1, { reason });
    try {
      // Without an object, an eTag is not known; the claim records it only for the operator.
      const outcome = await deps.redrive(id, uploads.get(id)?.etag ?? 'watchdog');
      if (outcome.status === 'processed') counts.registered += 1;
      if (outcome.status === 'rejected') counts.rejected += 1;
      log.info('design re-driven by the watchdog', { designId: id, reason, outcome: outcome.status });
    } catch (err) {
      // Left for the next tick (the lease it took lapses first): one design's trouble stops no other.
      counts.failed += 1;
      log.warn('design re-drive failed; the next tick tries again', { designId: id, reason, error: err });
    }
  }
  return { ...counts, deleted };
}

function isFinished(design: Design): boolean {
  return design.status === 'registered' || design.status === 'rejected';
}
