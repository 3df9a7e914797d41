/**
 * Seeded randomness for simulations and benchmarks: a small PRNG and a log-normal duration
 * generator, so a run is the same every time.
 */

/**
 * mulberry32: a fast 32-bit seeded PRNG returning numbers in [0, 1).
 *
 * @example
 * ```ts
 * const random = mulberry32(42)
 * random() // always the same first value for seed 42
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link logNormal}. */
export interface LogNormalOptions {
  /** The median duration (e^μ), e.g. 8000 ms. */
  readonly median: number;
  /** σ of the underlying normal (the spread: 0.7 puts the 5th–95th percentiles at ×0.32–×3.2 the median). */
  readonly sigma: number;
  /** Seed of the PRNG, or a random source in [0, 1). */
  readonly seed: number | (() => number);
}

/**
 * A seeded log-normal generator (Box–Muller): each call returns one duration.
 *
 * @example
 * ```ts
 * const duration = logNormal({ median: 8000, sigma: 0.7, seed: 1 })
 * const durations = Array.from({ length: 100 }, duration)
 * ```
 */
export function logNormal({ median, sigma, seed }: LogNormalOptions): () => number {
  const random = typeof seed === 'function' ? seed : mulberry32(seed);
  const mu = Math.log(median);
  let spare: number | undefined;
  return () => {
    let z: number;
    if (spare !== undefined) {
      z = spare;
      spare = undefined;
    } else {
      const u = 1 - random(); // (0, 1]
      const v = random();
      const r = Math.sqrt(-2 * Math.log(u));
      z = r * Math.cos(2 * Math.PI * v);
      spare = r * Math.sin(2 * Math.PI * v);
    }
    return Math.exp(mu + sigma * z);
  };
}
