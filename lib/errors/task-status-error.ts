/** Options shared by every {@link TaskStatusError} constructor. */
export interface TaskStatusErrorOptions {
  /** The task being followed when the error happened (`undefined` outside a task stream). */
  readonly taskId?: string | undefined;
  /** The underlying error or value, when there is one. */
  readonly cause?: unknown;
}

/**
 * Base class of every error factpulse-rx emits on a stream's error channel.
 *
 * Every subclass sets `name` to its class name, carries the `taskId` it concerns and the
 * original error in `cause`. Messages never contain a bearer token.
 *
 * @example
 * ```ts
 * taskStatus$(id, { token }).subscribe({
 *   error: (e) => { if (isTaskStatusError(e)) console.error(e.name, e.taskId, e.message) },
 * })
 * ```
 */
export class TaskStatusError extends Error {
  override readonly name: string = 'TaskStatusError';
  /** The task id this error concerns, if any. */
  readonly taskId: string | undefined;

  constructor(message: string, options: TaskStatusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.taskId = options.taskId;
    // Keep `instanceof` working when compiled to ES5-style classes by other toolchains.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * True when `error` is any factpulse-rx error (every class above extends {@link TaskStatusError}).
 *
 * @example
 * ```ts
 * if (isTaskStatusError(e)) console.error(e.name, e.taskId, e.message)
 * else throw e // not ours
 * ```
 */
export function isTaskStatusError(error: unknown): error is TaskStatusError {
  return error instanceof TaskStatusError;
}
