import { log } from '#shared/base/log.ts';
import type { WorkQueue } from '#shared/queue/work-queue.ts';

/**
 * Tells the settler a counted print is waiting, so it can batch it on chain soon. Best effort
 * and after commit: the settler also sweeps counted jobs that have no settlement, so a lost
 * nudge only delays settlement, and the printer's report must not fail because of it.
 */
export async function nudgeSettlement(queue: WorkQueue, jobId: string): Promise<boolean> {
  try {
    await queue.put([JSON.stringify({ jobId })]);
    return true;
  } catch (err) {
    log.warn('settlement nudge not queued; the settler sweep will find the job', { jobId, error: err });
    return false;
  }
}
