import { TaskStatusError, type TaskStatusErrorOptions } from './task-status-error.js';

/** The task did not reach a terminal phase within the `deadline` option. */
export class DeadlineError extends TaskStatusError {
  override readonly name = 'DeadlineError';
  /** The deadline that elapsed, in ms. */
  readonly deadline: number;
  constructor(deadline: number, options: TaskStatusErrorOptions = {}) {
    super(`task did not finish within the deadline of ${deadline} ms`, options);
    this.deadline = deadline;
  }
}

/**
 * True when `error` is a {@link DeadlineError}: the task outlived the `deadline` option.
 *
 * @example
 * ```ts
 * if (isDeadlineError(e)) show(`still running after ${e.message}; check again later`)
 * ```
 */
export function isDeadlineError(error: unknown): error is DeadlineError {
  return error instanceof DeadlineError;
}
