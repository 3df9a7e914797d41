import * as t from 'io-ts';
import { ValidationErrorDetail } from './validation-error-detail.js';

/**
 * A business success: `status: "SUCCESS"`, the generated document as base64 in `content_b64`
 * (or `contentB64`), and any other fields the API adds, kept as they are.
 */
export const BusinessSuccess = t.intersection(
  [
    t.type({ status: t.literal('SUCCESS') }),
    t.partial({ content_b64: t.union([t.string, t.null]), contentB64: t.union([t.string, t.null]) }),
  ],
  'BusinessSuccess',
);
/** A business success as it arrives on the wire. */
export type BusinessSuccess = t.TypeOf<typeof BusinessSuccess> & { readonly [field: string]: unknown };

/**
 * A business rejection (Celery `SUCCESS`, business `ERROR`): `errorCode`, `errorMessage` and
 * AFNOR-format `details` (an empty list when the API sends none).
 */
export const BusinessError = t.intersection(
  [
    t.type({ status: t.literal('ERROR'), errorCode: t.string, errorMessage: t.string }),
    t.partial({ details: t.union([t.array(ValidationErrorDetail), t.null]) }),
  ],
  'BusinessError',
);
/** A business rejection as it arrives on the wire. */
export type BusinessError = t.TypeOf<typeof BusinessError> & { readonly [field: string]: unknown };

/**
 * The result FactPulse puts in `result` when a task's Celery status is `SUCCESS`:
 * {@link BusinessSuccess} or {@link BusinessError}, told apart by `status`.
 *
 * @example
 * ```ts
 * BusinessResult.is({ status: 'ERROR', errorCode: 'E1', errorMessage: 'bad', details: [] }) // true
 * ```
 */
export const BusinessResult = t.union([BusinessSuccess, BusinessError], 'BusinessResult');
/** A business result as it arrives on the wire. */
export type BusinessResult = BusinessSuccess | BusinessError;
