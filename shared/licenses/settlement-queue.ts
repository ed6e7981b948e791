import { z } from 'zod';
import { log } from '../base/log.ts';
import { ID_PATTERN } from '../ids.ts';
import { type QueueMessage, StaleReceiptError, type WorkQueue } from '../queue/work-queue.ts';

const nudgeSchema = z.object({ jobId: z.string().regex(ID_PATTERN) });

/** Nudges received in one run: each job with every delivery that named it (duplicates included). */
export interface Nudges {
  readonly receiptsByJob: ReadonlyMap<string, readonly string[]>;
  /** Messages that name no job: nothing will ever make them useful. */
  readonly unreadable: readonly string[];
}

/**
 * Receives nudges until the queue is empty or `maxJobs` distinct jobs are named. The settler
 * acknowledges them at once (they are advisory: the sweep finds every counted print anyway);
 * `visibilitySeconds` only covers a run that dies before it gets to.
 */
export async function receiveNudges(
  queue: WorkQueue,
  options: { maxJobs: number; visibilitySeconds: number },
): Promise<Nudges> {
  const receiptsByJob = new Map<string, string[]>();
  const unreadable: string[] = [];
  for (;;) {
    const remaining = options.maxJobs - receiptsByJob.size;
    if (remaining <= 0) break;
    const messages = await queue.receive({
      visibilitySeconds: options.visibilitySeconds,
      limit: Math.min(20, remaining),
    });
    if (messages.length === 0) break;
    for (const message of messages) {
      const jobId = jobIdOf(message);
      if (jobId === undefined) unreadable.push(message.receipt);
      else receiptsByJob.set(jobId, [...(receiptsByJob.get(jobId) ?? []), message.receipt]);
    }
  }
  return { receiptsByJob, unreadable };
}

/** Acknowledges deliveries; one already redelivered elsewhere (stale receipt) is not an error. */
export async function acknowledge(queue: WorkQueue, receipts: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const receipt of receipts) {
    try {
      await queue.delete(receipt);
      deleted += 1;
    } catch (err) {
      if (!(err instanceof StaleReceiptError)) throw err;
    }
  }
  return deleted;
}

function jobIdOf(message: QueueMessage): string | undefined {
  try {
    const parsed = nudgeSchema.safeParse(JSON.parse(message.content));
    if (parsed.success) return parsed.data.jobId;
  } catch {
    // Falls through to the warning: not JSON.
  }
  log.warn('settlement nudge names no job; dropping it', { messageId: message.id });
  return undefined;
}
