import * as t from 'io-ts';
import { ValidationErrorDetail } from './validation-error-detail.js';

/**
 * The body of FactPulse error responses (401 and others): either the API's own
 * `{ errorCode, errorMessage, details? }` or FastAPI's `{ detail: string }`.
 *
 * @example
 * ```ts
 * if (isHttpError(e) && ApiError.is(e.body)) console.log(e.body)
 * ```
 */
export const ApiError = t.union(
  [
    t.intersection([
      t.type({ errorCode: t.string, errorMessage: t.string }),
      t.partial({ details: t.array(ValidationErrorDetail) }),
    ]),
    t.type({ detail: t.string }),
  ],
  'ApiError',
);
/** A decoded API error body. */
export type ApiError = t.TypeOf<typeof ApiError>;
