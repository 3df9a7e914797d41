/**
 * The one option-validation module: every option of the library and of its adapters is checked
 * here, when the function taking it is called, and a bad one is a `TypeError` with one message
 * format:
 *
 * ```text
 * option: must be <rule>, got <value>
 * ```
 *
 * `option` is the name as the caller wrote it (`interval`, `retry.maxRetries`), prefixed by the
 * function for a free-standing factory (`exponentialSchedule: initial`). What a message may
 * quote is one rule too: numbers, booleans, `null` and `undefined` are shown; anything else only
 * by its kind (`a string`, `an object`) — a string may be a token or a webhook secret, so a
 * string value is never quoted.
 *
 * @module
 */
import { isObservable, type Observable } from 'rxjs';

/**
 * A safe description of an option value for an error message: a number, boolean, `null` or
 * `undefined` as itself; anything else by its kind only (`a string`, `an empty string`,
 * `a function`, `an array`, `an object`), never its text — a string may be a secret.
 *
 * @example
 * ```ts
 * describeOptionValue(-1)             // '-1'
 * describeOptionValue('s3cret-token') // 'a string'
 * describeOptionValue([1])            // 'an array'
 * ```
 */
export function describeOptionValue(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The `TypeError` of a bad option, in the library's one format:
 * `option: must be <rule>, got <value>` (the value described by {@link describeOptionValue}).
 *
 * @param option - the option's name as the caller wrote it, e.g. `retry.maxRetries`, or
 *   `myAdapter: heartbeatMs` for a function's own options.
 * @param rule - what the option must be, e.g. `a whole number ≥ 1`.
 * @param value - the value received.
 *
 * @example
 * ```ts
 * throw optionError('heartbeatMs', 'a whole number ≥ 0', options.heartbeatMs)
 * // TypeError: heartbeatMs: must be a whole number ≥ 0, got -5
 * ```
 */
export function optionError(option: string, rule: string, value: unknown): TypeError {
  return new TypeError(`${option}: must be ${rule}, got ${describeOptionValue(value)}`);
}

/**
 * Throws {@link optionError}: for a rule the `check…` functions do not cover.
 *
 * @example
 * ```ts
 * if (max < base) failOption('mySchedule: max', `≥ base (${base})`, max)
 * ```
 */
export function failOption(option: string, rule: string, value: unknown): never {
  throw optionError(option, rule, value);
}

/**
 * The range a numeric option must fall in (see {@link checkNumber}).
 *
 * @example
 * ```ts
 * const rule: NumberRule = { min: 1, integer: true, infinity: true } // a whole number ≥ 1 or Infinity
 * ```
 */
export interface NumberRule {
  /**
   * The least value allowed; `-Infinity` for no lower bound.
   * @default 0
   */
  readonly min?: number | undefined;
  /**
   * `min` itself is refused (`> min` rather than `≥ min`).
   * @default false
   */
  readonly above?: boolean | undefined;
  /**
   * The greatest value allowed (inclusive).
   * @default Infinity
   */
  readonly max?: number | undefined;
  /**
   * Only whole numbers (and `Infinity` when `infinity` is set).
   * @default false
   */
  readonly integer?: boolean | undefined;
  /**
   * `Infinity` is allowed (meaning "none", for a duration or a limit).
   * @default false
   */
  readonly infinity?: boolean | undefined;
  /**
   * `undefined` is refused too (otherwise it passes, meaning "use the default").
   * @default false
   */
  readonly required?: boolean | undefined;
}

/** @internal The words of a {@link NumberRule}: `a finite number ≥ 0`, `a whole number ≥ 1 or Infinity`. */
function numberRuleText({ min = 0, above = false, max = Number.POSITIVE_INFINITY, integer = false, infinity = false }: NumberRule): string {
  const kind = integer ? 'a whole number' : infinity ? 'a number' : 'a finite number';
  const lower = min === Number.NEGATIVE_INFINITY ? '' : ` ${above ? '>' : '≥'} ${min}`;
  const upper = max === Number.POSITIVE_INFINITY ? '' : `${lower === '' ? '' : ' and'} ≤ ${max}`;
  return `${kind}${lower}${upper}${infinity ? ' or Infinity' : ''}`;
}

/**
 * Checks a numeric option: returns it (or `undefined` when absent and not `required`), else
 * throws a `TypeError` in the library's format. `NaN` is always refused; `Infinity` only passes
 * with `infinity: true`.
 *
 * @example
 * ```ts
 * const heartbeatMs = checkNumber('heartbeatMs', options.heartbeatMs, { integer: true }) ?? 25_000
 * checkNumber('deadline', Infinity, { infinity: true }) // Infinity
 * checkNumber('maxBodyBytes', 0, { min: 1, integer: true }) // TypeError: maxBodyBytes: must be a whole number ≥ 1, got 0
 * ```
 */
export function checkNumber(option: string, value: unknown, rule: NumberRule & { readonly required: true }): number;
export function checkNumber(option: string, value: unknown, rule?: NumberRule): number | undefined;
export function checkNumber(option: string, value: unknown, rule: NumberRule = {}): number | undefined {
  if (value === undefined && rule.required !== true) return undefined;
  const { min = 0, above = false, max = Number.POSITIVE_INFINITY, integer = false, infinity = false } = rule;
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (value === Number.POSITIVE_INFINITY ? infinity : (!integer || Number.isInteger(value)) && Number.isFinite(value)) &&
    (above ? value > min : value >= min) &&
    (value <= max || (infinity && value === Number.POSITIVE_INFINITY));
  if (!ok) failOption(option, numberRuleText(rule), value);
  return value as number;
}

/**
 * Checks an option that must be a function (or absent).
 *
 * @example
 * ```ts
 * const authorize = checkFunction('authorize', options.authorize) ?? (() => true)
 * ```
 */
export function checkFunction<F extends (...args: never[]) => unknown>(option: string, value: F | undefined, rule = 'a function'): F | undefined {
  if (value !== undefined && typeof value !== 'function') failOption(option, rule, value);
  return value;
}

/**
 * Checks an option that must be a boolean (or absent).
 *
 * @example
 * ```ts
 * const includeContent = checkBoolean('includeContent', options.includeContent) ?? false
 * ```
 */
export function checkBoolean(option: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') failOption(option, 'a boolean', value);
  return value as boolean | undefined;
}

/**
 * Checks an options object: `undefined` passes (as `{}`), anything that is not a non-null
 * object (an array included) is refused.
 *
 * @example
 * ```ts
 * const { heartbeatMs } = checkObject('options', options)
 * ```
 */
export function checkObject<T extends object>(option: string, value: T | undefined, rule = 'an object'): T | Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) failOption(option, rule, value);
  return value;
}

