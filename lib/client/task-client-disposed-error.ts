import { TaskStatusError, type TaskStatusErrorOptions } from '../errors/task-status-error.js';

/**
 * The error every open `status$` / `result$` / `follow` stream of a task client ends with when
 * `client.dispose()` is called, and the error thrown by any call on a disposed client.
 *
 * @example
 * ```ts
 * client.status$(id).subscribe({ error: (e) => isTaskClientDisposedError(e) || console.error(e) })
 * client.dispose()
 * ```
 */
export class TaskClientDisposedError extends TaskStatusError {
  override readonly name = 'TaskClientDisposedError';

  constructor(options: TaskStatusErrorOptions = {}) {
    super('the task client was disposed', options);
  }
}

/**
 * True when `error` is a {@link TaskClientDisposedError}: the client was disposed while the stream ran.
 *
 * @example
 * ```ts
 * client.status$(id).subscribe({ error: (e) => { if (!isTaskClientDisposedError(e)) console.error(e) } })
 * ```
 */
export function isTaskClientDisposedError(error: unknown): error is TaskClientDisposedError {
  return error instanceof TaskClientDisposedError;
}
