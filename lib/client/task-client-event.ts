import type { PollEvent } from '../poll-events.js';
import type { TaskHubEvent } from './task-hub.js';

/**
 * What `client.events$` emits, for metrics and logs: every {@link PollEvent} of every task
 * (`request-start`, `request-end` with its duration and status, `retry`), the hub's
 * ({@link TaskHubEvent}: `hub-role`, `hub-fallback`) plus the client's own.
 * No event ever carries a token or a request header.
 *
 * @example
 * ```ts
 * client.events$.subscribe((e) => {
 *   if (e.type === 'request-end') histogram.observe(e.duration)
 *   if (e.type === 'budget-exhausted') log.warn(`retry budget empty, ${e.taskId} fails at once`)
 * })
 * ```
 */
export type TaskClientEvent =
  | PollEvent
  | TaskHubEvent
  | {
      /** The shared retry budget refused a retry: the failure surfaces at once. */
      readonly type: 'budget-exhausted';
      readonly taskId: string;
      /** The class name of the failure that was not retried. */
      readonly error: string;
      /** Tokens left in the budget. */
      readonly available: number;
      readonly at: number;
    }
  | {
      /** A terminal transition was served from the cache, with no request. */
      readonly type: 'cache-hit';
      readonly taskId: string;
      readonly at: number;
    }
  | {
      /** The page was hidden (polling paused) or shown again (polling resumed at once). */
      readonly type: 'visibility';
      readonly hidden: boolean;
      readonly at: number;
    };
