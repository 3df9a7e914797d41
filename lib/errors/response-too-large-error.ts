import { TaskStatusError, type TaskStatusErrorOptions } from './task-status-error.js';

/** The response body is larger than `maxResponseBytes`; reading stopped at the limit. Not retried. */
export class ResponseTooLargeError extends TaskStatusError {
  override readonly name = 'ResponseTooLargeError';
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  constructor(limit: number, options: TaskStatusErrorOptions = {}) {
    super(`response body exceeds maxResponseBytes (${limit} bytes)`, options);
    this.limit = limit;
  }
}

/**
 * True when `error` is a {@link ResponseTooLargeError}: an answer was larger than `maxResponseBytes`.
 *
 * @example
 * ```ts
 * if (isResponseTooLargeError(e)) console.error('raise maxResponseBytes for this document?', e.message)
 * ```
 */
export function isResponseTooLargeError(error: unknown): error is ResponseTooLargeError {
  return error instanceof ResponseTooLargeError;
}
