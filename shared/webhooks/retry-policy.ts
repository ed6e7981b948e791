/**
 * When a failed delivery is tried again: exponential backoff (base × 2^(attempts−1), capped) with
 * "equal jitter" (half the delay fixed, half random), so endpoints that failed together do not
 * all come back in the same second; given up once the next try would fall after the retry window.
 */
export interface RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** How long after the delivery was created it may still be tried. */
  readonly retryForMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 6 * 60 * 60 * 1000,
  retryForMs: 3 * 24 * 60 * 60 * 1000,
};

/** The delay before try number `attempts + 1`, given `attempts` failed tries so far (≥ 1). */
export function backoffDelayMs(
  attempts: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  const ceiling = Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** The time of the next try, or undefined when the delivery has run out of time and fails. */
export function nextAttemptAt(
  attempts: number,
  createdAt: Date,
  now: Date,
  policy: RetryPolicy,
  random: () => number = Math.random,
): Date | undefined {
  const next = new Date(now.getTime() + backoffDelayMs(attempts, policy, random));
  return next.getTime() - createdAt.getTime() > policy.retryForMs ? undefined : next;
}
