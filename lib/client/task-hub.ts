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
  readonly hints?: Observable<unknown>;
  /** Wraps the poll loop of `taskId`; the identity when absent. */
  follow?(taskId: string, poll$: Observable<TaskTransition>): Observable<TaskTransition>;
}
