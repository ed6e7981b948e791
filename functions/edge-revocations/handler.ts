import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '#shared/base/log.ts';
import { RevocationPushError, revocationListFromConfig } from '#shared/cdn/revocation-list.ts';
import { pushRevocations } from '#shared/cdn/revocation-push.ts';
import { chatModerationFromConfig } from '#shared/chat/chat-from-config.ts';
import { createPool } from '#shared/db/pool.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { loadEdgeRevocationsConfig } from './config.ts';
import { edgeRevocationsManifest } from './manifest.ts';
import { RevocationSinksError, revocationSinks } from './sinks.ts';

const config = loadEdgeRevocationsConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
// The edge (playback) and the show chat hear of every revocation in the same pass.
const list = revocationSinks(revocationListFromConfig(config), chatModerationFromConfig(config));
/** Longest wait between two tries while the edge refuses or does not answer. */
const MAX_BACKOFF_MS = 30_000;
/**
 * Revocations pushed before this instance started are pushed again by its first passes: a fresh
 * instance often follows a restart (locally the edge's list restarts empty with the cloud), and
 * an instance is cheap to trust afterwards. Later the configured resync interval applies.
 */
const startedAt = Date.now();
const resyncSeconds = () =>
  Math.min(config.REVOCATION_RESYNC_SECONDS, Math.floor((Date.now() - startedAt) / 1000));

export const handler = scheduledFunction(edgeRevocationsManifest, async () => {
  const watchUntil = Date.now() + config.REVOCATION_WATCH_SECONDS * 1000;
  const totals = { passes: 0, pushed: 0, removed: 0, failures: 0 };
  let backoffMs = config.REVOCATION_POLL_MS;
  for (;;) {
    totals.passes += 1;
    try {
      const summary = await pushRevocations(pool, list, {
        batch: config.REVOCATION_BATCH,
        resyncSeconds: resyncSeconds(),
      });
      totals.pushed += summary.pushed;
      totals.removed += summary.removed;
      if (summary.pushed > 0) log.info('revocations pushed to the edge', { ...summary });
      backoffMs = config.REVOCATION_POLL_MS;
    } catch (error) {
      totals.failures += 1;
      // Credentials or a refused request need an operator; the rest passes with time.
      const needsOperator =
        (error instanceof RevocationPushError && !error.retryable) ||
        (error instanceof RevocationSinksError && error.needsOperator);
      (needsOperator ? log.error : log.warn)('revocations not pushed; retrying', { error });
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
    if (Date.now() + backoffMs >= watchUntil) break;
    await sleep(backoffMs);
  }
  return { status: 'processed', detail: totals };
});
