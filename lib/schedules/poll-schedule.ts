import type { TransportResponse } from '../http/transport.js';
import type { TaskPhase, TaskState } from '../transitions.js';

/** What a {@link PollSchedule} is told when asked for the next delay. */
export interface PollContext {
  /** The task being polled. */
  readonly taskId: string;
  /** Requests sent for this task so far (retries included); at least 1 when asked. */
  readonly polls: number;
  /** ms since the stream was subscribed (`scheduler.now()` based). */
  readonly elapsed: number;
  /** The task's phase after the last response. */
  readonly phase: TaskPhase;
  /** ms since the task entered its current phase. */
  readonly inPhase: number;
  /** The last response (status, headers, parsed body). */
  readonly response?: TransportResponse;
  /**
   * The decoded state of the last good response (its `progress`, when the task reports
   * `meta.current` / `meta.total`), or undefined when there is none (e.g. after a retried error).
   */
  readonly state?: TaskState;
  /** An optional label for the kind of task (the `kind` option), so a schedule can learn per kind. */
  readonly kind?: string;
}

/** What a {@link PollSchedule} is told when a task it paced reaches a terminal phase. */
export interface PollOutcome {
  readonly taskId: string;
  /** The terminal phase. */
  readonly phase: TaskPhase;
  /** ms from subscribe to the response that showed the terminal phase. */
  readonly elapsed: number;
  /** Requests sent in all. */
  readonly polls: number;
  /** ms from subscribe to the first response that showed `started`, if one did. */
  readonly startedAt?: number;
  readonly kind?: string;
}

/**
 * Decides how long to wait, after a response, before the next poll of a task. Either a function
 * of the {@link PollContext} or an object whose `next` does that and whose optional `complete`
 * hears each task's outcome (so a schedule can learn). Returned delays are in ms; negative or
 * non-finite values are treated as 0. `Retry-After` and hints override any schedule.
 *
 * @example
 * ```ts
 * const everyTwoSeconds: PollSchedule = () => 2000
 * taskStatus$(id, { token, interval: everyTwoSeconds })
 * ```
 */
export type PollSchedule =
  | ((context: PollContext) => number)
  | {
      next(context: PollContext): number;
      complete?(outcome: PollOutcome): void;
    };
