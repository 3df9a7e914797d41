import * as t from 'io-ts';

/**
 * The Celery states FactPulse documents, plus `REVOKED` which real Celery backends emit.
 * Task payloads may also carry custom states (`PROGRESS`, …): {@link AsyncTaskStatus} accepts
 * any string, this codec names the known ones.
 *
 * @example
 * ```ts
 * CeleryStatus.is('PENDING') // true
 * ```
 */
export const CeleryStatus = t.keyof(
  { PENDING: null, STARTED: null, RETRY: null, SUCCESS: null, FAILURE: null, REVOKED: null },
  'CeleryStatus',
);
/** A known Celery state. */
export type CeleryStatus = t.TypeOf<typeof CeleryStatus>;
