/**
 * A sliding-window limit: at most `limit` events per key in any `windowMs`. Keeps the times of the
 * last `limit` events per key (so memory is bounded by keys × limit) and forgets keys that have
 * been quiet for a window.
 */
export interface SlidingWindowLimiter {
  /** Records an event now if allowed; otherwise says how long until the next one would be. */
  take(
    key: string,
    now?: number,
  ): { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };
  /** Keys currently remembered (tests, and to prove the sweep works). */
  readonly size: number;
}

export function createSlidingWindowLimiter(options: {
  readonly limit: number;
  readonly windowMs: number;
}): SlidingWindowLimiter {
  if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be ≥ 1');
  if (!(options.windowMs > 0)) throw new RangeError('windowMs must be > 0');
  const events = new Map<string, number[]>();
  let lastSweep = 0;
  const sweep = (now: number) => {
    if (now - lastSweep < options.windowMs) return;
    lastSweep = now;
    for (const [key, times] of events) {
      const newest = times[times.length - 1];
      if (newest === undefined || now - newest >= options.windowMs) events.delete(key);
    }
  };
  return {
    take(key, now = Date.now()) {
      sweep(now);
      const times = events.get(key) ?? [];
      while (times.length > 0 && now - (times[0] as number) >= options.windowMs) times.shift();
      if (times.length >= options.limit) {
        return { allowed: false, retryAfterMs: Math.max(1, (times[0] as number) + options.windowMs - now) };
      }
      times.push(now);
      events.set(key, times);
      return { allowed: true };
    },
    get size() {
      return events.size;
    },
  };
}
