import { DeadlineExceededError } from '../errors.ts';

/** Time kept back from Fn's deadline so our 504 reaches the caller before Fn gives up on us. */
const SAFETY_MARGIN_MS = 100;

/**
 * Resolves with `work`, or rejects with DeadlineExceededError when the Fn-Deadline passes first.
 * Fn does not enforce the deadline inside the process; without this, a stuck call would hold the
 * hot container until Fn times it out and kills it.
 */
export async function withDeadline<T>(deadline: Date | null, work: Promise<T>, now = Date.now()): Promise<T> {
  if (deadline === null || Number.isNaN(deadline.getTime())) return work;
  const remaining = deadline.getTime() - now - SAFETY_MARGIN_MS;
  if (remaining <= 0) throw new DeadlineExceededError('The deadline had passed before the call started');
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineExceededError(`No result within ${remaining} ms`)),
      remaining,
    );
  });
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}
