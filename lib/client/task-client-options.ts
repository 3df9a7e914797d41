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
  readonly maxConcurrent?: number | undefined;
  /**
   * Requests sent per second across all tasks (a token bucket holding `max(1, n)` tokens, so a
   * burst of `n` may go at once). For quotas such as FactPulse's 1000 calls a day on test tokens.
   * @default undefined (no rate limit)
   */
  readonly maxRequestsPerSecond?: number | undefined;
  /**
   * Requests that may go at once after an idle spell, under `maxRequestsPerSecond` (the bucket's
   * size). With a `hub` that counts for the fleet (`factpulse-rx/redis`), both are the budget of
   * every process sharing it together.
   * @default max(1, maxRequestsPerSecond)
   */
  readonly maxRequestsBurst?: number | undefined;
  /**
   * ms a terminal transition stays cached, so later `status$` / `result$` of that task cost no
   * request. `0` turns the cache off.
   * @default 300000 (5 minutes)
   */
  readonly cacheTtl?: number | undefined;
  /**
   * Terminal transitions cached at most; the least recently used is evicted. `0` turns the cache off.
   * @default 1000
   */
  readonly cacheSize?: number | undefined;
  /**
   * Events naming task ids — a string id, or an object with `data.taskId` / `data.task_id` (a
   * FactPulse webhook), or `taskId` / `task_id` at top level. Each polls the named task at once
   * if the client follows it; others are ignored. Errors of this source are ignored.
   * @default undefined
   */
  readonly hints?: Observable<unknown> | undefined;
  /**
   * A cross-process hub (see {@link TaskHub}), e.g. `createRedisTaskHub` from `factpulse-rx/redis`.
   * @default undefined
   */
  readonly hub?: TaskHub | undefined;
  /**
   * ms the client keeps a task's latest transition and the time of its last request and response
   * after its last subscriber left. A subscriber that comes back within it gets that transition at
   * once, and the next request goes no sooner than `interval` after the last one (a hint: no
   * sooner than `hintFloor`), so subscribe/unsubscribe churn (a component mounted and unmounted,
   * a browser tab reconnecting its websocket) costs no request. At most 10 000 tasks are kept, the
   * least recently left one dropped first. `0` turns it off (each new subscriber polls at once).
   * @default 30000 (30 s), or the `interval` when it is a longer number
   */
  readonly resumeWindow?: number | undefined;
  /**
   * The retry budget shared by all tasks (AWS SDK-style retry quota); `false` turns it off, so
   * every task retries up to `retry.maxRetries` whatever the others do.
   * @default { capacity: 500, retryCost: 5, timeoutRetryCost: 10, noRetryIncrement: 1 }
   */
  readonly retryBudget?: RetryBudgetOptions | false | undefined;
  /**
   * In a browser, start no request while the page is hidden (Page Visibility API) and poll every
   * followed task at once when it is shown again. Without a global `document` it does nothing.
   * @default true
   */
  readonly pauseWhenHidden?: boolean | undefined;
}

/** @internal The client options, validated, with defaults filled in. */
export interface NormalisedClientOptions {
  /** What every poll loop of the client shares (`hints` removed: the client routes them). */
  readonly poll: NormalisedOptions;
  readonly maxConcurrent: number;
  readonly maxRequestsPerSecond: number | undefined;
  readonly maxRequestsBurst: number | undefined;
  readonly cacheTtl: number;
  readonly cacheSize: number;
  readonly hints: Observable<unknown> | undefined;
  readonly hub: TaskHub | undefined;
  readonly retryBudget: Required<RetryBudgetOptions> | false;
  readonly pauseWhenHidden: boolean;
  readonly resumeWindow: number;
}

/** @internal Defaults of the client-only fields. */
export const CLIENT_DEFAULTS = { maxConcurrent: 16, cacheTtl: 5 * 60_000, cacheSize: 1000, pauseWhenHidden: true, resumeWindow: 30_000 } as const;

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
    maxRequestsBurst,
    cacheTtl,
    cacheSize,
    hints,
    hub,
    retryBudget,
    pauseWhenHidden,
    resumeWindow,
    ...perTask
  } = options ?? {};
  const poll = normaliseOptions(perTask);
  if (maxRequestsPerSecond !== undefined && !(typeof maxRequestsPerSecond === 'number' && maxRequestsPerSecond > 0 && Number.isFinite(maxRequestsPerSecond))) {
    fail('maxRequestsPerSecond', 'a finite number > 0', maxRequestsPerSecond);
  }
  if (maxRequestsBurst !== undefined && !(typeof maxRequestsBurst === 'number' && maxRequestsBurst >= 1 && Number.isFinite(maxRequestsBurst))) {
    fail('maxRequestsBurst', 'a finite number ≥ 1', maxRequestsBurst);
  }
  if (hints !== undefined && !isObservable(hints)) fail('hints', 'an Observable', hints);
  if (hub !== undefined) {
    if (typeof hub !== 'object' || hub === null) fail('hub', 'an object', hub);
    if (hub.hints !== undefined && !isObservable(hub.hints)) fail('hub.hints', 'an Observable', hub.hints);
    if (hub.follow !== undefined && typeof hub.follow !== 'function') fail('hub.follow', 'a function', hub.follow);
    if (hub.requestBudget !== undefined && typeof hub.requestBudget !== 'function') fail('hub.requestBudget', 'a function', hub.requestBudget);
  }
  if (pauseWhenHidden !== undefined && typeof pauseWhenHidden !== 'boolean') fail('pauseWhenHidden', 'a boolean', pauseWhenHidden);
  return {
    poll,
    maxConcurrent: count('maxConcurrent', maxConcurrent, 1, true) ?? CLIENT_DEFAULTS.maxConcurrent,
    maxRequestsPerSecond,
    maxRequestsBurst,
    cacheTtl: checkMs('cacheTtl', cacheTtl, { allowInfinity: true }) ?? CLIENT_DEFAULTS.cacheTtl,
    cacheSize: count('cacheSize', cacheSize, 0, false) ?? CLIENT_DEFAULTS.cacheSize,
    hints,
    hub,
    retryBudget: normaliseBudget(retryBudget),
    pauseWhenHidden: pauseWhenHidden ?? CLIENT_DEFAULTS.pauseWhenHidden,
    resumeWindow:
      checkMs('resumeWindow', resumeWindow, { allowInfinity: true }) ??
      Math.max(CLIENT_DEFAULTS.resumeWindow, typeof poll.interval === 'number' && Number.isFinite(poll.interval) ? poll.interval : 0),
  };
}
