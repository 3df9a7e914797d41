import { TaskStatusError, type TaskStatusErrorOptions } from './task-status-error.js';

/** The task stayed `pending` for longer than the `stallAfter` option allows. */
export class StalledError extends TaskStatusError {
  override readonly name = 'StalledError';
  /** The `stallAfter` limit that elapsed, in ms. */
  readonly stallAfter: number;
  constructor(stallAfter: number, options: TaskStatusErrorOptions = {}) {
    super(`task stayed pending for more than ${stallAfter} ms`, options);
    this.stallAfter = stallAfter;
  }
}

/**
 * True when `error` is a {@link StalledError}: the task stayed `pending` longer than `stallAfter`.
 *
 * @example
 * ```ts
 * if (isStalledError(e)) show('no worker picked the task up; is the queue running?')
 * ```
 */
export function isStalledError(error: unknown): error is StalledError {
  return error instanceof StalledError;
}
