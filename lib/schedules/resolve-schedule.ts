import type { PollContext, PollOutcome, PollSchedule } from './poll-schedule.js';
import { describe } from './schedule-options.js';

/**
 * A schedule in the one shape the pipeline calls: see {@link resolveSchedule}.
 *
 * @example
 * ```ts
 * const schedule: ResolvedSchedule = resolveSchedule(2500)
 * ```
 */
export interface ResolvedSchedule {
  /** The wait (ms, finite, ≥ 0) before the next poll. */
  next(context: PollContext): number;
  /** Tells the schedule a task reached a terminal phase (a no-op for schedules that do not learn). */
  complete(outcome: PollOutcome): void;
}

/**
 * Normalises the `interval` option — a number of ms, a function of the {@link PollContext}, or
 * an object with `next` (and optionally `complete`) — into one shape. A number becomes a
 * constant wait; an object's methods are called on the object. Whatever a schedule returns,
 * `next` yields a finite number ≥ 0 (negative, `NaN` or infinite waits become 0, as
 * {@link PollSchedule} documents). Errors thrown by a schedule propagate.
 *
 * @param interval - the `interval` option.
 * @throws TypeError naming `interval` when it is not a finite number ≥ 0, a function, or an
 * object whose `next` is a function (or whose `complete` is present but not a function).
 *
 * @example
 * ```ts
 * const schedule = resolveSchedule(options.interval ?? 2500)
 * const wait = schedule.next({ taskId, polls: 1, elapsed: 0, phase: 'pending', inPhase: 0 })
 * schedule.complete({ taskId, phase: 'succeeded', elapsed: 9000, polls: 4 })
 * ```
 */
export function resolveSchedule(interval: number | PollSchedule): ResolvedSchedule {
  if (typeof interval === 'number') {
    if (!Number.isFinite(interval) || interval < 0) {
      throw new TypeError(`\`interval\` must be a finite number of ms >= 0 or a PollSchedule, got ${describe(interval)}`);
    }
    return { next: () => interval, complete: noop };
  }
  if (typeof interval === 'function') {
    return { next: (context) => finite(interval(context)), complete: noop };
  }
  if (interval !== null && typeof interval === 'object' && typeof interval.next === 'function') {
    const schedule = interval;
    const complete: unknown = schedule.complete;
    if (complete !== undefined && typeof complete !== 'function') {
      throw new TypeError(`\`interval\`.complete must be a function when present, got ${describe(complete)}`);
    }
    return {
      next: (context) => finite(schedule.next(context)),
      complete: complete === undefined ? noop : (outcome) => schedule.complete?.(outcome),
    };
  }
  throw new TypeError(`\`interval\` must be a finite number of ms >= 0, a function of the poll context, or an object with next(), got ${describe(interval)}`);
}

/** @internal */
function finite(wait: unknown): number {
  return typeof wait === 'number' && Number.isFinite(wait) && wait > 0 ? wait : 0;
}
/** @internal */
function noop(): void {}
