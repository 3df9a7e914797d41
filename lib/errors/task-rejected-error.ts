import type { TaskRejectedState } from '../transitions.js';
import { TaskStatusError, type TaskStatusErrorOptions } from './task-status-error.js';

/**
 * Thrown by `result$` when the task ended with a business `ERROR` (e.g. an invoice refused by
 * validation). The AFNOR details are in `state.error.details`.
 *
 * @example
 * ```ts
 * client.result$(id).subscribe({ error: (e) => isTaskRejectedError(e) && console.table(e.state.error.details) })
 * ```
 */
export class TaskRejectedError extends TaskStatusError {
  override readonly name = 'TaskRejectedError';
  /** The terminal state of the task. */
  readonly state: TaskRejectedState;

  constructor(state: TaskRejectedState, options: TaskStatusErrorOptions = {}) {
    super(`task rejected: ${state.error.errorCode}: ${state.error.errorMessage}`, options);
    this.state = state;
  }
}

/**
 * True when `error` is a {@link TaskRejectedError}: `result$` saw a business `ERROR` (the invoice was refused).
 *
 * @example
 * ```ts
 * client.result$(id).subscribe({ error: (e) => { if (isTaskRejectedError(e)) show(e.message) } })
 * ```
 */
export function isTaskRejectedError(error: unknown): error is TaskRejectedError {
  return error instanceof TaskRejectedError;
}
