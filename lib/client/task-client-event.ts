import type { PollEvent } from '../poll-events.js';
import type { TaskPhase } from '../transitions.js';
import type { TaskHubEvent } from './task-hub.js';

/**
 * What `client.events$` emits, for metrics and logs: every {@link PollEvent} of every task
 * (`request-start`, `request-end` with its duration and status, `retry`), the hub's
 * ({@link TaskHubEvent}: `hub-role`, `hub-fallback`) plus the client's own (a task followed,
 * its transitions, its end; the retry budget, the cache, the page's visibility).
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
      /**
       * The client started following a task (its first subscriber came); `resumed` when it comes
       * back within `resumeWindow` and continues where it left off.
       */
      readonly type: 'task-start';
      readonly taskId: string;
      readonly resumed: boolean;
      readonly at: number;
    }
  | {
      /**
       * The task made a transition (what `status$` emits, without its state: only the phases,
       * the Celery status and the progress ratio).
       */
      readonly type: 'transition';
      readonly taskId: string;
      readonly from: TaskPhase | null;
      readonly to: TaskPhase;
      /** The Celery status as received (`PENDING`, `PROGRESS`, `FAILURE`, …). */
      readonly celeryStatus: string;
      /** `state.progress.ratio` when the task reports progress. */
      readonly progress?: number;
      /** Requests sent for the task so far. */
      readonly polls: number;
      /** ms since the client first followed the task (across resumes), on its monotonic clock. */
      readonly elapsed: number;
      readonly at: number;
    }
  | {
      /**
       * The client stopped following a task: after its terminal transition (`outcome` is the
       * phase), when its stream errored (`error`: the class name), when its last subscriber left
       * (`unsubscribed`), or on `dispose()`.
       */
      readonly type: 'task-end';
      readonly taskId: string;
      readonly outcome: 'succeeded' | 'rejected' | 'failed' | 'error' | 'unsubscribed' | 'disposed';
      readonly error?: string;
      readonly polls: number;
      /** ms since the client first followed the task (across resumes). */
      readonly elapsed: number;
      readonly at: number;
    }
  | {
      /** The page was hidden (polling paused) or shown again (polling resumed at once). */
      readonly type: 'visibility';
      readonly hidden: boolean;
      readonly at: number;
    };
