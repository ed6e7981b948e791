import { withNamedLock } from '../db/named-lock.ts';
import type { DbPool } from '../db/pool.ts';
import { DependencyUnavailableError } from '../errors.ts';
import { type EdgeRevocationList, MAX_LIST_CHANGES } from './revocation-list.ts';
import {
  deleteExpiredRevocations,
  expiredRevocations,
  markRevocationPushFailed,
  markRevocationsPushed,
  revocationsToPush,
} from './revocation-repository.ts';

export interface RevocationPushOptions {
  /** Changes per request to the edge (Fastly takes at most 1000). */
  readonly batch: number;
  /** A live revocation is pushed again this long after its last push. */
  readonly resyncSeconds: number;
}

export interface RevocationPushSummary {
  /** Revocations sent to the edge (new ones and resyncs). */
  pushed: number;
  /** Expired revocations removed from the edge and from the database. */
  removed: number;
  /** Another pusher held the lock; this pass did nothing. */
  busy: boolean;
}

const LOCK_NAME = 'forgecast.edge-revocations';

/**
 * One pass: sends the edge every revocation it has not acknowledged (and, now and then, those it
 * has), and removes the expired ones, in one request of at most `batch` changes. One pusher at a
 * time (named lock): otherwise a resync that read a row just before it expired could put it back
 * at the edge after another pass removed it. A failed request leaves everything as it was, to be
 * tried again by the next pass; the error is thrown for the caller to log.
 */
export async function pushRevocations(
  pool: DbPool,
  list: EdgeRevocationList,
  options: RevocationPushOptions,
): Promise<RevocationPushSummary> {
  const batch = Math.min(Math.max(1, options.batch), MAX_LIST_CHANGES);
  let locked = false;
  try {
    return await withNamedLock(pool, LOCK_NAME, 0, async () => {
      locked = true;
      const toPush = await revocationsToPush(pool, { limit: batch, resyncSeconds: options.resyncSeconds });
      const expired = await expiredRevocations(pool, batch - toPush.length);
      const remove = expired.filter((entry) => entry.pushed).map((entry) => entry.grantId);
      const pushedIds = toPush.map((entry) => entry.grantId);
      try {
        await list.apply({ upsert: toPush, remove });
      } catch (error) {
        await markRevocationPushFailed(
          pool,
          pushedIds,
          error instanceof Error ? error.message : String(error),
        );
        throw error;
      }
      await markRevocationsPushed(pool, pushedIds);
      const removed = await deleteExpiredRevocations(
        pool,
        expired.map((entry) => entry.grantId),
      );
      return { pushed: pushedIds.length, removed, busy: false };
    });
  } catch (error) {
    // withNamedLock refuses with a DependencyUnavailableError when another pusher holds the lock.
    if (!locked && error instanceof DependencyUnavailableError) {
      return { pushed: 0, removed: 0, busy: true };
    }
    throw error;
  }
}