/**
 * Checks an RxJS `SchedulerLike` option (an object with `now()` and `schedule()`), or absent.
 *
 * @example
 * ```ts
 * const scheduler = checkScheduler('scheduler', options.scheduler) ?? asyncScheduler
 * ```
 */
export function checkScheduler<S>(option: string, value: S | undefined): S | undefined {
  if (value === undefined) return undefined;
  const candidate = value as { now?: unknown; schedule?: unknown } | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.now !== 'function' || typeof candidate.schedule !== 'function') {
    failOption(option, 'an RxJS SchedulerLike', value);
  }
  return value;
}

/**
 * Checks an option that must be an RxJS `Observable` (or absent).
 *
 * @example
 * ```ts
 * const hints = checkObservable('hints', options.hints)
 * ```
 */
export function checkObservable<T>(option: string, value: Observable<T> | undefined): Observable<T> | undefined {
  if (value !== undefined && !isObservable(value)) failOption(option, 'an Observable', value);
  return value;
}

/**
 * The rule text of a random-source option (`random`): a function returning numbers in `[0, 1)`.
 *
 * @example
 * ```ts
 * const random = checkFunction('random', options.random, RANDOM_RULE) ?? Math.random
 * ```
 */
export const RANDOM_RULE = 'a function returning numbers in [0, 1)';
