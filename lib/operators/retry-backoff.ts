import { asyncScheduler, retry, throwError, timer } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable, SchedulerLike } from 'rxjs';
import { MAX_TIMER_DELAY, backoffConfig, checkJitter, exponentialBackoffDelay, retryDelay } from './backoff-delay.js';
import { checkBoolean, checkFunction, checkNumber, checkScheduler } from '../option-checks.js';
import type { Jitter, RetryDelayOptions } from './backoff-delay.js';

/**
 * Configuration of {@link retryBackoff}. The first six fields have the names, meanings and
 * defaults of backoff-rxjs 7's `RetryBackoffConfig`; `jitter`, `random` and `scheduler` are extras.
 */
export interface RetryBackoffConfig {
  /**
   * The delay before the first retry, in ms (a finite number ≥ 0). Later delays grow from it
   * along `backoffDelay`.
   */
  initialInterval: number;
  /**
   * How many retries at most (a non-negative integer, or `Infinity`). When they are used up the
   * next error goes to the subscriber. With `resetOnSuccess`, counts consecutive failures.
   * @default Infinity
   */
  maxRetries?: number;
  /**
   * The cap on each delay, in ms (≥ 0, `Infinity` allowed). Applied before the jitter.
   * @default Infinity
   */
  maxInterval?: number;
  /**
   * When `true`, every value the source emits resets the retry count, so the next failure waits
   * `initialInterval` again and `maxRetries` counts consecutive failures.
   * @default false
   */
  resetOnSuccess?: boolean;
  /**
   * Whether an error is worth a retry. When it returns `false` the error goes to the subscriber at
   * once, without waiting. Only asked while retries remain.
   * @default () => true
   */
  // `any`, as in backoff-rxjs, so that typed predicates such as `(e: HttpErrorResponse) => …`
  // keep compiling when switching from it (with `unknown` they would not be assignable).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  shouldRetry?: (error: any) => boolean;
  /**
   * The backoff curve: the delay in ms before retry `iteration` (0 for the first retry), before
   * the `maxInterval` cap.
   * @default exponentialBackoffDelay (`2^iteration · initialInterval`)
   */
  backoffDelay?: (iteration: number, initialInterval: number) => number;
  /**
   * How each capped delay is randomised: `'none'`, `'full'` (a uniform delay in `[0, delay)`,
   * AWS "full jitter") or a function `(delay, random) => ms` (its result is clamped to `[0, delay]`).
   * `'none'` keeps backoff-rxjs timing; `'full'` is what many clients hitting one server want.
   * @default 'none'
   */
  jitter?: Jitter;
  /**
   * The random source used by the jitter: a function returning numbers in `[0, 1)`. Pass a seeded
   * one for reproducible tests.
   * @default Math.random
   */
  random?: () => number;
  /**
   * The scheduler the delays run on (`TestScheduler` in tests).
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
  /**
   * A wait the failure itself asks for, in ms (typically `Retry-After` read with
   * `parseRetryAfter`), or `undefined` for none. When it gives a number, that wait replaces the
   * backoff delay of this retry, without jitter, capped at `maxRetryAfter`. Not part of
   * backoff-rxjs.
   * @default undefined (always the backoff delay)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  retryAfter?: (error: any) => number | undefined;
  /**
   * The cap on a wait given by `retryAfter`, in ms (≥ 0, `Infinity` allowed). A longer hint is
   * capped, not a reason to give up.
   * @default Infinity
   */
  maxRetryAfter?: number;
  /**
   * Called once per retry, just before its wait starts, with the error, the retry's number (1 for
   * the first since the last success) and the wait in ms. For logs and metrics.
   * @default undefined
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  onRetry?: (error: any, attempt: number, delay: number) => void;
}

const WHERE = 'retryBackoff';

/**
 * Mirrors the source, but when it errors resubscribes after a backoff delay instead of passing
 * the error on: `min(backoffDelay(k, initialInterval), maxInterval)` ms before retry `k`
 * (0-based; by default `2^k · initialInterval`), at most `maxRetries` times, and only while
 * `shouldRetry(error)` holds — otherwise the error is passed on at once. A drop-in replacement for
 * backoff-rxjs 7's `retryBackoff` (same config, defaults and timing), built on RxJS
 * `retry({ count, delay, resetOnSuccess })`, with optional `jitter` and a `scheduler`.
 *
 * A number is shorthand for `{ initialInterval: number }`. The config is checked when
 * `retryBackoff` is called: a bad field is a `TypeError` naming it.
 *
 * Delays longer than 2^31 − 1 ms (about 24.8 days) are shortened to that, since timers fire
 * almost at once past it; backoff-rxjs does not do this.
 *
 * @example
 * ```ts
 * request$.pipe(
 *   retryBackoff({ initialInterval: 500, maxInterval: 30_000, maxRetries: 5, jitter: 'full',
 *     shouldRetry: (error) => isTransient(error) }),
 * )
 * ```
 */
export function retryBackoff(config: number | RetryBackoffConfig): <T>(source: Observable<T>) => Observable<T> {
  const checked = checkRetryBackoff(config);
  return <T>(source: Observable<T>): Observable<T> => source.pipe(backoffRetry<T>(checked));
}

/**
 * @internal A {@link RetryBackoffConfig} checked by {@link checkRetryBackoff}, its defaults
 * filled in: what {@link backoffRetry} runs on.
 */
export interface CheckedRetryBackoff {
  readonly maxRetries: number;
  readonly resetOnSuccess: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly shouldRetry: (error: any) => boolean;
  readonly delays: RetryDelayOptions;
  readonly scheduler: SchedulerLike;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly retryAfter: ((error: any) => number | undefined) | undefined;
  readonly maxRetryAfter: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly onRetry: ((error: any, attempt: number, delay: number) => void) | undefined;
}

/**
 * @internal Checks the config of {@link retryBackoff} (a `TypeError` naming the bad field) and
 * fills in its defaults, once: the core checks its retry options when a stream or client is
 * created, then builds the operator per poll with {@link backoffRetry}.
 *
 * @example
 * ```ts
 * const checked = checkRetryBackoff({ initialInterval: 500, maxRetries: 5 })
 * request$.pipe(backoffRetry({ ...checked, onRetry: (error, attempt) => log(taskId, attempt) }))
 * ```
 */
export function checkRetryBackoff(config: number | RetryBackoffConfig): CheckedRetryBackoff {
  const normalized: RetryBackoffConfig =
    backoffConfig(WHERE, 'RetryBackoffConfig', config);
  const {
    initialInterval,
    maxRetries = Number.POSITIVE_INFINITY,
    maxInterval = Number.POSITIVE_INFINITY,
    shouldRetry = alwaysRetry,
    resetOnSuccess = false,
    backoffDelay = exponentialBackoffDelay,
    jitter = 'none',
    random = Math.random,
    scheduler = asyncScheduler,
    retryAfter,
    maxRetryAfter = Number.POSITIVE_INFINITY,
    onRetry,
  } = normalized;

  checkNumber(`${WHERE}: initialInterval`, initialInterval, { required: true });
  checkNumber(`${WHERE}: maxRetries`, maxRetries, { integer: true, infinity: true });
  checkNumber(`${WHERE}: maxInterval`, maxInterval, { infinity: true });
  checkFunction(`${WHERE}: shouldRetry`, shouldRetry);
  checkBoolean(`${WHERE}: resetOnSuccess`, resetOnSuccess);
  checkFunction(`${WHERE}: backoffDelay`, backoffDelay);
  checkJitter(`${WHERE}: jitter`, jitter);
  checkFunction(`${WHERE}: random`, random);
  checkScheduler(`${WHERE}: scheduler`, scheduler);
  checkFunction(`${WHERE}: retryAfter`, retryAfter);
  checkNumber(`${WHERE}: maxRetryAfter`, maxRetryAfter, { infinity: true });
  checkFunction(`${WHERE}: onRetry`, onRetry);

  const delays: RetryDelayOptions = { initialInterval, maxInterval, backoffDelay, jitter, random };
  return { maxRetries, resetOnSuccess, shouldRetry, delays, scheduler, retryAfter, maxRetryAfter, onRetry };
}

/**
 * @internal The operator of {@link retryBackoff} over a config {@link checkRetryBackoff} checked:
 * RxJS `retry({ count, delay, resetOnSuccess })` with the backoff delays. Cheap to build (no
 * checks), so that a caller can build it only while a request is in flight.
 *
 * @example
 * ```ts
 * request$.pipe(backoffRetry(checkRetryBackoff(500)))
 * ```
 */
export function backoffRetry<T>(config: CheckedRetryBackoff): MonoTypeOperatorFunction<T> {
  const { maxRetries, resetOnSuccess, shouldRetry, delays, scheduler, retryAfter, maxRetryAfter, onRetry } = config;
  return retry<T>({
    count: maxRetries,
    resetOnSuccess,
    // `retry` checks `count` first and numbers retries from 1; backoff-rxjs numbers them from 0.
    delay: (error: unknown, retryCount: number) => {
      if (!shouldRetry(error)) return throwError(() => error);
      const hinted = retryAfter?.(error);
      const delay =
        typeof hinted === 'number' && hinted >= 0
          ? Math.min(hinted, maxRetryAfter, MAX_TIMER_DELAY)
          : retryDelay(retryCount - 1, delays);
      onRetry?.(error, retryCount, delay);
      return timer(delay, scheduler);
    },
  });
}

/** @internal */
function alwaysRetry(): boolean {
  return true;
}
