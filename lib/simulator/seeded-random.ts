/**
 * A small deterministic random source: the same seed gives the same sequence on every machine.
 * Not for secrets — the simulator uses it for task ids, outcomes and fault draws so that a test
 * run can be replayed.
 *
 * @example
 * ```ts
 * const random = createSeededRandom(42)
 * random.next() // always the same number in [0, 1) for seed 42
 * ```
 */
export interface SeededRandom {
  /** The seed this source was created with, as a 32-bit unsigned integer. */
  readonly seed: number;
  /** The next number in `[0, 1)`. */
  next(): number;
  /** The next integer in `[0, n)`. */
  int(n: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `n` random bytes. */
  bytes(n: number): Uint8Array;
  /** A UUID v4 (random variant bits set), lower case. */
  uuid(): string;
  /** An independent source derived from this seed and a label (does not advance this one). */
  fork(label: string): SeededRandom;
}

/**
 * Turns a number or a string into a 32-bit seed (FNV-1a over the text form).
 *
 * @example
 * ```ts
 * hashSeed('demo') === hashSeed('demo') // true
 * ```
 */
export function hashSeed(...parts: ReadonlyArray<number | string>): number {
  let hash = 0x811c9dc5;
  const text = parts.map(String).join('\u0000');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * Creates a {@link SeededRandom} (mulberry32). A numeric seed that is a 32-bit unsigned integer
 * is used as is; anything else is hashed with {@link hashSeed}.
 *
 * @example
 * ```ts
 * createSeededRandom('run-1').uuid() // the same UUID for every run seeded 'run-1'
 * ```
 */
export function createSeededRandom(seed: number | string): SeededRandom {
  const start = typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff ? seed : hashSeed(seed);
  let state = start;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = int(256);
    return out;
  };
  return {
    seed: start,
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick needs a non-empty list');
      return items[int(items.length)] as T;
    },
    bytes,
    uuid(): string {
      const b = bytes(16);
      b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
      b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
      const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
    fork(label: string): SeededRandom {
      return createSeededRandom(hashSeed(start, label));
    },
  };
}
