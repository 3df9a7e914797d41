import { TaskStatusError, type TaskStatusErrorOptions } from './task-status-error.js';

/**
 * A response did not fit the expected codec (or was not JSON, or carried invalid base64).
 * `report` lists each mismatch as `path: expected T, got V`. Not retried.
 *
 * @example
 * ```ts
 * if (isDecodeError(e)) console.error(e.report.join('\n')) // "status: expected string, got 42"
 * ```
 */
export class DecodeError extends TaskStatusError {
  override readonly name = 'DecodeError';
  /** One line per mismatch: `path: expected T, got V`. */
  readonly report: readonly string[];

  constructor(report: readonly string[], options: TaskStatusErrorOptions & { readonly what?: string } = {}) {
    const shown = report.slice(0, 3).join('; ');
    const more = report.length > 3 ? ` (and ${report.length - 3} more)` : '';
    super(`${options.what ?? 'response'} does not fit the expected shape: ${shown}${more}`, options);
    this.report = report;
  }
}

/**
 * True when `error` is a {@link DecodeError}: an answer did not fit the expected shape (or named another task).
 *
 * @example
 * ```ts
 * if (isDecodeError(e)) log.error('FactPulse answered something unexpected', e.message)
 * ```
 */
export function isDecodeError(error: unknown): error is DecodeError {
  return error instanceof DecodeError;
}
