import type { PollContext } from './poll-schedule.js';
import { checkNumber } from '../option-checks.js';

/**
 * A `PollSchedule` that waits the same time after every response.
 *
 * @example
 * ```ts
 * const schedule: ConstantSchedule = constantSchedule(2500) // schedule.interval === 2500
 * ```
 */
export interface ConstantSchedule {
  /** The wait, in ms. */
  readonly interval: number;
  /** Always {@link ConstantSchedule.interval}. */
  next(context: PollContext): number;
}

/**
 * Waits `ms` after each response before the next poll: the classic schedule (FactPulse's docs
 * advise 2–3 s), and what `interval: <number>` means.
 *
 * @param ms - the wait after each response, in ms (finite, ≥ 0).
 * @throws TypeError naming `ms` when it is not a finite number ≥ 0.
 *
 * @example
 * ```ts
 * taskStatus$(id, { token, interval: constantSchedule(2500) })
 * ```
 */
export function constantSchedule(ms: number): ConstantSchedule {
  const interval = checkNumber('constantSchedule: ms', ms, { required: true });
  return {
    interval,
    next: () => interval,
  };
}
