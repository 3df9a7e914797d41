import { TaskStatusError, type TaskStatusErrorOptions } from './task-status-error.js';

/** No complete response arrived within `requestTimeout` ms of sending the request. Retried as transient. */
export class RequestTimeoutError extends TaskStatusError {
  override readonly name = 'RequestTimeoutError';
  /** The timeout that elapsed, in ms. */
  readonly timeout: number;
  constructor(timeout: number, options: TaskStatusErrorOptions = {}) {
    super(`no response within ${timeout} ms`, options);
    this.timeout = timeout;
  }
}

/**
 * True when `error` is a {@link RequestTimeoutError}: a request took longer than `requestTimeout`, after the retries.
 *
 * @example
 * ```ts
 * if (isRequestTimeoutError(e)) show('FactPulse is slow to answer; try again')
 * ```
 */
export function isRequestTimeoutError(error: unknown): error is RequestTimeoutError {
  return error instanceof RequestTimeoutError;
}
