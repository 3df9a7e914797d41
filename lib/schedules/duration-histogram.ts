import { checkNumber, checkObject } from '../option-checks.js';

// Bound once: global lookups such as `Math.max` are slow in sandboxed runtimes (vm contexts).
const { abs, ceil, exp, floor, log2, max, min, sqrt, LN2, SQRT2 } = Math;
const isFiniteNumber = Number.isFinite;

/** Buckets per doubling of duration: each bucket is 2^(1/16) ≈ 4.4 % wide. */
const PER_OCTAVE = 16;
/** Octaves covered above 1 ms: up to 2^32 ms ≈ 50 days. */
const OCTAVES = 32;
/** Bucket 0 holds [0, 1 ms); bucket k ≥ 1 holds [2^((k−1)/16), 2^(k/16)) ms. */
const BUCKETS = PER_OCTAVE * OCTAVES + 1;
/** Width of one bucket in log space. */
const LOG_WIDTH = LN2 / PER_OCTAVE;

/**
 * Options of {@link DurationHistogram}.
 *
 * @example
 * ```ts
 * const h = new DurationHistogram({ halfLife: 1000 })
 * ```
 */
export interface DurationHistogramConfig {
  /**
   * Older samples fade: a sample's weight halves after this many newer ones, so the histogram
   * follows a service whose speed drifts. `Infinity` never forgets.
   * @default 500
   */
  readonly halfLife?: number;
}

/**
 * A log-bucket histogram of durations (ms) in fixed memory: 513 buckets, each about 4.4 % wide,
 * from 1 ms to about 50 days (longer durations land in the last bucket). A sample may be exact or
 * known only to lie in an interval — a task seen running at one poll and finished at the next —
 * whose weight is then spread evenly over it. Old samples fade with a half-life counted in
 * samples.
 *
 * `adaptiveSchedule` keeps one per learned distribution.
 *
 * @example
 * ```ts
 * const h = new DurationHistogram()
 * h.add(8000)
 * h.addInterval(5000, 7500) // ended between two polls
 * h.quantile(0.25)           // ≈ 6250: half of the weight of the second task
 * ```
 */
export class DurationHistogram {
  /** Samples ever added (not faded). */
  count = 0;
  private readonly mass = new Float64Array(BUCKETS);
  private total = 0;
  private readonly keep: number;

  constructor(config: DurationHistogramConfig = {}) {
    checkObject('DurationHistogram: options', config);
    const { halfLife = 500 } = config;
    checkNumber('DurationHistogram: halfLife', halfLife, { above: true, infinity: true, required: true });
    this.keep = halfLife === Infinity ? 1 : 2 ** (-1 / halfLife);
  }

  /** The faded total weight of the samples (≤ `count`). */
  get weight(): number {
    return this.total;
  }

  /** Adds one duration, in ms (non-finite values are ignored, negative ones count as 0). */
  add(duration: number): void {
    this.addInterval(duration, duration);
  }

  /**
   * Adds one duration known only to lie in `[from, to]` (ms). Its weight is shared among the
   * buckets the interval covers in proportion to `prior` — a function giving the probability of
   * `[lo, hi)` under a model of the durations, such as a fitted log-normal — or evenly (in time)
   * when there is no prior or it gives the interval no weight. Non-finite bounds are ignored;
   * negative ones are taken as 0.
   */
  addInterval(from: number, to: number, prior?: (lo: number, hi: number) => number): void {
    if (!isFiniteNumber(from) || !isFiniteNumber(to)) return;
    const lo = max(0, min(from, to));
    const hi = max(0, from, to);
    this.fade();
    this.count += 1;
    this.total += 1;
    const first = bucketOf(lo);
    const last = bucketOf(hi);
    if (first === last || hi === lo) {
      this.mass[first] = (this.mass[first] ?? 0) + 1;
      return;
    }
    const parts = new Float64Array(last - first + 1);
    let sum = 0;
    if (prior !== undefined) {
      for (let k = first; k <= last; k += 1) {
        const p = prior(max(lo, lowerEdge(k)), min(hi, upperEdge(k)));
        const part = isFiniteNumber(p) && p > 0 ? p : 0;
        parts[k - first] = part;
        sum += part;
      }
    }
    if (!(sum > 0)) {
      sum = 0;
      for (let k = first; k <= last; k += 1) {
        const part = min(hi, upperEdge(k)) - max(lo, lowerEdge(k));
        parts[k - first] = part;
        sum += part;
      }
    }
    for (let k = first; k <= last; k += 1) this.mass[k] = (this.mass[k] ?? 0) + (parts[k - first] ?? 0) / sum;
  }

