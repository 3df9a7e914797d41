import { asyncScheduler, type SchedulerLike } from 'rxjs';

/**
 * A clock that never goes back, for the client's budgets (rate limit, cache and resume
 * windows, replay windows): RxJS's real-time schedulers read `Date.now()`, which steps back when
 * the wall clock is set back (NTP, a resumed VM), and a budget that read it would wait that long.
 *
 * RxJS's own real-time schedulers (`asyncScheduler`, `asapScheduler`, `queueScheduler`,
 * `animationFrameScheduler`, which all read `Date.now()`) are read through `performance.now()`
 * when there is one; any other scheduler (`TestScheduler`, a scheduler of your own) through its
 * `now()`. Either way, a reading below the last one shifts the clock so that it resumes from the
 * last reading: time does not run backwards, and it does not stop either.
 *
 * @example
 * ```ts
 * const now = monotonicClock(scheduler)
 * const bucket = new TokenBucket(5, { now })
 * ```
 */
export function monotonicClock(scheduler: SchedulerLike): () => number {
  const perf = (globalThis as { performance?: { now?: () => number } }).performance;
  const wallClock = scheduler.now === asyncScheduler.now;
  const read = wallClock && typeof perf?.now === 'function' ? () => (perf.now as () => number)() : () => scheduler.now();
  let offset = 0;
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    let now = read() + offset;
    if (now < last) {
      offset += last - now;
      now = last;
    }
    last = now;
    return now;
  };
}
