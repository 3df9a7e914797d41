import * as t from 'io-ts';

/** Known values of {@link ValidationErrorDetail} `level`. */
export type ValidationLevel = 'Error' | 'Warning';
/** Known values of {@link ValidationErrorDetail} `source`. */
export type ValidationSource =
  | 'schematron'
  | 'pdfa'
  | 'pydantic'
  | 'xmp'
  | 'signature'
  | 'afnor'
  | 'chorus_pro'
  | 'ereporting'
  | 'system';

// Values outside the documented sets are kept rather than refused: a new validator on the
// API side must not turn a readable rejection into a DecodeError.
const OpenString = t.string as unknown as t.Type<string & {}, string, unknown>;

/**
 * One AFNOR-format validation finding of a rejected invoice.
 *
 * @example
 * ```ts
 * if (t.state.phase === 'rejected') for (const d of t.state.error.details) console.log(d.item, d.reason)
 * ```
 */
export const ValidationErrorDetail = t.intersection(
  [
    t.type({ item: t.string, reason: t.string }),
    t.partial({
      level: t.union([t.literal('Error'), t.literal('Warning'), OpenString]),
      source: t.union([OpenString, t.null]),
      code: t.union([t.string, t.null]),
    }),
  ],
  'ValidationErrorDetail',
);
/** One validation finding: `item`, `reason`, and optionally `level`, `source`, `code`. */
export interface ValidationErrorDetail {
  readonly item: string;
  readonly reason: string;
  readonly level?: ValidationLevel | (string & {});
  readonly source?: ValidationSource | (string & {}) | null;
  readonly code?: string | null;
}