  /** The share of the weight at or below `t` ms (mass spread evenly within each bucket). */
  cdf(t: number): number {
    if (this.total <= 0 || !(t >= 0)) return 0;
    const k = bucketOf(t);
    let below = 0;
    for (let i = 0; i < k; i += 1) below += this.mass[i] ?? 0;
    const lo = lowerEdge(k);
    const hi = upperEdge(k);
    const inside = hi > lo ? min(1, (t - lo) / (hi - lo)) : 1;
    return min(1, (below + (this.mass[k] ?? 0) * inside) / this.total);
  }

  /** The duration (ms) below which a share `p` ∈ [0, 1] of the weight lies; 0 when empty. */
  quantile(p: number): number {
    if (this.total <= 0) return 0;
    const target = min(max(p, 0), 1) * this.total;
    let below = 0;
    for (let k = 0; k < BUCKETS; k += 1) {
      const m = this.mass[k] ?? 0;
      if (m > 0 && below + m >= target) {
        const lo = lowerEdge(k);
        return lo + ((target - below) / m) * (upperEdge(k) - lo);
      }
      below += m;
    }
    return upperEdge(BUCKETS - 1);
  }

  /**
   * The distribution smoothed in log space by a Gaussian kernel of standard deviation
   * `bandwidth` (natural-log units), as a CDF over ms: each bucket's weight is spread over its
   * neighbours (a discrete convolution), then read like {@link DurationHistogram.cdf}.
   *
   * @internal used by the adaptive planner
   */
  smoothedCdf(bandwidth: number): (t: number) => number {
    const h = (isFiniteNumber(bandwidth) && bandwidth > 0 ? bandwidth : 0) / LOG_WIDTH; // in buckets
    const smooth = new Float64Array(BUCKETS);
    smooth[0] = this.mass[0] ?? 0;
    if (h < 0.25) {
      for (let k = 1; k < BUCKETS; k += 1) smooth[k] = this.mass[k] ?? 0;
    } else {
      const reach = ceil(4 * h);
      const kernel = new Float64Array(2 * reach + 1);
      let norm = 0;
      for (let j = -reach; j <= reach; j += 1) norm += kernel[j + reach] = exp(-0.5 * (j / h) ** 2);
      for (let k = 1; k < BUCKETS; k += 1) {
        const m = this.mass[k] ?? 0;
        if (m === 0) continue;
        // Weight that would fall below 1 ms or past the last bucket stays at the edge.
        for (let j = -reach; j <= reach; j += 1) {
          const to = min(BUCKETS - 1, max(1, k + j));
          smooth[to] = (smooth[to] ?? 0) + (m * (kernel[j + reach] ?? 0)) / norm;
        }
      }
    }
    const below = new Float64Array(BUCKETS + 1);
    for (let k = 0; k < BUCKETS; k += 1) below[k + 1] = (below[k] ?? 0) + (smooth[k] ?? 0);
    const total = below[BUCKETS] ?? 0;
    return (t) => {
      if (!(total > 0) || !(t > 0)) return 0;
      const k = bucketOf(t);
      const lo = lowerEdge(k);
      const inside = min(1, (t - lo) / (upperEdge(k) - lo));
      return min(1, ((below[k] ?? 0) + (smooth[k] ?? 0) * inside) / total);
    };
  }

  /**
   * Mean and standard deviation of the natural log of the durations (bucket centres).
   *
   * @internal used to choose the smoothing bandwidth
   */
  logMoments(): { readonly mean: number; readonly sd: number } {
    if (this.total <= 0) return { mean: 0, sd: 0 };
    let s1 = 0;
    let s2 = 0;
    for (let k = 0; k < BUCKETS; k += 1) {
      const m = this.mass[k] ?? 0;
      if (m > 0) {
        const c = logCentre(k);
        s1 += m * c;
        s2 += m * c * c;
      }
    }
    const mean = s1 / this.total;
    return { mean, sd: sqrt(max(0, s2 / this.total - mean * mean)) };
  }

  private fade(): void {
    if (this.keep === 1 || this.total === 0) return;
    const mass = this.mass;
    for (let k = 0; k < BUCKETS; k += 1) mass[k] = (mass[k] ?? 0) * this.keep;
    this.total *= this.keep;
  }
}

/** @internal */
function bucketOf(t: number): number {
  if (t < 1) return 0;
  return min(BUCKETS - 1, 1 + floor((log2(t) * PER_OCTAVE) + 1e-9));
}
/** @internal */
function lowerEdge(k: number): number {
  return k === 0 ? 0 : 2 ** ((k - 1) / PER_OCTAVE);
}
/** @internal */
function upperEdge(k: number): number {
  return 2 ** (k / PER_OCTAVE);
}
/** @internal Log of the bucket's geometric centre (bucket 0: 0.5 ms). */
function logCentre(k: number): number {
  return k === 0 ? -LN2 : (k - 0.5) * LOG_WIDTH;
}

/**
 * The standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7).
 *
 * @internal
 */
export function normalCdf(z: number): number {
  const x = abs(z) / SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
