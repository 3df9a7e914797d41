import { asyncScheduler, expand, map, scheduled, timer } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import { backoffConfig, checkJitter, exponentialBackoffDelay, retryDelay } from './backoff-delay.js';
import { checkFunction, checkNumber, checkScheduler } from '../option-checks.js';
import type { Jitter, RetryDelayOptions } from './backoff-delay.js';

/**
 * Configuration of {@link intervalBackoff}. The first three fields have the names, meanings and
 * defaults of backoff-rxjs 7's `IntervalBackoffConfig`; `jitter` and `random` are extras.
 */
export interface IntervalBackoffConfig {
  /**
   * The gap between the first and the second value, in ms (a finite number; a negative one is
   * taken as 0, as in backoff-rxjs).
   */
  initialInterval: number;
  /**
   * The cap on each gap, in ms (≥ 0, `Infinity` allowed). Applied before the jitter.
   * @default Infinity
   */
  maxInterval?: number;
  /**
   * The gap in ms after value `iteration` (0-based), before the `maxInterval` cap.
   * @default exponentialBackoffDelay (`2^iteration · initialInterval`)
   */
  backoffDelay?: (iteration: number, initialInterval: number) => number;
  /**
   * How each capped gap is randomised: `'none'`, `'full'` (uniform in `[0, gap)`) or a function
   * `(delay, random) => ms` (clamped to `[0, delay]`).
   * @default 'none'
   */
  jitter?: Jitter;
  /**
   * The random source used by the jitter, numbers in `[0, 1)`.
   * @default Math.random
   */
  random?: () => number;
}

const WHERE = 'intervalBackoff';

/**
 * An Observable of the iteration numbers 0, 1, 2, … : 0 at once (on the scheduler), then each next
 * number `min(backoffDelay(i, initialInterval), maxInterval)` ms after number `i` — by default
 * 2^i · initialInterval, so with 1000: 0 at 0 s, 1 at 1 s, 2 at 3 s, 3 at 7 s, … It never completes.
 * The same as backoff-rxjs 7's `intervalBackoff`, except that every timer, not only the first
 * emission, runs on `scheduler`, and delays are kept under 2^31 − 1 ms.
 *
 * A number is shorthand for `{ initialInterval: number }`. The config is checked when called: a
 * bad field is a `TypeError` naming it.
 *
 * @param config the backoff, or just `initialInterval` in ms.
 * @param scheduler where the emissions and timers run; `asyncScheduler` by default.
 *
 * @example
 * ```ts
 * // Check for new mail, backing off while the user is away.
 * fromEvent(document, 'mousemove').pipe(
 *   startWith(null),
 *   switchMap(() => intervalBackoff({ initialInterval: 1000, maxInterval: 60_000 })),
 *   switchMap(() => checkMail$),
 * )
 * ```
 */
export function intervalBackoff(
  config: number | IntervalBackoffConfig,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<number> {
  const normalized: IntervalBackoffConfig =
    backoffConfig(WHERE, 'IntervalBackoffConfig', config);
  const {
    initialInterval,
    maxInterval = Number.POSITIVE_INFINITY,
    backoffDelay = exponentialBackoffDelay,
    jitter = 'none',
    random = Math.random,
  } = normalized;

  checkNumber(`${WHERE}: initialInterval`, initialInterval, { min: Number.NEGATIVE_INFINITY, required: true });
  checkNumber(`${WHERE}: maxInterval`, maxInterval, { infinity: true });
  checkFunction(`${WHERE}: backoffDelay`, backoffDelay);
  checkJitter(`${WHERE}: jitter`, jitter);
  checkFunction(`${WHERE}: random`, random);
  checkScheduler(`${WHERE}: scheduler`, scheduler);

  const delayOptions: RetryDelayOptions = {
    initialInterval: Math.max(0, initialInterval),
    maxInterval,
    backoffDelay,
    jitter,
    random,
  };

  return scheduled([0], scheduler).pipe(
    // Each number is projected to a timer that emits the next one; expand feeds it back in.
    expand((iteration: number) =>
      timer(retryDelay(iteration, delayOptions), scheduler).pipe(map(() => iteration + 1)),
    ),
  );
}
