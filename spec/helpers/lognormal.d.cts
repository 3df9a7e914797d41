/**
 * mulberry32: a fast 32-bit seeded PRNG returning numbers in [0, 1).
 *
 * @example
 * ```ts
 * const random = mulberry32(42)
 * random() // always the same first value for seed 42
 * ```
 */
export declare function mulberry32(seed: number): () => number;

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
export declare function logNormal(options: LogNormalOptions): () => number;
