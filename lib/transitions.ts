import type { AsyncTaskStatus } from './codecs/async-task-status.js';
import { BusinessResult, type BusinessError, type BusinessSuccess } from './codecs/business-result.js';
import type { ValidationErrorDetail } from './codecs/validation-error-detail.js';
import { decodeBase64 } from './codecs/base64.js';
import { decodeWith } from './codecs/decode-with.js';
import { DecodeError } from './errors/decode-error.js';

/**
 * Where a task is in its life. `succeeded`, `rejected` and `failed` are terminal.
 *
 * ```
 * pending ──▶ started ──▶ succeeded | rejected | failed
 *    │          ▲  │
 *    │          │  ▼
 *    └───────▶ retrying
 * ```
 */
export type TaskPhase = 'pending' | 'started' | 'retrying' | 'succeeded' | 'rejected' | 'failed';

/** Celery `PENDING`: waiting (also what Celery reports for an id it does not know). */
export interface TaskPendingState {
  readonly phase: 'pending';
  readonly status: string;
}
/** Celery `STARTED` or a custom state such as `PROGRESS`, whose Celery result is in `meta`. */
export interface TaskStartedState {
  readonly phase: 'started';
  readonly status: string;
  /** The custom state's Celery result (e.g. `{ current, total }` for `PROGRESS`); absent for `STARTED`. */
  readonly meta?: unknown;
}
/** Celery `RETRY`: a temporary failure on the API side; the task will be tried again. */
export interface TaskRetryingState {
  readonly phase: 'retrying';
  readonly status: string;
  /** What the API said of the failure, if anything. */
  readonly meta?: unknown;
}
/**
 * The result fields of a success, with the base64 content removed (it is decoded into
 * `content`). For FactPulse this is the business result (`status: 'SUCCESS'` and the API's other
 * fields); for a generic Celery task that returned an object, that object; for any other value,
 * `{ value }`.
 */
export type SuccessResult = Omit<BusinessSuccess, 'content_b64' | 'contentB64'> | { readonly value: unknown; readonly [field: string]: unknown };
/** Celery `SUCCESS` with a business success. */
export interface TaskSucceededState {
  readonly phase: 'succeeded';
  readonly status: 'SUCCESS';
  /** The decoded `content_b64` (e.g. a Factur-X PDF); absent when the result carries none. */
  readonly content?: Uint8Array;
  /** The result's other fields. */
  readonly result: SuccessResult;
}
/** The business error carried by a rejection. */
export interface RejectionDetails {
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly details: readonly ValidationErrorDetail[];
}
/** Celery `SUCCESS` whose business result is `ERROR`: the invoice was refused. */
export interface TaskRejectedState {
  readonly phase: 'rejected';
  readonly status: 'SUCCESS';
  readonly error: RejectionDetails;
}
/** What a Celery `FAILURE` (or `REVOKED`) carried, decoded tolerantly. */
export interface FailureDetails {
  /** A readable message: the exception message when there is one, else a summary. */
  readonly message: string;
  /** The exception type, when the backend reported one (`exc_type`). */
  readonly type?: string;
  /** The Celery result as received. */
  readonly raw?: unknown;
}
/** Celery `FAILURE` (a system error) or `REVOKED`. */
export interface TaskFailedState {
  readonly phase: 'failed';
  readonly status: string;
  readonly error: FailureDetails;
}

/** A task's decoded state, discriminated on `phase`. */
export type TaskState =
  | TaskPendingState
  | TaskStartedState
  | TaskRetryingState
  | TaskSucceededState
  | TaskRejectedState
  | TaskFailedState;

/**
 * One change of phase of a task, as `taskStatus$` emits it.
 *
 * @example
 * ```ts
 * taskStatus$(id, { token }).subscribe((t) => console.log(`${t.from ?? '∅'} → ${t.to} after ${t.polls} polls`))
 * ```
 */
