import type { PollContext } from './poll-schedule.js';
import { checkNumber, checkObject, failOption } from '../option-checks.js';

/**
 * Options of {@link exponentialSchedule}.
 *
 * @example
 * ```ts
 * const config: ExponentialScheduleConfig = { initial: 1000, factor: 1.5, max: 10_000 }
 * ```
 */
export interface ExponentialScheduleConfig {
  /**
   * The wait after the first response, in ms.
   * @default 1000
   */
  readonly initial?: number;
  /**
   * Each wait is the previous one times `factor` (≥ 1).
   * @default 1.5
   */
  readonly factor?: number;
  /**
   * The longest wait, in ms (≥ `initial`).
   * @default 10000
   */
  readonly max?: number;
}

/**
 * A `PollSchedule` whose waits grow geometrically with the poll count.
 *
 * @example
 * ```ts
 * const schedule: ExponentialSchedule = exponentialSchedule({ initial: 500, factor: 2, max: 8000 })
 * ```
 */
export interface ExponentialSchedule {
  /** `min(max, initial × factor^(polls − 1))`. */
  next(context: PollContext): number;
}

/**
 * Waits `initial` after the first response, then `factor` times longer after each one, up to
 * `max`: `delay = min(max, initial × factor^(polls − 1))`, where `polls` counts the requests sent
 * so far (retries included). It holds no state, so one instance serves any number of tasks. The
 * defaults are the official FactPulse SDK helper's pacing (1 s, ×1.5, capped at 10 s).
 *
 * @throws TypeError naming the option when `initial` or `max` is not a finite number > 0,
 * `factor` is not finite or below 1, or `max < initial`.
 *
 * @example
 * ```ts
 * // 1 s, 1.5 s, 2.25 s, … up to 10 s: the FactPulse SDK helper's pacing
 * taskStatus$(id, { token, interval: exponentialSchedule({ initial: 1000, factor: 1.5, max: 10_000 }) })
 * ```
 */
export function exponentialSchedule(config: ExponentialScheduleConfig = {}): ExponentialSchedule {
  checkObject('exponentialSchedule: options', config);
  const { initial = 1000, factor = 1.5, max = 10_000 } = config;
  checkNumber('exponentialSchedule: initial', initial, { above: true, required: true });
  checkNumber('exponentialSchedule: factor', factor, { min: 1, required: true });
  checkNumber('exponentialSchedule: max', max, { above: true, required: true });
  if (max < initial) failOption('exponentialSchedule: max', `≥ initial (${initial})`, max);
  return {
    next: ({ polls }) => {
      const steps = Number.isFinite(polls) ? Math.max(0, Math.floor(polls) - 1) : 0;
      // factor^steps overflows to Infinity for large steps; min() then yields max.
      return Math.min(max, initial * factor ** steps);
    },
  };
}
