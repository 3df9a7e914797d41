import { NEVER, concatMap, timer, type Observable, type SchedulerLike } from 'rxjs';
import { MAX_TIMER_DELAY } from './backoff-delay.js';

/**
 * @internal `timer(ms, scheduler)` for any duration: `Infinity` (or anything not a finite
 * number ≥ 0 that means "none") never fires, a wait longer than 2^31 − 1 ms is a chain of timers
 * no longer than that (JavaScript timers fire after about 1 ms past it), and a negative or `NaN`
 * wait fires at once. Emits `0` once, then completes.
 *
 * @example
 * ```ts
 * longTimer(30 * 86_400_000, scheduler) // fires after 30 days, through two timers
 * ```
 */
export function longTimer(ms: number, scheduler: SchedulerLike): Observable<0> {
  if (ms === Number.POSITIVE_INFINITY) return NEVER;
  const wait = ms > 0 ? ms : 0;
  if (wait <= MAX_TIMER_DELAY) return timer(wait, scheduler) as Observable<0>;
  return timer(MAX_TIMER_DELAY, scheduler).pipe(concatMap(() => longTimer(wait - MAX_TIMER_DELAY, scheduler)));
}
