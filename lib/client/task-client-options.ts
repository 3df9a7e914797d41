import type { Observable } from 'rxjs';
import { checkBoolean, checkFunction, checkNumber, checkObject, checkObservable } from '../option-checks.js';
import { normaliseOptions, type NormalisedOptions, type TaskStatusOptions } from '../options.js';
import { RETRY_BUDGET_DEFAULTS, type RetryBudgetOptions } from './retry-budget.js';
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
   * once, and the next request goes when the loop meant to send it: `interval` after the last
   * answer, or what the server's `Retry-After` asked (a hint: no sooner than `hintFloor` after
   * the last request), so subscribe/unsubscribe churn (a component mounted and unmounted,
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

function normaliseBudget(budget: RetryBudgetOptions | false | undefined): Required<RetryBudgetOptions> | false {
  if (budget === false) return false;
  const b: RetryBudgetOptions = checkObject('retryBudget', budget, 'an object or false');
  const d = RETRY_BUDGET_DEFAULTS;
  return {
    capacity: checkNumber('retryBudget.capacity', b.capacity) ?? d.capacity,
    retryCost: checkNumber('retryBudget.retryCost', b.retryCost) ?? d.retryCost,
    timeoutRetryCost: checkNumber('retryBudget.timeoutRetryCost', b.timeoutRetryCost) ?? d.timeoutRetryCost,
    noRetryIncrement: checkNumber('retryBudget.noRetryIncrement', b.noRetryIncrement) ?? d.noRetryIncrement,
  };
}

/** @internal A duration in ms: a number ≥ 0, `Infinity` meaning none. */
const MS = { infinity: true } as const;

/**
 * @internal Validates client options at call time (a `TypeError` naming the field) and fills in
 * defaults; the per-task options go through `normaliseOptions` once for all tasks.
 */
export function normaliseClientOptions(options: TaskClientOptions | undefined): NormalisedClientOptions {
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
  } = checkObject('options', options);
  const poll = normaliseOptions(perTask);
  checkNumber('maxRequestsPerSecond', maxRequestsPerSecond, { above: true });
  checkNumber('maxRequestsBurst', maxRequestsBurst, { min: 1 });
  checkObservable('hints', hints);
  if (hub !== undefined) {
    const h: Partial<TaskHub> = checkObject('hub', hub);
    checkObservable('hub.hints', h.hints);
    checkFunction('hub.follow', h.follow);
    checkFunction('hub.requestBudget', h.requestBudget);
  }
  checkBoolean('pauseWhenHidden', pauseWhenHidden);
  return {
    poll,
    maxConcurrent: checkNumber('maxConcurrent', maxConcurrent, { min: 1, integer: true, infinity: true }) ?? CLIENT_DEFAULTS.maxConcurrent,
    maxRequestsPerSecond,
    maxRequestsBurst,
    cacheTtl: checkNumber('cacheTtl', cacheTtl, MS) ?? CLIENT_DEFAULTS.cacheTtl,
    cacheSize: checkNumber('cacheSize', cacheSize, { integer: true }) ?? CLIENT_DEFAULTS.cacheSize,
    hints,
    hub,
    retryBudget: normaliseBudget(retryBudget),
    pauseWhenHidden: pauseWhenHidden ?? CLIENT_DEFAULTS.pauseWhenHidden,
    resumeWindow:
      checkNumber('resumeWindow', resumeWindow, MS) ??
      Math.max(CLIENT_DEFAULTS.resumeWindow, typeof poll.interval === 'number' && Number.isFinite(poll.interval) ? poll.interval : 0),
  };
}

/**
 * Validates `createTaskClient` options without creating a client: throws the `TypeError` (naming
 * the bad option) that `createTaskClient` would throw, and does nothing else. For code that takes
 * client options early and creates the client later (the Angular provider checks its options when
 * `provideFactPulseTasks` is called, before any injector exists).
 *
 * @example
 * ```ts
 * checkTaskClientOptions({ interval: -1 }) // TypeError: interval: must be a number ≥ 0 or Infinity, …
 * ```
 */
export function checkTaskClientOptions(options: TaskClientOptions | undefined): void {
  normaliseClientOptions(options);
}
