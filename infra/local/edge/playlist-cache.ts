/** A cached playlist: the bytes as the origin had them when they were fetched. */
export interface CachedPlaylist {
  readonly body: Buffer;
  readonly etag: string;
  readonly surrogateKey: string;
  /** Soft-purged: refetched on next use, but still served if the origin fails. */
  readonly stale: boolean;
  /** Epoch ms after which it is refetched like a stale entry (live playlists); none: until purged. */
  readonly expiresAt?: number;
}

/**
 * In-memory playlist cache bounded in bytes (least recently used goes first), indexed by surrogate
 * key for purges. Each key has a generation bumped by every purge: a fetch that started before a
 * purge cannot put its (possibly old) bytes back afterwards.
 */
export class PlaylistCache {
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  #bytes = 0;
  readonly #entries = new Map<string, CachedPlaylist>();
  readonly #pathsByKey = new Map<string, Set<string>>();
  readonly #generations = new Map<string, number>();

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
    this.maxEntryBytes = Math.max(1, Math.floor(maxBytes / 4));
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Fresh: neither soft-purged nor past its expiry at `now` (epoch ms). */
  static isFresh(entry: CachedPlaylist, now: number): boolean {
    return !entry.stale && (entry.expiresAt === undefined || entry.expiresAt > now);
  }

  get(objectPath: string): CachedPlaylist | undefined {
    const entry = this.#entries.get(objectPath);
    if (entry === undefined) return undefined;
    this.#entries.delete(objectPath);
    this.#entries.set(objectPath, entry);
    return entry;
  }

  generation(surrogateKey: string): number {
    return this.#generations.get(surrogateKey) ?? 0;
  }

  /** Stores a fetch that began at `generation`; refused when a purge came in between or it is too big. */
  put(objectPath: string, entry: Omit<CachedPlaylist, 'stale'>, generation: number): boolean {
    if (generation !== this.generation(entry.surrogateKey)) return false;
    if (entry.body.byteLength > this.maxEntryBytes) return false;
    this.#remove(objectPath);
    this.#entries.set(objectPath, { ...entry, stale: false });
    this.#bytes += entry.body.byteLength;
    let paths = this.#pathsByKey.get(entry.surrogateKey);
    if (paths === undefined) {
      paths = new Set();
      this.#pathsByKey.set(entry.surrogateKey, paths);
    }
    paths.add(objectPath);
    for (const [oldest] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#remove(oldest);
    }
    return true;
  }

  /** Evicts (or, soft, marks stale) every entry tagged with the key; returns how many. */
  purge(surrogateKey: string, soft: boolean): number {
    this.#generations.set(surrogateKey, this.generation(surrogateKey) + 1);
    const paths = [...(this.#pathsByKey.get(surrogateKey) ?? [])];
    for (const path of paths) {
      const entry = this.#entries.get(path);
      if (soft && entry !== undefined) this.#entries.set(path, { ...entry, stale: true });
      else this.#remove(path);
    }
    return paths.length;
  }

  #remove(objectPath: string): void {
    const entry = this.#entries.get(objectPath);
    if (entry === undefined) return;
    this.#entries.delete(objectPath);
    this.#bytes -= entry.body.byteLength;
    const paths = this.#pathsByKey.get(entry.surrogateKey);
    paths?.delete(objectPath);
    if (paths?.size === 0) this.#pathsByKey.delete(entry.surrogateKey);
  }
}
