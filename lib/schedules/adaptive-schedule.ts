import { DurationHistogram, normalCdf } from './duration-histogram.js';
import { planPolls, type PollPlan } from './poll-plan.js';
import type { PollContext, PollOutcome } from './poll-schedule.js';
import { estimateProgress, latestEnd, type ProgressSample } from './progress-estimate.js';
import { TaskTracker } from './task-tracker.js';
import { LruCache } from '../client/lru-cache.js';
import { RANDOM_RULE, checkBoolean, checkFunction, checkNumber, checkObject, failOption } from '../option-checks.js';
import { draw } from './draw.js';

// Bound once: global lookups such as `Math.max` are slow in sandboxed runtimes (vm contexts).
const { exp, floor, log, max, min } = Math;
const isFiniteNumber = Number.isFinite;

/**
 * Options of {@link adaptiveSchedule}.
 *
 * @example
 * ```ts
 * // Accept a p95 detection delay of 3 s for about a fifth fewer requests.
 * const config: AdaptiveScheduleConfig = { interval: 2500, targetDelay: 3000, perKind: true }
 * ```
 */
export interface AdaptiveScheduleConfig {
  /**
   * The constant wait (ms) the schedule uses until it has learned, and the baseline it matches:
   * by default it keeps the 95th percentile of detection delay at or below this constant
   * schedule's. `minInterval`, `maxDelay` and `targetDelay` default in proportion to it, so the
   * schedule works the same in compressed time.
   * @default 2500
   */
  readonly interval?: number;
  /**
   * Never wait less than this (ms) after a response. Keep it at or below `targetDelay`, or tasks
   * ending where polls are dense are noticed later than the target.
   * @default 0.8 × interval (2000)
   */
  readonly minInterval?: number;
  /**
   * Never wait more than this (ms) after a response (waits paced by a task's progress have their
   * own bound, see {@link adaptiveSchedule}); also the pace, at most, for tasks running far past
   * anything seen.
   * @default 3 × interval (7500)
   */
  readonly maxDelay?: number;
  /**
   * The share of tasks whose end must be noticed within `targetDelay`.
   * @default 0.95
   */
  readonly targetQuantile?: number;
  /**
   * The detection delay (ms, from a task's real end to the response that shows it) that
   * `targetQuantile` of tasks must not exceed. The default is what a constant `interval` gives
   * at that quantile, with the response latency the schedule learns (a constant's polls are
   * `interval + latency` apart and each answer arrives `latency` late, so its delays are uniform
   * on [latency, interval + 2 × latency)). Raise it to trade promptness for fewer requests.
   * @default targetQuantile × (interval + latency) + latency (2 375 ms + 1.95 × latency by default)
   */
  readonly targetDelay?: number;
  /**
   * Tasks to see before leaving the constant `interval`.
   * @default 20
   */
  readonly minSamples?: number;
  /**
   * Learn one distribution per `kind` (the pipeline's `kind` option) as well as the pooled one;
   * a kind not yet learned uses the pooled distribution.
   * @default false
   */
  readonly perKind?: boolean;
  /**
   * Kinds remembered at once (least recently used forgotten first).
   * @default 32
   */
  readonly maxKinds?: number;
  /**
   * Older tasks fade: a task's weight halves after this many newer ones (`Infinity`: never).
   * @default 500
   */
  readonly halfLife?: number;
  /**
   * Running tasks whose last response time is remembered (to learn when they ended more
   * precisely); least recently polled forgotten first.
   * @default 10000
   */
  readonly maxTasks?: number;
  /**
   * Shorten each learned wait by up to this fraction, at random (never below `minInterval`), to
   * spread out tasks submitted together. 0 keeps waits deterministic without using `random`.
   * @default 0
   */
  readonly jitter?: number;
  /**
   * The random source for `jitter`, returning numbers in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
}

/**
 * What {@link AdaptiveSchedule.stats} reports about one learned distribution.
 *
 * @example
 * ```ts
 * const { learned, plan, plannedRequests } = schedule.stats()
 * ```
 */
export interface AdaptiveScheduleStats {
  /** Tasks learned from (not faded). */
  readonly samples: number;
  /** Tasks learned from that were seen `started` (for the started-to-end distribution). */
  readonly startedSamples: number;
  /** True once `samples ≥ minSamples`: waits come from the plan, not the constant interval. */
  readonly learned: boolean;
  /** Median and 95th percentile of learned durations (ms from subscribe), when any. */
  readonly p50?: number;
  readonly p95?: number;
  /** Planned poll times (ms from subscribe) for a new task, when learned. */
  readonly plan?: readonly number[];
  /** Planned requests per task and planned share of detections later than `targetDelay`. */
  readonly plannedRequests?: number;
  readonly plannedLate?: number;
  /** Kinds held (with `perKind`) and running tasks tracked. */
  readonly kinds: number;
  readonly tracked: number;
  /** The response latency (ms) learned: the median of the latest samples (0 before any). */
  readonly latency: number;
}

/**
 * A `PollSchedule` that learns task durations; see {@link adaptiveSchedule}.
 *
 * @example
 * ```ts
 * const schedule: AdaptiveSchedule = adaptiveSchedule()
 * ```
 */
export interface AdaptiveSchedule {
  /** The wait (ms) before the next poll of a running task. */
  next(context: PollContext): number;
  /** Learns from a task that reached a terminal phase. */
  complete(outcome: PollOutcome): void;
  /** What has been learned, pooled or for one `kind`. */
  stats(kind?: string): AdaptiveScheduleStats;
}

/** The planner spends at most this share of the late-detection allowance… @internal */
const SHARE_MAX = 0.95;
/** …less a margin for what `weight` learned tasks cannot tell: share = 1 − SHARE_NOISE / √weight. @internal */
const SHARE_NOISE = 3.8;
/** Kernel bandwidth as a share of Silverman's rule. @internal */
const BANDWIDTH_SHARE = 0.5;
/** Planning grid cells per `targetDelay`: where the first long wait ends matters to a few % of requests. @internal */
const PLAN_RESOLUTION = 64;
/** Planned distributions stop at this quantile; past it the fallback pace applies. @internal */
const HORIZON_QUANTILE = 0.999;
/**
 * The started-to-end times pace started tasks only when they are this much less spread (log sd)
 * than the durations from subscribe: a `started` answered at once (Celery's `task_track_started`
 * on an idle worker) says nothing the elapsed time does not. @internal
 */
const INFORMATIVE_RUN = 1;
/** Latency samples kept (their median is the latency the plans allow for). @internal */
const LATENCY_SAMPLES = 31;
/** A progress-paced wait aims this share of the estimated time left early (room for estimate errors). @internal */
const PROGRESS_MARGIN = 0.5;
/** A progress-paced wait is at most this many `interval`s. @internal */
const PROGRESS_CAP = 6;

interface CachedPlan {
  readonly plan: PollPlan;
  readonly count: number;
  /** The response latency (ms) the plan allows for. */
  readonly latency: number;
  /** Log-space spread of the planned histogram (to compare the two distributions). */
  readonly sd: number;
  /** A log-normal fitted to the histogram: where, inside a long wait, a task most likely ended. */
  readonly prior: (lo: number, hi: number) => number;
}
interface Model {
  /** ms from subscribe to the end. */
  readonly total: DurationHistogram;
  /** ms from the first `started` response to the end. */
  readonly run: DurationHistogram;
  totalPlan?: CachedPlan;
  runPlan?: CachedPlan;
}

/**
 * A schedule that learns how long tasks take, reads the progress they report, and spends requests
 * where tasks end: as prompt as a constant `interval` at the 95th percentile of detection delay,
 * with fewer requests.
 *
 * **Learning.** Each finished task (`complete`) adds its duration to a log-bucket histogram in
 * fixed memory (a {@link DurationHistogram}). Its end is only known to lie between the last
 * response that showed it running and the terminal one, so it is learned as that interval:
 * spread in proportion to a log-normal fitted to what was learned (inside a long first wait a
 * task most likely ended late in the wait, not at its start). Old tasks fade (`halfLife`). It
 * also learns the response latency (from the first response, and from each response against the
 * wait it asked for), because a poll sent at t shows the task as it was at t, not when the
 * response arrives.
 *
 * **Planning.** Once `minSamples` tasks are learned, the histogram, smoothed in log space, is
 * turned into a poll plan by an exact optimiser (dynamic programming on a time grid): the poll
 * times that minimise the expected requests per task while keeping the probability that a task's
 * end is noticed more than `targetDelay` late under `1 − targetQuantile`. It spends all but a
 * margin of that allowance, the margin shrinking as it learns (3.8 / √(tasks learned, faded), at
 * least 5 %): what 20 tasks cannot tell, 700 can. The result: one long first wait while a task
 * is young and almost never done, responses `targetDelay − latency` apart where tasks usually
 * end, wider gaps where the chance of ending soon is low. The plan is a policy over elapsed time,
 * so each wait is the optimal one given that the task is still running. It is recomputed as tasks
 * are learned (after 20 % more tasks, at least every 50) or when the latency moves.
 *
 * **Phases.** A second histogram learns times from a task's start (estimated midway between the
 * last `pending` response and the first `started` one) to its end. When these are less spread
 * (in log space) than the durations from subscribe — a queue wait before a steadier run — a task
 * seen `started` is paced by that distribution, conditioned on the time since its start, and a
 * `pending` task, which cannot end sooner than a whole run from now, waits at least as long as a
 * task starting right now would. A `started` that comes at once (Celery's `task_track_started`
 * on an idle worker) tells nothing more than the elapsed time, and is then ignored.
 *
 * **Progress.** When the task reports progress (`state.progress`, from Celery's `meta.current` /
 * `meta.total`), the schedule estimates when it will end from the reports and the times they were
 * seen: the fastest pace over windows of the history at least `interval` long in which it
 * advanced at least 15 points (noise averages out over a window; a stall does not slow the
 * estimate below the pace kept before it; a jump speeds it up), taking the task to be 3 points
 * further on than it says. It then waits half the estimated time left plus `targetDelay` (a poll
 * within `targetDelay` after the end is on time), so it polls sparsely while the end is far and
 * densely around it, re-estimating at every report. With a single report it only shortens the
 * learned wait, to the latest end that report allows (the task went at least as fast as since it
 * was last seen idle). Without progress, waits are exactly as described above. **A wait paced by
 * progress never exceeds the time the task has been seen making progress (at least `maxDelay`)
 * nor 6 × `interval` (15 s by default)**, whatever the progress says: a task whose progress stalls
 * and then races is noticed at most that late.
 *
 * **Bounds.** Before learning, every wait of a task that reports no progress is `interval`: it
 * is then exactly a constant schedule (progress pacing needs no learning and applies at once).
 * Every wait lies in [`minInterval`, `maxDelay`], except progress-paced ones (above). Past the
 * planned range (the 99.9th percentile of what it has seen) it polls `targetDelay` apart, backing
 * off in proportion to how far past it the task is, up to `maxDelay`. Memory is bounded
 * (`maxKinds`, `maxTasks`, fixed-size histograms, 12 progress reports per task). Given the same
 * calls (and `random`, when `jitter` is used), the waits are the same.
 *
 * **What to expect.** See BENCHMARKS.md ("Poll efficiency"): log-normal durations, median 8 s,
 * σ 0.6–0.8, defaults, after 50 tasks: 91–99 % of the saving of a schedule that knows the exact
 * distribution (10–18 % fewer requests than a constant 2.5 s at an equal p95 delay, about the
 * most any schedule can save at that spread); on tasks of about 30 s reporting progress, half to
 * a third of the requests at an equal p95. A larger `targetDelay` buys more (19–25 % fewer at 3 s).
 *
 * @throws TypeError naming the option when an option is out of range: `interval`, `minInterval`
 * and `maxDelay` must be finite with `minInterval ≤ interval ≤ maxDelay`; `targetQuantile` in
 * (0, 1); `targetDelay` > 0; `minSamples`, `maxKinds`, `maxTasks` integers ≥ 1; `halfLife` > 0;
 * `jitter` in [0, 1); `random` a function.
 *
 * @example
 * ```ts
 * // One instance per client, so it learns from every task the client follows.
 * const client = createTaskClient({ token, interval: adaptiveSchedule({ perKind: true }) })
 * client.result$(taskId).subscribe(...)
 * ```
 */
export function adaptiveSchedule(config: AdaptiveScheduleConfig = {}): AdaptiveSchedule {
  const owner = 'adaptiveSchedule';
  checkObject(`${owner}: options`, config);
  const required = { required: true } as const;
  const count = { min: 1, integer: true, required: true } as const;
  const interval = checkNumber(`${owner}: interval`, config.interval ?? 2500, required);
  const minInterval = checkNumber(`${owner}: minInterval`, config.minInterval ?? 0.8 * interval, required);
  const maxDelay = checkNumber(`${owner}: maxDelay`, config.maxDelay ?? 3 * interval, required);
  if (minInterval > interval) failOption(`${owner}: minInterval`, `≤ interval (${interval})`, minInterval);
  if (maxDelay < interval) failOption(`${owner}: maxDelay`, `≥ interval (${interval})`, maxDelay);
  const targetQuantile = checkNumber(`${owner}: targetQuantile`, config.targetQuantile ?? 0.95, { above: true, required: true });
  if (targetQuantile >= 1) failOption(`${owner}: targetQuantile`, 'a number in (0, 1)', targetQuantile);
  const fixedTarget = config.targetDelay === undefined ? undefined : checkNumber(`${owner}: targetDelay`, config.targetDelay, { above: true, required: true });
  const minSamples = checkNumber(`${owner}: minSamples`, config.minSamples ?? 20, count);
  const perKind = checkBoolean(`${owner}: perKind`, config.perKind) ?? false;
  const maxKinds = checkNumber(`${owner}: maxKinds`, config.maxKinds ?? 32, count);
  const halfLife = checkNumber(`${owner}: halfLife`, config.halfLife ?? 500, { above: true, infinity: true, required: true });
  const maxTasks = checkNumber(`${owner}: maxTasks`, config.maxTasks ?? 10_000, count);
  const jitter = checkNumber(`${owner}: jitter`, config.jitter ?? 0, required);
  if (jitter >= 1) failOption(`${owner}: jitter`, 'a number in [0, 1)', jitter);
  const random = checkFunction(`${owner}: random`, config.random, RANDOM_RULE) ?? Math.random;
  const progressCap = PROGRESS_CAP * interval;

  const newModel = (): Model => ({ total: new DurationHistogram({ halfLife }), run: new DurationHistogram({ halfLife }) });
  const pooled = newModel();
  const kinds = new LruCache<Model>(maxKinds);
  const tasks = new TaskTracker(maxTasks);

  // Response latency: the median of the latest samples.
  const latencies = new Float64Array(LATENCY_SAMPLES);
  let latencyCount = 0;
  let latency = 0;
  const addLatency = (ms: number): void => {
    if (!isFiniteNumber(ms) || ms < 0) return;
    latencies[latencyCount % LATENCY_SAMPLES] = ms;
    latencyCount += 1;
    if (latencyCount <= LATENCY_SAMPLES || latencyCount % 8 === 0) {
      const held = latencies.slice(0, min(latencyCount, LATENCY_SAMPLES)).sort();
      latency = held[held.length >> 1] ?? 0;
    }
  };
  /** The detection delay aimed at (ms from the real end to the response that shows it). */
  const targetFor = (lag: number): number => fixedTarget ?? targetQuantile * (interval + lag) + lag;

  const kindModel = (kind: string | undefined, create: boolean): Model | undefined => {
    if (!perKind || kind === undefined) return undefined;
    let model = kinds.get(kind); // a use: refreshes its recency
    if (model === undefined) {
      if (!create) return undefined;
      model = newModel();
      kinds.set(kind, model);
    }
    return model;
  };

  const planFor = (histogram: DurationHistogram, cached: CachedPlan | undefined): CachedPlan | undefined => {
    if (histogram.count < minSamples) return undefined;
    const lag = latency;
    if (
      cached !== undefined &&
      histogram.count - cached.count < min(50, max(1, floor(cached.count / 5))) &&
      Math.abs(lag - cached.latency) <= max(20, 0.1 * cached.latency)
    ) {
      return cached;
    }
    const { sd } = histogram.logMoments();
    const weight = histogram.weight;
    const bandwidth = BANDWIDTH_SHARE * 0.9 * sd * weight ** -0.2;
    const cdf = histogram.smoothedCdf(bandwidth);
    const share = max(0, min(SHARE_MAX, 1 - SHARE_NOISE / Math.sqrt(max(1, weight))));
    // Times are those of responses (a poll sent at t is answered at t + lag): gaps between them
    // are the wait plus the latency, and a response is late when the end came more than
    // `targetDelay − lag` before it.
    const plan = planPolls(cdf, quantileOf(cdf, HORIZON_QUANTILE), {
      minGap: minInterval + lag,
      maxGap: maxDelay + lag,
      targetDelay: max(1, targetFor(lag) - lag),
      budget: (1 - targetQuantile) * share,
      resolution: PLAN_RESOLUTION,
    });
    return { plan, count: histogram.count, latency: lag, sd, prior: logNormalPrior(histogram) };
  };
  const totalCached = (model: Model): CachedPlan | undefined => (model.totalPlan = planFor(model.total, model.totalPlan));
  const totalPlan = (model: Model): PollPlan | undefined => totalCached(model)?.plan;
  /** The started-to-end plan, when learned and informative. */
  const runCached = (model: Model): CachedPlan | undefined => {
    const run = (model.runPlan = planFor(model.run, model.runPlan));
    const total = totalCached(model);
    return run !== undefined && total !== undefined && run.sd < INFORMATIVE_RUN * total.sd ? run : undefined;
  };

  /** The plan's wait at `t`, or the fallback pace past its horizon, within [minInterval, maxDelay]. */
  const gapOf = (cached: CachedPlan, t: number): number => {
    const { plan, latency: lag } = cached;
    const gap = plan.gapAt(t) ?? (targetFor(lag) - lag) * max(1, t / plan.horizon);
    return min(maxDelay, max(minInterval, gap - lag));
  };
  const jittered = (gap: number): number => (jitter > 0 ? max(minInterval, gap * (1 - jitter * draw(random))) : gap);

  /** The learned wait, or undefined while nothing applicable is learned. */
  const learnedWait = (model: Model, context: PollContext, elapsed: number, startedAt: number | undefined): number | undefined => {
    const run = runCached(model);
    if (context.phase === 'started' && startedAt !== undefined && run !== undefined) return gapOf(run, elapsed - startedAt);
    const total = model.totalPlan;
    if (total === undefined) return undefined;
    const gap = gapOf(total, elapsed);
    // A waiting task is at least a whole run away from its end: the wait that is safe for a task
    // that starts right now is safe for it too.
    return context.phase === 'pending' && run !== undefined ? max(gap, gapOf(run, 0)) : gap;
  };

  /** The wait paced by the task's progress, or undefined when its progress cannot tell. */
  const progressWait = (progress: readonly ProgressSample[], idleAt: number): number | undefined => {
    const lag = latency;
    const onTime = max(0, targetFor(lag) - lag);
    const estimate = estimateProgress(progress, interval);
    if (estimate === undefined) {
      // One report: the task went at least as fast as from its last idle response, so it ends
      // no later than that pace says; a longer wait would be late.
      const latest = latestEnd(idleAt, progress[0]);
      return latest === undefined ? undefined : min(maxDelay, max(minInterval, latest + onTime - lag));
    }
    const wait = (1 - PROGRESS_MARGIN) * estimate.remaining + onTime - lag;
    return min(progressCap, max(maxDelay, estimate.span), max(minInterval, wait));
  };

  return {
    next(context) {
      const seen = tasks.observe(context);
      const { elapsed, startedAt, progress, ratio, idleAt } = seen;
      if (seen.latency !== undefined) addLatency(seen.latency);
      const estimated = ratio !== undefined && estimateProgress(progress, interval) !== undefined;
      const paced = ratio !== undefined ? progressWait(progress, idleAt) : undefined;
      let wait: number | undefined;
      for (const model of [kindModel(context.kind, false), pooled]) {
        if (model === undefined) continue;
        const gap = learnedWait(model, context, elapsed, startedAt);
        if (gap !== undefined) {
          wait = gap;
          break;
        }
      }
      // Progress paces when it can tell; with one report, it only caps the learned wait.
      if (paced !== undefined) wait = wait === undefined ? paced : estimated ? paced : min(wait, paced);
      wait = wait === undefined ? interval : jittered(wait);

      tasks.record(seen, context.polls, wait);
      return wait;
    },

    complete(outcome) {
      const held = tasks.take(outcome.taskId);
      const end = outcome.elapsed;
      if (!isFiniteNumber(end) || end < 0) return;
      const alive = held !== undefined && held.alive <= end ? held.alive : end;
      const startedAt = held?.startedAt ?? outcome.startedAt;
      for (const model of [pooled, kindModel(outcome.kind, true)]) {
        if (model === undefined) continue;
        model.total.addInterval(alive, end, model.totalPlan?.prior);
        if (startedAt !== undefined && isFiniteNumber(startedAt) && startedAt <= end) {
          model.run.addInterval(max(0, alive - startedAt), end - startedAt, model.runPlan?.prior);
        } else if (held !== undefined && outcome.polls > 1) {
          // Seen waiting, then finished: it started and ran within the last wait.
          model.run.addInterval(0, end - alive);
        }
      }
    },

    stats(kind) {
      const model = kind === undefined ? pooled : (perKind ? kinds.peek(kind) : undefined);
      const base = { kinds: kinds.size(), tracked: tasks.size, latency };
      if (model === undefined) return { samples: 0, startedSamples: 0, learned: false, ...base };
      const samples = model.total.count;
      const plan = totalPlan(model);
      return {
        samples,
        startedSamples: model.run.count,
        learned: plan !== undefined,
        ...(samples > 0 ? { p50: model.total.quantile(0.5), p95: model.total.quantile(0.95) } : {}),
        ...(plan !== undefined ? { plan: plan.times, plannedRequests: plan.requests, plannedLate: plan.late } : {}),
        ...base,
      };
    },
  };
}

/**
 * A log-normal fitted to a histogram by its log-space mean and spread (the maximum-likelihood
 * fit, which reads the whole distribution, not two quantiles), as the probability of [lo, hi).
 * @internal
 */
function logNormalPrior(histogram: DurationHistogram): (lo: number, hi: number) => number {
  const { mean, sd } = histogram.logMoments();
  const sigma = max(0.05, sd);
  const at = (t: number): number => (t > 0 ? normalCdf((log(t) - mean) / sigma) : 0);
  return (lo, hi) => at(hi) - at(lo);
}

/** The `p`-quantile of a CDF over ms, by bisection in log space (1 µs … 100 days). @internal */
function quantileOf(cdf: (t: number) => number, p: number): number {
  let lo = log(1e-3);
  let hi = log(8.64e9);
  for (let i = 0; i < 60; i += 1) {
    const mid = (lo + hi) / 2;
    if (cdf(exp(mid)) < p) lo = mid;
    else hi = mid;
  }
  return exp(hi);
}
