import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../../../infra/local/gateway/rate-limiter.ts';

describe('Class: RateLimiter', () => {
  describe('Method: take', () => {
    it('allows a burst, then refuses with a retry-after', () => {
      // Prepare
      const limiter = new RateLimiter(1, 3);
      const now = 1_000;

      // Act
      const burst = [1, 2, 3].map(() => limiter.take('10.0.0.1', now));
      const refused = limiter.take('10.0.0.1', now);

      // Assess
      expect(burst).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
      expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1 });
    });

    it('computes retry-after from the refill rate', () => {
      // Prepare
      const limiter = new RateLimiter(0.25, 1);

      // Act
      limiter.take('k', 0);
      const refused = limiter.take('k', 0);

      // Assess
      expect(refused).toEqual({ allowed: false, retryAfterSeconds: 4 });
    });

    it('refills tokens as time passes', () => {
      // Prepare
      const limiter = new RateLimiter(2, 2);
      limiter.take('k', 0);
      limiter.take('k', 0);

      // Act
      const tooSoon = limiter.take('k', 400);
      const afterRefill = limiter.take('k', 500);
      const emptyAgain = limiter.take('k', 500);

      // Assess
      expect(tooSoon.allowed).toBe(false);
      expect(afterRefill).toEqual({ allowed: true });
      expect(emptyAgain.allowed).toBe(false);
    });

    it('never refills beyond the burst', () => {
      // Prepare
      const limiter = new RateLimiter(10, 2);
      limiter.take('k', 0);

      // Act: an hour idle must still allow only the burst.
      const results = [1, 2, 3].map(() => limiter.take('k', 3_600_000).allowed);

      // Assess
      expect(results).toEqual([true, true, false]);
    });

    it('keeps keys independent', () => {
      // Prepare
      const limiter = new RateLimiter(1, 1);

      // Act
      const first = limiter.take('a', 0);
      const firstAgain = limiter.take('a', 0);
      const other = limiter.take('b', 0);

      // Assess
      expect(first.allowed).toBe(true);
      expect(firstAgain.allowed).toBe(false);
      expect(other.allowed).toBe(true);
    });

    it('defaults the burst to the per-second rate', () => {
      // Prepare
      const limiter = new RateLimiter(2);

      // Act
      const results = [1, 2, 3].map(() => limiter.take('k', 0).allowed);

      // Assess
      expect(results).toEqual([true, true, false]);
    });
  });
});
