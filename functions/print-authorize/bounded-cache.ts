/**
 * A small in-process cache with a size bound (least recently used out first) and an age bound.
 * A function instance serves one call at a time but lives for many, so what is costly to fetch
 * and never changes (or may be a little stale) is worth keeping between calls.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, { value: V; until: number }>();
  readonly #loads = new Map<K, Promise<V>>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;

  constructor(options: { maxEntries: number; ttlMs: number }) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    this.#maxEntries = options.maxEntries;
    this.#ttlMs = options.ttlMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.until <= now) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recent.
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V, now = Date.now()): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, until: now + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** The cached value, or the one `load` makes (kept). */
  getOrLoadSync(key: K, load: () => V): V {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const value = load();
    this.set(key, value);
    return value;
  }

  /** The cached value, or the one `load` resolves to; concurrent misses share one load. */
  async getOrLoad(key: K, load: () => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const pending = this.#loads.get(key);
    if (pending) return pending;
    const loading = load().finally(() => this.#loads.delete(key));
    this.#loads.set(key, loading);
    const value = await loading;
    this.set(key, value);
    return value;
  }
}
