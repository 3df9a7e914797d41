import type { HttpValidationError } from '../codecs/http-validation-error.js';
import { HttpError, type HttpErrorOptions } from './http-error.js';

/**
 * The API answered 422 (FastAPI validation), e.g. for a malformed task id. `detail` holds
 * FastAPI's `[{ loc, msg, type }]` when the body has that shape. Not retried.
 *
 * @example
 * ```ts
 * if (isRequestValidationError(e)) for (const d of e.detail) console.error(d.loc.join('.'), d.msg)
 * ```
 */
export class RequestValidationError extends HttpError {
  override readonly name = 'RequestValidationError';
  /** FastAPI's validation findings (empty when the body had another shape). */
  readonly detail: HttpValidationError['detail'];

  constructor(detail: HttpValidationError['detail'], options: HttpErrorOptions = {}) {
    const first = detail[0];
    super(422, options, first ? `HTTP 422: ${first.loc.join('.')}: ${first.msg}` : 'HTTP 422: request refused by validation');
    this.detail = detail;
  }
}

/**
 * True when `error` is a {@link RequestValidationError}: a 422 with FastAPI's `detail` list.
 *
 * @example
 * ```ts
 * if (isRequestValidationError(e)) for (const d of e.detail) console.error(d.loc.join('.'), d.msg)
 * ```
 */
export function isRequestValidationError(error: unknown): error is RequestValidationError {
  return error instanceof RequestValidationError;
}
