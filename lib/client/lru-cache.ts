/**
 * @internal A bounded cache with a time to live: entries expire `ttl` ms after they were stored
 * (read through `now`, the scheduler's clock) and, past `size` entries, the least recently used
 * one is evicted. Every operation is O(1) (a `Map` keeps use order), except `size()`, which drops
 * expired entries first (O(n), n ≤ `size`).
 *
 * @example
 * ```ts
 * const cache = new LruCache<string>(1000, 300_000, () => scheduler.now())
 * cache.set(id, transition)
 * cache.get(id) // the transition, or undefined once expired or evicted
 * ```
 */
export class LruCache<V> {
  private readonly map = new Map<string, { readonly value: V; readonly expires: number }>();

  constructor(
    private readonly maxSize: number,
    private readonly ttl: number,
    private readonly now: () => number,
  ) {}

  /** The value stored under `key` if it has not expired; marks it most recently used. */
  get(key: string): V | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expires) {
      this.map.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value;
  }

  /** Stores `value` under `key` for `ttl` ms, evicting the least recently used entry when full. */
  set(key: string, value: V): void {
    if (this.maxSize <= 0 || this.ttl <= 0) return;
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + this.ttl });
    if (this.map.size > this.maxSize) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
  }

  /** Drops the entry under `key`, if any. */
  delete(key: string): void {
    this.map.delete(key);
  }

  /** Entries that have not expired. */
  size(): number {
    const now = this.now();
    for (const [key, entry] of this.map) if (now >= entry.expires) this.map.delete(key);
    return this.map.size;
  }

  /** Drops everything. */
  clear(): void {
    this.map.clear();
  }
}
