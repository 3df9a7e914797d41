import type { TaskFailedState } from '../transitions.js';
import { TaskStatusError, type TaskStatusErrorOptions } from './task-status-error.js';

/**
 * Thrown by `result$` when the task ended in Celery `FAILURE` (or `REVOKED`). The state is in
 * `state`.
 *
 * @example
 * ```ts
 * client.result$(id).subscribe({ error: (e) => isTaskFailedError(e) && console.error(e.state.error.message) })
 * ```
 */
export class TaskFailedError extends TaskStatusError {
  override readonly name = 'TaskFailedError';
  /** The terminal state of the task. */
  readonly state: TaskFailedState;

  constructor(state: TaskFailedState, options: TaskStatusErrorOptions = {}) {
    super(`task failed: ${state.error.message}`, options);
    this.state = state;
  }
}

/**
 * True when `error` is a {@link TaskFailedError}: `result$` saw Celery `FAILURE` (or `REVOKED`).
 *
 * @example
 * ```ts
 * client.result$(id).subscribe({ error: (e) => { if (isTaskFailedError(e)) show(`failed: ${e.message}`) } })
 * ```
 */
export function isTaskFailedError(error: unknown): error is TaskFailedError {
  return error instanceof TaskFailedError;
}
