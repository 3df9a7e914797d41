import type { PollContext, PollOutcome, PollSchedule } from './poll-schedule.js';
import { checkNumber, failOption } from '../option-checks.js';

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
  checkInterval('interval', interval, { required: true });
  if (typeof interval === 'number') return { next: () => interval, complete: noop };
  if (typeof interval === 'function') return { next: (context) => finite(interval(context)), complete: noop };
  const schedule = interval;
  return {
    next: (context) => finite(schedule.next(context)),
    complete: schedule.complete === undefined ? noop : (outcome) => schedule.complete?.(outcome),
  };
}

/**
 * The one check of the `interval` option (used by `taskStatus$`, `createTaskClient` and the
 * schedules that wrap another): a number of ms ≥ 0 (`Infinity` only with `infinity: true`), a
 * function of the {@link PollContext}, or an object whose `next` is a function (and whose
 * `complete`, when present, is one too). Returns it, or `undefined` when absent (unless
 * `required`); else throws a `TypeError` naming `option`.
 *
 * @internal
 */
export function checkInterval(
  option: string,
  interval: number | PollSchedule | undefined,
  { infinity = false, required = false }: { readonly infinity?: boolean; readonly required?: boolean } = {},
): number | PollSchedule | undefined {
  if (interval === undefined && !required) return undefined;
  if (typeof interval === 'number') return checkNumber(option, interval, { infinity });
  if (typeof interval === 'function') return interval;
  if (interval !== null && typeof interval === 'object' && typeof interval.next === 'function') {
    const complete: unknown = interval.complete;
    if (complete !== undefined && typeof complete !== 'function') failOption(`${option}.complete`, 'a function when present', complete);
    return interval;
  }
  return failOption(option, `a number of ms ≥ 0${infinity ? ' or Infinity' : ''}, a function of the poll context, or an object with next()`, interval);
}

/** @internal */
function finite(wait: unknown): number {
  return typeof wait === 'number' && Number.isFinite(wait) && wait > 0 ? wait : 0;
}
/** @internal */
function noop(): void {}
