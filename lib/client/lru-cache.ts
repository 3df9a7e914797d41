/**
 * The library's one LRU: a bounded map with an optional time to live. Past `maxSize` entries the
 * least recently used one is evicted (`get` and `set` count as a use, `peek` and `has` do not);
 * with a `ttl`, an entry also expires `ttl` ms after it was stored, read through `now` (the
 * scheduler's clock). Every operation is O(1) (a `Map` keeps use order), except `size()` with a
 * finite `ttl`, which drops expired entries first (O(n), n ≤ `maxSize`).
 *
 * Used for the client's result cache, the webhook handler's replay window, the token provider's
 * superseded tokens and the schedules' per-task and per-kind state.
 *
 * @example
 * ```ts
 * const cache = new LruCache<TaskTransition>(1000, 300_000, () => scheduler.now())
 * cache.set(id, transition)
 * cache.get(id) // the transition, or undefined once expired or evicted
 *
 * const recent = new LruCache<number>(10_000) // no time to live: only the size bound
 * ```
 */
export class LruCache<V> {
  private readonly map = new Map<string, { readonly value: V; readonly expires: number }>();

  /**
   * @param maxSize - entries kept at most; `0` keeps none.
   * @param ttl - ms an entry lives after it was stored; `Infinity` (the default) for ever; `0` keeps none.
   * @param now - the clock `ttl` is read against (not read when `ttl` is `Infinity`).
   */
  constructor(
    private readonly maxSize: number,
    private readonly ttl: number = Number.POSITIVE_INFINITY,
    private readonly now: () => number = () => 0,
  ) {}

  private live(key: string): { readonly value: V; readonly expires: number } | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    if (this.ttl !== Number.POSITIVE_INFINITY && this.now() >= entry.expires) {
      this.map.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The value stored under `key` if it has not expired; marks it most recently used. */
  get(key: string): V | undefined {
    const entry = this.live(key);
    if (entry === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value;
  }

  /** The value stored under `key` if it has not expired, leaving its place in the use order alone. */
  peek(key: string): V | undefined {
    return this.live(key)?.value;
  }

  /** True when `key` holds a value that has not expired (not a use). */
  has(key: string): boolean {
    return this.live(key) !== undefined;
  }

  /** Stores `value` under `key` (most recently used), evicting the least recently used entry when full. */
  set(key: string, value: V): void {
    if (this.maxSize <= 0 || this.ttl <= 0) return;
    this.map.delete(key);
    this.map.set(key, { value, expires: this.ttl === Number.POSITIVE_INFINITY ? this.ttl : this.now() + this.ttl });
    if (this.map.size > this.maxSize) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
  }

  /** Drops the entry under `key`; true when there was one (expired or not). */
  delete(key: string): boolean {
    return this.map.delete(key);
  }

  /** Entries that have not expired. */
  size(): number {
    if (this.ttl !== Number.POSITIVE_INFINITY) {
      const now = this.now();
      for (const [key, entry] of this.map) if (now >= entry.expires) this.map.delete(key);
    }
    return this.map.size;
  }

  /** Drops everything. */
  clear(): void {
    this.map.clear();
  }
}
