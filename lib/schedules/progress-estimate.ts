/**
 * The progress estimator behind `adaptiveSchedule`'s progress-aware pacing: from the progress
 * ratios a task reported (Celery `meta.current / meta.total`) and the times they were seen, an
 * early estimate of when it will end.
 *
 * The rate of progress is estimated over windows of the history, not from the last two points
 * alone (noise) nor from the whole history alone (a stall would slow it): the fastest rate over
 * any window at least `minWindow` long in which the task advanced by at least 0.15; and the
 * task is taken to be 0.03 further on than its reports say (their noise). A stall
 * therefore does not make the estimate later than the pace the task kept before it, and a jump
 * makes it earlier: the estimate errs on the side of an early end, which costs requests, not
 * promptness.
 *
 * @internal
 */

// Bound once: global lookups such as `Math.max` are slow in sandboxed runtimes (vm contexts).
const { max, min } = Math;
const isFiniteNumber = Number.isFinite;

/** One progress report: `ratio` ∈ [0, 1] seen in the response that arrived at `at` (ms). @internal */
export interface ProgressSample {
  readonly at: number;
  readonly ratio: number;
}

/** Samples kept per task (the first one is always kept: it anchors the long window). @internal */
export const MAX_PROGRESS_SAMPLES = 12;
/** A pace is measured over windows in which the task advanced at least this much (noise averages out). @internal */
const MIN_ADVANCE = 0.15;
/** Reports are taken to be this far off (in ratio) at worst, in the direction of an early end. @internal */
const NOISE_ALLOWANCE = 0.03;
/** A drop of progress larger than this is a restart (the history is dropped), not noise. @internal */
const RESTART_DROP = 0.1;

/**
 * The progress ratio in a decoded task state (`state.progress.ratio`, else `meta.current /
 * meta.total`), or undefined when it reports none. Never throws, whatever the state holds.
 *
 * @internal
 */
export function progressRatio(state: unknown): number | undefined {
  if (state === null || typeof state !== 'object') return undefined;
  const { progress, meta } = state as { progress?: unknown; meta?: unknown };
  if (progress !== null && typeof progress === 'object') {
    const ratio = (progress as { ratio?: unknown }).ratio;
    if (typeof ratio === 'number' && isFiniteNumber(ratio)) return min(1, max(0, ratio));
  }
  if (meta !== null && typeof meta === 'object') {
    const { current, total } = meta as { current?: unknown; total?: unknown };
    if (typeof current === 'number' && typeof total === 'number' && isFiniteNumber(current) && isFiniteNumber(total) && total > 0) {
      return min(1, max(0, current / total));
    }
  }
  return undefined;
}

/**
 * Adds a report to a task's history (returns the history to keep, possibly a new array). Reports
 * of 0 are not kept (a task not yet started says nothing of its pace), reports out of time order
 * are ignored, a drop of more than 0.1 restarts the history, and the history keeps its first
 * sample and the latest ones (`MAX_PROGRESS_SAMPLES` in all).
 *
 * @internal
 */
export function addProgressSample(history: readonly ProgressSample[], at: number, ratio: number): readonly ProgressSample[] {
  if (!isFiniteNumber(at) || !isFiniteNumber(ratio)) return history;
  const r = min(1, max(0, ratio));
  const last = history[history.length - 1];
  if (last !== undefined && at <= last.at) return history;
  if (last !== undefined && r < last.ratio - RESTART_DROP) return r > 0 ? [{ at, ratio: r }] : [];
  if (r <= 0) return history;
  const next = [...history, { at, ratio: r }];
  if (next.length > MAX_PROGRESS_SAMPLES) next.splice(1, 1);
  return next;
}

/** What {@link estimateProgress} concludes. @internal */
export interface ProgressEstimate {
  /** Progress per ms (the fastest over the windows considered). */
  readonly rate: number;
  /** ms from the last report to the estimated end (0 when the last report is at 1). */
  readonly remaining: number;
  /** ms from the first to the last report kept. */
  readonly span: number;
}

/**
 * An early estimate of the end from a task's progress history, or undefined when the history
 * cannot tell (fewer than two reports, under `minWindow` ms apart, or no progress between them).
 *
 * @internal
 */
export function estimateProgress(history: readonly ProgressSample[], minWindow: number): ProgressEstimate | undefined {
  const n = history.length;
  const first = history[0];
  const last = history[n - 1];
  if (first === undefined || last === undefined || n < 2) return undefined;
  const span = last.at - first.at;
  if (!(span >= minWindow) || span <= 0) return undefined;
  // The fastest pace over windows at least `minWindow` long in which the task advanced by at
  // least MIN_ADVANCE (so a report's noise is a small part of it): a window inside the run
  // before a stall gives the pace the task will resume at.
  let rate = 0;
  for (let i = 0; i < n - 1; i += 1) {
    const a = history[i];
    if (a === undefined) continue;
    for (let j = i + 1; j < n; j += 1) {
      const b = history[j];
      if (b === undefined || b.at - a.at < minWindow || b.ratio - a.ratio < MIN_ADVANCE) continue;
      rate = max(rate, (b.ratio - a.ratio) / (b.at - a.at));
      break;
    }
  }
  // Not enough advance anywhere yet: the average pace over the whole history.
  if (!(rate > 0)) rate = (last.ratio - first.ratio) / span;
  if (!(rate > 0)) return undefined;
  // Where the task is now: the highest of the recent reports carried forward at that pace (one
  // report read low by noise does not push the end later).
  const window = max(minWindow, MIN_ADVANCE / rate);
  let position = last.ratio;
  for (let i = n - 2; i >= 0; i -= 1) {
    const a = history[i];
    if (a === undefined || last.at - a.at > window) break;
    position = max(position, a.ratio + rate * (last.at - a.at));
  }
  return { rate, remaining: max(0, (1 - min(1, position + NOISE_ALLOWANCE)) / rate), span };
}

/**
 * The latest a task can end, from its first report alone (ms after that report): it showed no
 * progress at `idleAt` and `ratio` at `at`, so it went at least that fast. Undefined when the
 * report says nothing (no progress, or not after `idleAt`).
 *
 * @internal
 */
export function latestEnd(idleAt: number, first: ProgressSample | undefined): number | undefined {
  if (first === undefined || !(first.ratio > 0) || !(first.at > idleAt)) return undefined;
  return ((1 - first.ratio) / first.ratio) * (first.at - idleAt);
}
