/**
 * The optimiser behind `adaptiveSchedule`: given a distribution of task durations, the poll
 * times that minimise the expected number of requests per task while keeping the probability that
 * a task's end is noticed more than `targetDelay` late within `budget`.
 *
 * A poll at time t is sent only if the task is still running at the previous response, so a plan
 * t₀ = 0 < t₁ < … costs `1 + Σ S(tᵢ)` requests on average, S being the survival function. A task
 * ending in (a, b] is noticed at b; it is late by more than `targetDelay` when it ended before
 * `b − targetDelay`, which happens with probability `max(0, F(b − targetDelay) − F(a))`. The
 * Lagrangian `Σ S(tᵢ) + λ · Σ late` is minimised exactly by dynamic programming on a time grid
 * (gaps limited to [minGap, maxGap]), and λ is found by bisection so that the plan from 0 spends
 * at most `budget`. The result is a policy for every grid point — the optimal next poll from any
 * time a task is known to be running — so conditioning on elapsed time comes for free.
 *
 * @internal
 */

// Bound once: global lookups such as `Math.max` are slow in sandboxed runtimes (vm contexts).
const { ceil, exp, floor, log, max } = Math;
const INFINITY = Number.POSITIVE_INFINITY;

/** @internal */
export interface PollPlanConfig {
  /** Shortest gap between polls, ms. */
  readonly minGap: number;
  /** Longest gap between polls, ms. */
  readonly maxGap: number;
  /** A detection later than this (ms) counts against `budget`. */
  readonly targetDelay: number;
  /** Allowed probability of a detection later than `targetDelay`. */
  readonly budget: number;
  /** Upper bound on grid cells (memory and time). */
  readonly maxCells?: number;
  /** Grid cells per `targetDelay` (and per `minGap`), at most: finer plans cost more time. Default 16. */
  readonly resolution?: number;
}

/** @internal */
export interface PollPlan {
  /** Grid step, ms. */
  readonly step: number;
  /** The plan covers [0, horizon); past it, it has no advice. */
  readonly horizon: number;
  /** Planned expected requests per task (the first included), under the planned distribution. */
  readonly requests: number;
  /** Planned probability of a detection later than `targetDelay`. */
  readonly late: number;
  /** Planned poll times from 0 (ms), up to the horizon. */
  readonly times: readonly number[];
  /** The optimal wait (ms) from time `t` for a task still running at `t`; undefined past the horizon. */
  gapAt(t: number): number | undefined;
}

/**
 * Plans polls for durations with CDF `cdf` (over ms) up to `horizon` ms.
 *
 * @internal
 */
export function planPolls(cdf: (t: number) => number, horizon: number, config: PollPlanConfig): PollPlan {
  const { minGap, maxGap, targetDelay, budget, maxCells = 3000, resolution = 16 } = config;
  const step = max(targetDelay / resolution, minGap / resolution, horizon / maxCells, 1e-3);
  const cells = max(1, ceil(horizon / step));
  const g0 = max(1, ceil(minGap / step - 1e-9));
  const g1 = max(g0, floor(maxGap / step + 1e-9));
  const size = cells + g1 + 1;
  const F = new Float64Array(size);
  for (let i = 0; i < size; i += 1) F[i] = clamp01(cdf(i * step));
  // Late[b] = F(b·step − targetDelay), linearly interpolated between grid points.
  const late = new Float64Array(size);
  const shift = targetDelay / step;
  for (let b = 0; b < size; b += 1) {
    const x = b - shift;
    if (x <= 0) continue;
    const i = floor(x);
    const f = x - i;
    late[b] = (F[i] ?? 1) * (1 - f) + (F[i + 1] ?? 1) * f;
  }

  const value = new Float64Array(size);
  const next = new Int32Array(cells);
  const solve = (lambda: number): void => {
    // Past the horizon: one more poll while running, then the fallback pace (negligible mass).
    for (let a = cells; a < size; a += 1) value[a] = 1 - (F[a] ?? 1);
    for (let a = cells - 1; a >= 0; a -= 1) {
      const fa = F[a] ?? 0;
      let best = INFINITY;
      let arg = a + g0;
      for (let b = a + g0; b <= a + g1; b += 1) {
        const x = (late[b] ?? 0) - fa;
        const cost = (x > 0 ? lambda * x : 0) + (value[b] ?? 0);
        if (cost < best) {
          best = cost;
          arg = b;
        }
      }
      value[a] = 1 - fa + best;
      next[a] = arg;
    }
  };
  const walk = (): { requests: number; late: number; times: number[] } => {
    let requests = 1;
    let missed = 0;
    const times = [0];
    let a = 0;
    while (a < cells) {
      const b = next[a] ?? cells;
      requests += 1 - (F[a] ?? 1);
      const x = (late[b] ?? 0) - (F[a] ?? 0);
      if (x > 0) missed += x;
      a = b;
      if (a < cells) times.push(a * step);
    }
    return { requests, late: missed, times };
  };

  // Bisection on log λ: larger λ, fewer late detections, more requests.
  let lo = log(1e-2);
  let hi = log(1e6);
  let chosen: { lambda: number; requests: number; late: number; times: number[] } | undefined;
  for (let i = 0; i < 12; i += 1) {
    const mid = (lo + hi) / 2;
    solve(exp(mid));
    const result = walk();
    if (result.late <= budget) {
      if (chosen === undefined || result.requests <= chosen.requests) chosen = { lambda: exp(mid), ...result };
      hi = mid;
    } else {
      lo = mid;
    }
  }
  const lambda = chosen?.lambda ?? exp(hi);
  solve(lambda);
  const result = walk();
  const policy = next.slice();

  return {
    step,
    horizon: cells * step,
    requests: result.requests,
    late: result.late,
    times: result.times,
    gapAt(t: number) {
      if (!(t >= 0)) t = 0;
      const a = floor(t / step);
      if (a >= cells) return undefined;
      return (policy[a] ?? a + g0) * step - t;
    },
  };
}

/** @internal */
function clamp01(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0;
}
