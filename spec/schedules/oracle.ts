import { normalCdf } from '../../lib/schedules/duration-histogram.js';
import { planPolls, type PollPlan } from '../../lib/schedules/poll-plan.js';
import type { PollContext } from '../../lib/schedules/poll-schedule.js';
import { mulberry32 } from '../helpers/lognormal.js';

/** The log-normal CDF (over ms) of durations with this median and σ, seen `latency` ms later. */
export const logNormalCdf =
  (median: number, sigma: number, latency = 0) =>
  (t: number): number =>
    t > latency ? normalCdf(Math.log((t - latency) / median) / sigma) : 0;

/** The oracle's gaps are unbounded in effect: its longest useful one is a few seconds (5–6 s here). */
const MAX_GAP = 20_000;

/** An oracle schedule and what it planned. */
export interface Oracle {
  (context: PollContext): number;
  /** Planned requests per task and share of detections later than `delay`. */
  readonly requests: number;
  readonly late: number;
}

/**
 * The optimal schedule knowing the law: log-normal durations (median, σ) and the response
 * latency, allowed a share `budget` of detections later than `delay` (ms from the real end to the
 * response). The exact optimiser (dynamic programming with a Lagrange multiplier; gaps up to
 * 20 s, a grid of 1/64 of the delay: wider or finer changes nothing measurable) lands on a plan at
 * or under the budget; the optimum at exactly the budget mixes it with the next plan over it, each
 * task drawing one (seeded), as the Lagrangian optimum of a discrete problem does. Times in the plans are response times, so a wait is the planned gap less the
 * latency. Mirrored in plain JS by bench/schedules.mjs.
 *
 * @example
 * ```ts
 * const oracle = oracleSchedule({ median: 8000, sigma: 0.7, latency: 100, delay: 2570 })
 * simulatePolls(oracle, tasks, 100)
 * ```
 */
export function oracleSchedule(options: { median: number; sigma: number; latency: number; delay: number; budget?: number; seed?: number }): Oracle {
  const { median, sigma, latency, delay, budget = 0.05, seed = 1 } = options;
  const cdf = logNormalCdf(median, sigma, latency);
  const horizon = median * Math.exp(4 * sigma) + latency;
  const plan = (b: number): PollPlan => planPolls(cdf, horizon, { minGap: latency + 1, maxGap: MAX_GAP, targetDelay: delay - latency, budget: b, maxCells: 20_000, resolution: 64 });
  const under = plan(budget);
  let over: PollPlan | undefined;
  for (let factor = 1.01; factor < 3 && over === undefined; factor *= 1.05) {
    const candidate = plan(budget * factor);
    if (candidate.late > budget + 1e-9) over = candidate;
  }
  const pOver = over === undefined || over.late <= under.late ? 0 : (budget - under.late) / (over.late - under.late);
  const random = mulberry32(seed * 65_537 + 11);
  const chosen = new Map<string, PollPlan>();
  const schedule = (context: PollContext): number => {
    let p = chosen.get(context.taskId);
    if (p === undefined) {
      p = over !== undefined && random() < pOver ? over : under;
      chosen.set(context.taskId, p);
    }
    return Math.max(0, (p.gapAt(context.elapsed) ?? delay - latency) - latency);
  };
  return Object.assign(schedule, {
    requests: (1 - pOver) * under.requests + pOver * (over?.requests ?? 0),
    late: (1 - pOver) * under.late + pOver * (over?.late ?? 0),
  });
}
