import { TaskStatusError, type TaskStatusErrorOptions } from './task-status-error.js';

/** Context of an {@link HttpError}. */
export interface HttpErrorOptions extends TaskStatusErrorOptions {
  /** The response body: decoded JSON when it parsed, else the text (shortened). */
  readonly body?: unknown;
  /** Response headers, lower-case names (never request headers, so never the token). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The API answered with a status the pipeline does not accept (after any retries of
 * transient statuses 408, 429, 500, 502, 503, 504).
 *
 * @example
 * ```ts
 * if (isHttpError(e) && e.status === 404) console.error('no such endpoint', e.body)
 * ```
 */
export class HttpError extends TaskStatusError {
  override readonly name: string = 'HttpError';
  /** The HTTP status code. */
  readonly status: number;
  /** The decoded body (see {@link HttpErrorOptions.body}). */
  readonly body: unknown;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, options: HttpErrorOptions = {}, message = `HTTP ${status}`) {
    super(message, options);
    this.status = status;
    this.body = options.body;
    this.headers = options.headers ?? {};
  }
}

/**
 * True when `error` is an {@link HttpError} (including {@link AuthError} and {@link RequestValidationError}).
 *
 * @example
 * ```ts
 * if (isHttpError(e) && e.status === 404) console.error('wrong baseUrl?', e.body)
 * ```
 */
export function isHttpError(error: unknown): error is HttpError {
  return error instanceof HttpError;
}
