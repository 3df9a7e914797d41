import { isObservable, type Observable } from 'rxjs';
import { checkMs, normaliseOptions, type NormalisedOptions, type TaskStatusOptions } from '../options.js';
import { RETRY_BUDGET_DEFAULTS, type RetryBudgetOptions } from './retry-quota.js';
import type { TaskHub } from './task-hub.js';

/**
 * Options of `createTaskClient`: every {@link TaskStatusOptions} field (applied to each task the
 * client follows; `deadline` and `stallAfter` count from the start of the task's shared loop)
 * except that `hints` names tasks, plus the client's shared budgets. Every field is optional.
 *
 * @example
 * ```ts
 * createTaskClient({ token, maxConcurrent: 8, maxRequestsPerSecond: 5, cacheTtl: 60_000, hints: webhookEvents$ })
 * ```
 */
export interface TaskClientOptions extends Omit<TaskStatusOptions, 'hints'> {
  /**
   * Requests in flight at once across all tasks; the rest wait first come first served. The wait
   * does not count against `requestTimeout`. `Infinity` turns the limit off.
   * @default 16
   */
  readonly maxConcurrent?: number;
  /**
   * Requests sent per second across all tasks (a token bucket holding `max(1, n)` tokens, so a
   * burst of `n` may go at once). For quotas such as FactPulse's 1000 calls a day on test tokens.
   * @default undefined (no rate limit)
   */
  readonly maxRequestsPerSecond?: number;
  /**
   * ms a terminal transition stays cached, so later `status$` / `result$` of that task cost no
   * request. `0` turns the cache off.
   * @default 300000 (5 minutes)
   */
  readonly cacheTtl?: number;
  /**
   * Terminal transitions cached at most; the least recently used is evicted. `0` turns the cache off.
   * @default 1000
   */
  readonly cacheSize?: number;
  /**
   * Events naming task ids — a string id, or an object with `data.taskId` / `data.task_id` (a
   * FactPulse webhook), or `taskId` / `task_id` at top level. Each polls the named task at once
   * if the client follows it; others are ignored. Errors of this source are ignored.
   * @default undefined
   */
  readonly hints?: Observable<unknown>;
  /**
   * A cross-process hub (see {@link TaskHub}), e.g. `createRedisTaskHub` from `factpulse-rx/redis`.
   * @default undefined
   */
  readonly hub?: TaskHub;
  /**
   * The retry budget shared by all tasks (AWS SDK-style retry quota); `false` turns it off, so
   * every task retries up to `retry.maxRetries` whatever the others do.
   * @default { capacity: 500, retryCost: 5, timeoutRetryCost: 10, noRetryIncrement: 1 }
   */
  readonly retryBudget?: RetryBudgetOptions | false;
  /**
   * In a browser, start no request while the page is hidden (Page Visibility API) and poll every
   * followed task at once when it is shown again. Without a global `document` it does nothing.
   * @default true
   */
  readonly pauseWhenHidden?: boolean;
}

/** @internal The client options, validated, with defaults filled in. */
export interface NormalisedClientOptions {
  /** What every poll loop of the client shares (`hints` removed: the client routes them). */
  readonly poll: NormalisedOptions;
  readonly maxConcurrent: number;
  readonly maxRequestsPerSecond: number | undefined;
  readonly cacheTtl: number;
  readonly cacheSize: number;
  readonly hints: Observable<unknown> | undefined;
  readonly hub: TaskHub | undefined;
  readonly retryBudget: Required<RetryBudgetOptions> | false;
  readonly pauseWhenHidden: boolean;
}

/** @internal Defaults of the client-only fields. */
export const CLIENT_DEFAULTS = { maxConcurrent: 16, cacheTtl: 5 * 60_000, cacheSize: 1000, pauseWhenHidden: true } as const;

function fail(field: string, rule: string, value: unknown): never {
  const shown = typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
  throw new TypeError(`${field} must be ${rule}, got ${shown}`);
}

function count(field: string, value: unknown, min: number, allowInfinity: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !((Number.isInteger(value) && value >= min) || (allowInfinity && value === Infinity))) {
    fail(field, `a whole number ≥ ${min}${allowInfinity ? ' or Infinity' : ''}`, value);
  }
  return value;
}

function normaliseBudget(budget: unknown): Required<RetryBudgetOptions> | false {
  if (budget === false) return false;
  if (budget !== undefined && (typeof budget !== 'object' || budget === null)) fail('retryBudget', 'an object or false', budget);
  const b = (budget ?? {}) as RetryBudgetOptions;
  const d = RETRY_BUDGET_DEFAULTS;
  return {
    capacity: checkMs('retryBudget.capacity', b.capacity) ?? d.capacity,
    retryCost: checkMs('retryBudget.retryCost', b.retryCost) ?? d.retryCost,
    timeoutRetryCost: checkMs('retryBudget.timeoutRetryCost', b.timeoutRetryCost) ?? d.timeoutRetryCost,
    noRetryIncrement: checkMs('retryBudget.noRetryIncrement', b.noRetryIncrement) ?? d.noRetryIncrement,
  };
}

/**
 * @internal Validates client options at call time (a `TypeError` naming the field) and fills in
 * defaults; the per-task options go through `normaliseOptions` once for all tasks.
 */
export function normaliseClientOptions(options: TaskClientOptions | undefined): NormalisedClientOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) fail('options', 'an object', options);
  const {
    maxConcurrent,
    maxRequestsPerSecond,
    cacheTtl,
    cacheSize,
    hints,
    hub,
    retryBudget,
    pauseWhenHidden,
    ...perTask
  } = options ?? {};
  const poll = normaliseOptions(perTask);
  if (maxRequestsPerSecond !== undefined && !(typeof maxRequestsPerSecond === 'number' && maxRequestsPerSecond > 0 && Number.isFinite(maxRequestsPerSecond))) {
    fail('maxRequestsPerSecond', 'a finite number > 0', maxRequestsPerSecond);
  }
  if (hints !== undefined && !isObservable(hints)) fail('hints', 'an Observable', hints);
  if (hub !== undefined) {
    if (typeof hub !== 'object' || hub === null) fail('hub', 'an object', hub);
    if (hub.hints !== undefined && !isObservable(hub.hints)) fail('hub.hints', 'an Observable', hub.hints);
    if (hub.follow !== undefined && typeof hub.follow !== 'function') fail('hub.follow', 'a function', hub.follow);
  }
  if (pauseWhenHidden !== undefined && typeof pauseWhenHidden !== 'boolean') fail('pauseWhenHidden', 'a boolean', pauseWhenHidden);
  return {
    poll,
    maxConcurrent: count('maxConcurrent', maxConcurrent, 1, true) ?? CLIENT_DEFAULTS.maxConcurrent,
    maxRequestsPerSecond,
    cacheTtl: checkMs('cacheTtl', cacheTtl, { allowInfinity: true }) ?? CLIENT_DEFAULTS.cacheTtl,
    cacheSize: count('cacheSize', cacheSize, 0, false) ?? CLIENT_DEFAULTS.cacheSize,
    hints,
    hub,
    retryBudget: normaliseBudget(retryBudget),
    pauseWhenHidden: pauseWhenHidden ?? CLIENT_DEFAULTS.pauseWhenHidden,
  };
}