export interface TaskTransition<S extends TaskState = TaskState> {
  readonly taskId: string;
  /** The previous phase; `null` on the first emission. */
  readonly from: TaskPhase | null;
  /** The new phase (`=== state.phase`). */
  readonly to: S['phase'];
  /** The decoded state. */
  readonly state: S;
  /** `scheduler.now()` when the response that caused it arrived. */
  readonly at: number;
  /** Requests sent for this task so far (retries included). */
  readonly polls: number;
}

/** What `result$` emits: the decoded success of a task. */
export interface TaskSucceeded {
  readonly taskId: string;
  readonly content?: Uint8Array;
  readonly result: SuccessResult;
}

/**
 * True for the phases that end a task: `succeeded`, `rejected`, `failed`.
 *
 * @example
 * ```ts
 * isTerminal('started') // false
 * ```
 */
export function isTerminal(phase: TaskPhase): phase is 'succeeded' | 'rejected' | 'failed' {
  return phase === 'succeeded' || phase === 'rejected' || phase === 'failed';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies own enumerable fields except the named ones, without ever touching a prototype. */
function without(source: Record<string, unknown>, drop: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (drop.includes(key)) continue;
    Object.defineProperty(out, key, { value: source[key], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function failureOf(status: string, raw: unknown): FailureDetails {
  if (isRecord(raw)) {
    const message = raw['exc_message'] ?? raw['message'] ?? raw['error'];
    const type = raw['exc_type'];
    const text =
      typeof message === 'string'
        ? message
        : Array.isArray(message)
          ? message.map(String).join(', ')
          : `task ${status.toLowerCase()}`;
    return typeof type === 'string' ? { message: text, type, raw } : { message: text, raw };
  }
  if (typeof raw === 'string' && raw.length > 0) return { message: raw, raw };
  return raw === undefined ? { message: `task ${status.toLowerCase()}` } : { message: `task ${status.toLowerCase()}`, raw };
}

function succeeded(raw: unknown, taskId: string): TaskSucceededState | TaskRejectedState {
  if (isRecord(raw) && (raw['status'] === 'SUCCESS' || raw['status'] === 'ERROR')) {
    const business = decodeWith(BusinessResult, raw, taskId, 'business result');
    if (business.status === 'ERROR') {
      const error: BusinessError = business;
      return {
        phase: 'rejected',
        status: 'SUCCESS',
        error: { errorCode: error.errorCode, errorMessage: error.errorMessage, details: error.details ?? [] },
      };
    }
    const b64 = business.content_b64 ?? business.contentB64;
    const result = without(raw, ['content_b64', 'contentB64']) as SuccessResult;
    if (typeof b64 !== 'string') return { phase: 'succeeded', status: 'SUCCESS', result };
    const content = decodeBase64(b64);
    if (content === undefined) {
      const field = business.content_b64 !== undefined && business.content_b64 !== null ? 'content_b64' : 'contentB64';
      throw new DecodeError([`result.${field}: expected base64, got invalid base64 (${b64.length} characters)`], {
        taskId,
        what: 'business result',
      });
    }
    return { phase: 'succeeded', status: 'SUCCESS', content, result };
  }
  const result = isRecord(raw) ? (without(raw, []) as SuccessResult) : { value: raw };
  return { phase: 'succeeded', status: 'SUCCESS', result };
}

/**
 * Maps a decoded status payload to its {@link TaskState}. Throws {@link DecodeError} when a
 * business result does not fit its codec or its base64 is invalid.
 *
 * @internal
 */
export function toState(payload: AsyncTaskStatus): TaskState {
  const { status, result } = payload;
  switch (status) {
    case 'PENDING':
      return { phase: 'pending', status };
    case 'STARTED':
      return result === undefined || result === null ? { phase: 'started', status } : { phase: 'started', status, meta: result };
    case 'RETRY':
      return result === undefined || result === null ? { phase: 'retrying', status } : { phase: 'retrying', status, meta: result };
    case 'SUCCESS':
      return succeeded(result, payload.taskId);
    case 'FAILURE':
    case 'REVOKED':
      return { phase: 'failed', status, error: failureOf(status, result) };
    default:
      return result === undefined ? { phase: 'started', status } : { phase: 'started', status, meta: result };
  }
}
