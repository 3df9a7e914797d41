import { TaskStatusError, type TaskStatusErrorOptions } from './task-status-error.js';

/**
 * The request could not be sent or its response could not be read (connection refused or reset,
 * DNS failure, body cut short). Retried as transient.
 */
export class NetworkError extends TaskStatusError {
  override readonly name = 'NetworkError';

  constructor(message: string, options: TaskStatusErrorOptions = {}) {
    super(message, options);
  }
}

/**
 * True when `error` is a {@link NetworkError}: no response (refused, reset, DNS), after the retries.
 *
 * @example
 * ```ts
 * if (isNetworkError(e)) show('FactPulse cannot be reached; is the network up?')
 * ```
 */
export function isNetworkError(error: unknown): error is NetworkError {
  return error instanceof NetworkError;
}
