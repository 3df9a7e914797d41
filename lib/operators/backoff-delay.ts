import { failOption } from '../option-checks.js';

/**
 * Backoff maths as pure functions: the exponential curve, the cap and the jitter. Nothing here
 * reads a clock or a global random source; the random function is always passed in.
 *
 * `exponentialBackoffDelay` and `getDelay` have the same names, arguments and results as the
 * helpers of backoff-rxjs 7, so a custom `backoffDelay` written for it works here unchanged.
 */

/**
 * The largest delay, in ms, that JavaScript timers honour (2^31 − 1, about 24.8 days). Node and
 * browsers fire a longer `setTimeout` after about 1 ms, so {@link retryDelay} never returns more.
 *
 * @example
 * ```ts
 * Math.min(delay, MAX_TIMER_DELAY)
 * ```
 */
export const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * Exponential backoff: `2^iteration · initialInterval` ms. `iteration` 0 is the delay before the
 * first retry, so it equals `initialInterval`.
 *
 * @example
 * ```ts
 * exponentialBackoffDelay(0, 500) // 500
 * exponentialBackoffDelay(3, 500) // 4000
 * ```
 */
export function exponentialBackoffDelay(iteration: number, initialInterval: number): number {
  return Math.pow(2, iteration) * initialInterval;
}

/**
 * Caps a backoff delay at `maxInterval`: `min(backoffDelay, maxInterval)`.
 *
 * @example
 * ```ts
 * getDelay(64_000, 30_000) // 30000
 * ```
 */
export function getDelay(backoffDelay: number, maxInterval: number): number {
  return Math.min(backoffDelay, maxInterval);
}

/**
 * How a delay is randomised:
 * - `'none'`: the delay as computed;
 * - `'full'`: AWS "full jitter", a uniform value in `[0, delay)` (`random() · delay`);
 * - a function `(delay, random) => number` for anything else.
 *
 * Whatever the choice, the result is clamped to `[0, delay]` (see {@link applyJitter}).
 *
 * @example
 * ```ts
 * const equalJitter: Jitter = (delay, random) => delay / 2 + random() * (delay / 2)
 * ```
 */
export type Jitter = 'none' | 'full' | ((delay: number, random: () => number) => number);

/**
 * Applies a {@link Jitter} to `delay`. The result is always in `[0, delay]`: a negative or `NaN`
 * result (or a negative or `NaN` `delay`) gives 0, and a result above `delay` gives `delay`.
 *
 * @param delay the un-jittered delay in ms.
 * @param jitter `'none'`, `'full'` or a custom function.
 * @param random a source of numbers in `[0, 1)`, e.g. `Math.random` or a seeded generator.
 *
 * @example
 * ```ts
 * applyJitter(1000, 'full', () => 0.25) // 250
 * applyJitter(1000, 'none', Math.random) // 1000
 * ```
 */
export function applyJitter(delay: number, jitter: Jitter, random: () => number): number {
  const base = clamp(delay, Number.POSITIVE_INFINITY);
  let jittered: number;
  if (jitter === 'none') {
    jittered = base;
  } else if (jitter === 'full') {
    // 0 · Infinity is NaN; an infinite delay stays infinite whatever the draw.
    jittered = base === Number.POSITIVE_INFINITY ? base : random() * base;
  } else {
    jittered = jitter(base, random);
  }
  return clamp(jittered, base);
}

/** Options of {@link retryDelay}: the backoff fields of `RetryBackoffConfig`, with its defaults except `random` (none). */
export interface RetryDelayOptions {
  /** The delay before the first retry, in ms. */
  readonly initialInterval: number;
  /**
   * The cap on any delay, in ms.
   * @default Infinity
   */
  readonly maxInterval?: number;
  /**
   * The backoff curve: the delay before retry `iteration` (0-based).
   * @default exponentialBackoffDelay
   */
  readonly backoffDelay?: (iteration: number, initialInterval: number) => number;
  /**
   * How the capped delay is randomised.
   * @default 'none'
   */
  readonly jitter?: Jitter;
  /**
   * The random source for the jitter, numbers in `[0, 1)`. Required when `jitter` is not
   * `'none'` (this function never reaches for `Math.random` itself; the operators pass it).
   * @default undefined
   */
  readonly random?: () => number;
}

/**
 * The delay, in ms, before retry `k` (0-based): `backoffDelay(k, initialInterval)` capped at
 * `maxInterval` and at {@link MAX_TIMER_DELAY}, then jittered. The result is always a number in
 * `[0, min(maxInterval, MAX_TIMER_DELAY)]`, never `NaN`, whatever `backoffDelay` or the jitter return.
 *
 * @throws TypeError naming `random` when a jitter other than `'none'` is asked for without one.
 *
 * @example
 * ```ts
 * retryDelay(0, { initialInterval: 500 }) // 500
 * retryDelay(10, { initialInterval: 500, maxInterval: 30_000 }) // 30000
 * retryDelay(2, { initialInterval: 500, jitter: 'full', random: () => 0.5 }) // 1000
 * ```
 */
export function retryDelay(k: number, options: RetryDelayOptions): number {
  const {
    initialInterval,
    maxInterval = Number.POSITIVE_INFINITY,
    backoffDelay = exponentialBackoffDelay,
    jitter = 'none',
    random,
  } = options;
  if (jitter !== 'none' && typeof random !== 'function') failOption('retryDelay: random', 'a function returning numbers in [0, 1) when `jitter` is used', random);
  const capped = Math.min(getDelay(backoffDelay(k, initialInterval), maxInterval), MAX_TIMER_DELAY);
  return applyJitter(capped, jitter, random ?? noRandom);
}

/**
 * Clamps `value` to `[0, max]`; `NaN` (and anything that is not a number) becomes 0.
 * @internal
 */
function clamp(value: number, max: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) return 0;
  return value > max ? max : value;
}

/**
 * Stands in for `random` when no jitter is applied; never called.
 * @internal
 */
function noRandom(): number {
  return 0;
}

/**
 * Checks a {@link Jitter} option (`'none'`, `'full'` or a function), or absent: a `TypeError` in
 * the library's option format otherwise.
 * @internal
 */
export function checkJitter(option: string, value: unknown): Jitter | undefined {
  if (value !== undefined && value !== 'none' && value !== 'full' && typeof value !== 'function') {
    failOption(option, "'none', 'full' or a function (delay, random) => number", value);
  }
  return value as Jitter | undefined;
}

/**
 * The config of a backoff operator: a number is its `initialInterval`; anything that is neither
 * a number nor an object is a `TypeError` naming `config`.
 * @internal
 */
export function backoffConfig<C extends { readonly initialInterval: number }>(where: string, typeName: string, config: number | C): C {
  if (typeof config === 'number') return { initialInterval: config } as C;
  if (typeof config !== 'object' || config === null) failOption(`${where}: config`, `a number (initialInterval) or a ${typeName} object`, config);
  return config;
}
