import type { Observable } from 'rxjs';
import type { TaskTransition } from '../transitions.js';

/**
 * The seam a cross-process hub (e.g. `factpulse-rx/redis`'s `createRedisTaskHub`) plugs into a
 * task client, so that many processes following the same task cost one poll loop between them.
 * Both members are optional; the client never closes a hub (its owner does).
 *
 * - `hints`: events naming tasks, received by any process (a webhook delivered elsewhere), routed
 *   exactly like the client's own `hints` option: each one polls the named task at once if this
 *   client follows it.
 * - `follow(taskId, poll$)`: wraps the client's poll loop of one task. `poll$` is the local loop
 *   (cold; subscribing starts it). A hub may subscribe to it and publish what it emits (this
 *   process polls), or instead emit the transitions another process publishes (no request here),
 *   or mix both (take over when the other poller disappears). It must follow `poll$`'s contract:
 *   emit on change of phase, complete after a terminal transition, and release everything on
 *   unsubscribe. The client shares, caches and counts what it returns like its own loop.
 *
 * @example
 * ```ts
 * const hub: TaskHub = {
 *   hints: webhookEvents$,
 *   follow: (taskId, poll$) => poll$.pipe(tap((t) => redis.publish(`task:${taskId}`, JSON.stringify(t)))),
 * }
 * const client = createTaskClient({ token, hub })
 * ```
 */
export interface TaskHub {
  /** Events naming task ids (see `hintTaskId`); each polls the named task at once. */
  readonly hints?: Observable<unknown> | undefined;
  /**
   * Wraps the poll loop of `taskId`; the identity when absent. `context` reports the hub's own
   * events (role changes, fallbacks) on the client's `events$`.
   */
  follow?(taskId: string, poll$: Observable<TaskTransition>, context: TaskHubContext): Observable<TaskTransition>;
  /**
   * A request budget shared by every process using the hub. A client created with
   * `maxRequestsPerSecond` calls it once and then waits for {@link TaskHubBudget.permit} before
   * each request (after its own per-process bucket, which stays the budget whenever the hub cannot
   * count for the fleet).
   */
  requestBudget?(limit: TaskHubBudgetLimit, context: TaskHubContext): TaskHubBudget;
}

/**
 * The budget a client asks a hub to enforce across the fleet (see {@link TaskHub.requestBudget}):
 * `perSecond` is the client's `maxRequestsPerSecond`, `burst` its `maxRequestsBurst`.
 *
 * @example
 * ```ts
 * const budget = hub.requestBudget?.({ perSecond: 5, burst: 5 }, context)
 * ```
 */
export interface TaskHubBudgetLimit {
  /** Requests per second for the whole fleet. */
  readonly perSecond: number;
  /** Requests that may go at once after the budget was idle. */
  readonly burst: number;
}

/**
 * A fleet-wide request budget handed out by a hub (see {@link TaskHub.requestBudget}).
 *
 * @example
 * ```ts
 * const send$ = budget.permit().pipe(take(1), concatMap(() => request$))
 * ```
 */
export interface TaskHubBudget {
  /**
   * Emits once when one more request may be sent (then completes). Unsubscribing before leaves
   * the queue. When the hub cannot count for the fleet (its backend is down), it emits at once:
   * the client's own per-process budget then applies.
   */
  permit(): Observable<unknown>;
  /** Stops the budget's timers (the client calls it on `dispose()`). */
  close(): void;
}

/**
 * What a hub reports about one task on the client's `events$` (see {@link TaskHubContext}).
 *
 * - `hub-role`: this process now polls the task for everyone (`poller`, it holds the task's
 *   lease) or emits what another process publishes (`follower`, no request here).
 * - `hub-fallback`: the hub's backend (e.g. Redis) is unreachable, so this process polls the task
 *   itself, as if there were no hub; `error` is the failure's class name, `reason` a short message.
 *
 * @example
 * ```ts
 * client.events$.subscribe((e) => {
 *   if (e.type === 'hub-fallback') log.warn(`hub down (${e.reason}); polling ${e.taskId} locally`)
 * })
 * ```
 */
export type TaskHubEvent =
  | {
      readonly type: 'hub-role';
      readonly taskId: string;
      readonly role: 'poller' | 'follower';
      readonly at: number;
    }
  | {
      readonly type: 'hub-fallback';
      readonly taskId: string;
      readonly error: string;
      readonly reason: string;
      readonly at: number;
    };

/**
 * What a client hands to `hub.follow` with each loop: its clock and a way to report
 * {@link TaskHubEvent}s on its `events$`.
 *
 * @example
 * ```ts
 * const hub: TaskHub = {
 *   follow: (taskId, poll$, { now, report }) => {
 *     report({ type: 'hub-role', taskId, role: 'poller', at: now() })
 *     return poll$
 *   },
 * }
 * ```
 */
export interface TaskHubContext {
  /** The client's `scheduler.now()`. */
  now(): number;
  /** Emits `event` on the client's `events$`. */
  report(event: TaskHubEvent): void;
}
