import * as t from 'io-ts';

/**
 * FastAPI's 422 body: `{ detail: [{ loc, msg, type }] }`, e.g. for a task id that is not a UUID.
 *
 * @example
 * ```ts
 * HttpValidationError.is({ detail: [{ loc: ['path', 'task_id'], msg: 'bad', type: 'uuid_parsing' }] }) // true
 * ```
 */
export const HttpValidationError = t.type(
  {
    detail: t.array(
      t.type({ loc: t.array(t.union([t.string, t.number])), msg: t.string, type: t.string }),
    ),
  },
  'HttpValidationError',
);
/** A decoded FastAPI validation error body. */
export type HttpValidationError = t.TypeOf<typeof HttpValidationError>;
