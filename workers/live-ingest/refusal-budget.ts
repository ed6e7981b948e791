/**
 * A token bucket of refused publishes per client IP: each refusal for an unknown key spends a
 * token; an IP without tokens is refused at once, without asking the function, until the bucket
 * refills. So a flood of junk keys costs neither function calls nor the gateway's per-IP rate limit
 * that every agent shares.
 */
export class RefusalBudget {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #maxTracked: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    options: { capacity?: number; perMinute?: number; maxTracked?: number; now?: () => number } = {},
  ) {
    this.#capacity = options.capacity ?? 5;
    this.#refillPerMs = (options.perMinute ?? 5) / 60_000;
    this.#maxTracked = options.maxTracked ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether `ip` may still be asked about (has a token left). */
  allows(ip: string): boolean {
    return this.#tokens(ip) >= 1;
  }

  /** Spends one token of `ip`; true when this refusal used up its budget. */
  spend(ip: string): boolean {
    const tokens = Math.max(0, this.#tokens(ip) - 1);
    this.#buckets.delete(ip); // re-insert: the map stays in least-recently-refused order
    this.#buckets.set(ip, { tokens, at: this.#now() });
    this.#prune();
    return tokens < 1;
  }

  #tokens(ip: string): number {
    const bucket = this.#buckets.get(ip);
    if (!bucket) return this.#capacity;
    return Math.min(this.#capacity, bucket.tokens + (this.#now() - bucket.at) * this.#refillPerMs);
  }

  #prune(): void {
    if (this.#buckets.size <= this.#maxTracked) return;
    for (const ip of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxTracked) return;
      this.#buckets.delete(ip); // the oldest first; a full bucket is the same as none
    }
  }
}

/** Loopback: RTMPS arrives through nginx's TLS proxy from 127.0.0.1, so it is no client's address. */
export const isLoopback = (ip: string) =>
  ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
