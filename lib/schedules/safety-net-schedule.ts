import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { hintTaskId } from '../client/hint-task-id.js';
import type { PollContext, PollOutcome, PollSchedule } from './poll-schedule.js';
import { checkInterval, resolveSchedule, type ResolvedSchedule } from './resolve-schedule.js';
import { checkBoolean, checkNumber, checkObject, checkScheduler } from '../option-checks.js';
import { LruCache } from '../client/lru-cache.js';

/**
 * Options of {@link safetyNetSchedule}. All optional.
 *
 * @example
 * ```ts
 * const config: SafetyNetScheduleConfig = { interval: 2500, safetyNet: 60_000, freshFor: 15 * 60_000 }
 * ```
 */
export interface SafetyNetScheduleConfig {
  /**
   * The schedule while webhooks are not known to arrive: a number of ms or any `PollSchedule`
   * (its `complete` still hears every outcome).
   * @default 2500
   */
  readonly interval?: number | PollSchedule;
  /**
   * The wait (ms) after each response while webhooks arrive: polling is only the safety net then.
   * A longer wait from `interval` is kept.
   * @default 30000
   */
  readonly safetyNet?: number;
  /**
   * How long (ms) after the last webhook the channel still counts as working.
   * @default 600000 (10 minutes)
   */
  readonly freshFor?: number;
  /**
   * Count the channel as working from the start (for `freshFor`), before any webhook arrived.
   * @default false
   */
  readonly assumeLive?: boolean;
  /**
   * When a task followed while the channel counted as working ends without a webhook having named
   * it (the poll saw the end first, so a webhook went missing or is late), stop counting the
   * channel as working until the next webhook. Turn off when the same client also follows tasks
   * submitted without a `callbackUrl`.
   * @default true
   */
  readonly revertOnMiss?: boolean;
  /**
   * Tasks named by webhooks remembered (for `revertOnMiss`), oldest forgotten first.
   * @default 1000
   */
  readonly maxRemembered?: number;
  /**
   * The clock (`scheduler.now()`).
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
}

/**
 * A `PollSchedule` that slows to a safety-net pace while webhooks arrive; see {@link safetyNetSchedule}.
 *
 * @example
 * ```ts
 * const schedule: SafetyNetSchedule = safetyNetSchedule({ safetyNet: 60_000 })
 * schedule.isLive() // false until a webhook is heard
 * ```
 */
export interface SafetyNetSchedule {
  /** The wait before the next poll: `max(interval, safetyNet)` while live, else `interval`'s. */
  next(context: PollContext): number;
  /** Passes the outcome to `interval`; with `revertOnMiss`, notes a task that ended without its webhook. */
  complete(outcome: PollOutcome): void;
  /**
   * Records that a webhook arrived now; the event, when given, names its task (as `hintTaskId`
   * reads it). A plain function (no `this`): pass it as the webhook handler's `onEvent`.
   */
  readonly heard: (event?: unknown) => void;
  /** Whether webhooks count as arriving now. */
  isLive(): boolean;
}

const DEFAULTS = { interval: 2500, safetyNet: 30_000, freshFor: 600_000, maxRemembered: 1000 } as const;

/**
 * The poll schedule for a client fed by webhooks (`factpulse-rx/webhook`): while webhooks arrive
 * (one was heard within `freshFor` ms), each task waits at least `safetyNet` ms between polls —
 * the webhook's hint polls it at once when it ends, and the slow poll only catches a webhook that
 * never comes. Otherwise it polls on `interval` as usual, so a broken webhook channel costs
 * promptness for at most `freshFor`, never a task. With `revertOnMiss` (the default), a task that
 * ends without its webhook puts the schedule back on `interval` at once, until the next webhook.
 *
 * Tell it of each webhook with `heard(event)` — most simply as the webhook handler's `onEvent`,
 * which runs before the event polls its task, for every webhook, whether or not a task is
 * followed at that moment. Options are validated now (a `TypeError` naming the bad one).
 *
 * @example
 * ```ts
 * import { createTaskClient, safetyNetSchedule } from 'factpulse-rx'
 * import { createWebhookHandler } from 'factpulse-rx/webhook'
 *
 * const schedule = safetyNetSchedule({ interval: 2500, safetyNet: 60_000 })
 * const webhook = createWebhookHandler({ secret, onEvent: schedule.heard })
 * const client = createTaskClient({ token, interval: schedule, hints: webhook.events$ })
 * ```
 */
export function safetyNetSchedule(config: SafetyNetScheduleConfig = {}): SafetyNetSchedule {
  const owner = 'safetyNetSchedule';
  checkObject(`${owner}: options`, config);
  const base: ResolvedSchedule = resolveSchedule(checkInterval(`${owner}: interval`, config.interval) ?? DEFAULTS.interval);
  const safetyNet = checkNumber(`${owner}: safetyNet`, config.safetyNet ?? DEFAULTS.safetyNet, { required: true });
  const freshFor = checkNumber(`${owner}: freshFor`, config.freshFor ?? DEFAULTS.freshFor, { required: true });
  const maxRemembered = checkNumber(`${owner}: maxRemembered`, config.maxRemembered ?? DEFAULTS.maxRemembered, { min: 1, required: true });
  const assumeLive = checkBoolean(`${owner}: assumeLive`, config.assumeLive) ?? false;
  const revertOnMiss = checkBoolean(`${owner}: revertOnMiss`, config.revertOnMiss) ?? true;
  const scheduler = checkScheduler(`${owner}: scheduler`, config.scheduler) ?? asyncScheduler;

  let lastHeard = assumeLive ? scheduler.now() : -Infinity;
  /** Tasks webhooks named, lower-case; the one named longest ago forgotten first. */
  const named = new LruCache<true>(maxRemembered);

  const isLive = (): boolean => scheduler.now() - lastHeard < freshFor;
  const heard = (event?: unknown): void => {
    lastHeard = scheduler.now();
    const id = hintTaskId(event);
    if (id === undefined) return;
    const key = id.toLowerCase();
    named.set(key, true);
  };

  return {
    next(context) {
      const wait = base.next(context);
      return isLive() ? Math.max(wait, safetyNet) : wait;
    },
    complete(outcome) {
      base.complete(outcome);
      const key = outcome.taskId.toLowerCase();
      if (named.delete(key)) return;
      if (revertOnMiss && isLive()) lastHeard = -Infinity;
    },
    heard,
    isLive,
  };
}

