import type { AsyncTaskStatus } from './codecs/async-task-status.js';
import { BusinessResult, type BusinessError, type BusinessSuccess } from './codecs/business-result.js';
import type { ValidationErrorDetail } from './codecs/validation-error-detail.js';
import { decodeBase64 } from './codecs/base64.js';
import { decodeWith, describeValue } from './codecs/decode-with.js';
import { DecodeError } from './errors/decode-error.js';

/**
 * Where a task is in its life. `succeeded`, `rejected` and `failed` are terminal. Phases only move
 * forward; inside `started` / `retrying` a new Celery status or `meta` is a progress update
 * (a transition with `from === to`).
 *
 * ```
 * pending ──▶ started ⇄ retrying ──▶ succeeded | rejected | failed
 *    │        ↺ progress  ↺ progress        ▲
 *    └──────────────────────────────────────┘
 * ```
 */
export type TaskPhase = 'pending' | 'started' | 'retrying' | 'succeeded' | 'rejected' | 'failed';

/**
 * Celery's conventional progress numbers (`meta.current` / `meta.total` of a custom state such as
 * `PROGRESS`), normalised.
 *
 * @example
 * ```ts
 * if (t.state.phase === 'started' && t.state.progress) bar.value = t.state.progress.ratio
 * ```
 */
export interface TaskProgress {
  readonly current: number;
  readonly total: number;
  /** `current / total` clamped to `[0, 1]` (0 when `total` is 0). */
  readonly ratio: number;
}

/** Celery `PENDING`: waiting (also what Celery reports for an id it does not know). */
export interface TaskPendingState {
  readonly phase: 'pending';
  readonly status: string;
}
/** Celery `STARTED` or a custom state such as `PROGRESS`, whose Celery result is in `meta`. */
export interface TaskStartedState {
  readonly phase: 'started';
  /** `STARTED`, or the custom state's name as the backend sent it (`PROGRESS`, …). */
  readonly status: string;
  /** The state's Celery result (e.g. `{ current, total }` for `PROGRESS`, `{ pid, hostname }` for `STARTED`). */
  readonly meta?: unknown;
  /** `meta.current` / `meta.total` when both are finite numbers. */
  readonly progress?: TaskProgress;
}
/** Celery `RETRY`: a temporary failure on the API side; the task will be tried again. */
export interface TaskRetryingState {
  readonly phase: 'retrying';
  readonly status: string;
  /** What the API said of the failure, if anything. */
  readonly meta?: unknown;
  /** `meta.current` / `meta.total` when both are finite numbers. */
  readonly progress?: TaskProgress;
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
  /**
   * The decoded `content_b64` (e.g. a Factur-X PDF), an exact-size `Uint8Array` over its own
   * `ArrayBuffer`; absent when the result carries none.
   */
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
  /**
   * A readable message, never empty: the exception's message when it has one, else the exception
   * type (`SoftTimeLimitExceeded`), `Type: value` for a non-text argument (`TimeLimitExceeded: 0.4`),
   * else a summary (`task failure`).
   */
  readonly message: string;
  /** The exception type, when the backend reported one (`exc_type`, or `type`). */
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
 * One transition into a state of type `S`: a member of the {@link TaskTransition} union.
 *
 * @example
 * ```ts
 * const onRejected = (t: TaskTransitionOf<TaskRejectedState>) => console.log(t.state.error.errorCode)
 * ```
 */
export interface TaskTransitionOf<S extends TaskState> {
  readonly taskId: string;
  /**
   * The previous phase; `null` on the first emission; equal to `to` for a progress update (a new
   * Celery status or `meta` inside `started` / `retrying`).
   */
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

/**
 * One change of a task, as `taskStatus$` emits it: a change of phase, or (with `from === to`) a
 * progress update inside `started` / `retrying`. A union over the phases, so testing `to` narrows
 * `state` as testing `state.phase` does.
 *
 * @example
 * ```ts
 * taskStatus$(id, { token }).subscribe((t) => {
 *   if (t.to === 'rejected') console.log(t.state.error.errorMessage)
 *   else console.log(`${t.from ?? '∅'} → ${t.to} after ${t.polls} polls`)
 * })
 * ```
 */
export type TaskTransition<S extends TaskState = TaskState> = S extends TaskState ? TaskTransitionOf<S> : never;

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

/** Longest summary (compact JSON) put into a failure message. */
const SUMMARY_LENGTH = 200;

/** Compact JSON of `value`, shortened; `undefined` when it has none (or is too deep to print). */
function compactJson(value: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return undefined;
  }
  if (text === undefined) return undefined;
  return text.length > SUMMARY_LENGTH ? `${text.slice(0, SUMMARY_LENGTH)}…` : text;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** The text of one exception argument, and whether it reads as a message (else it is a value). */
function argumentText(item: unknown): { readonly text: string; readonly message: boolean } | undefined {
  if (typeof item === 'string') return item.trim() === '' ? undefined : { text: item, message: true };
  if (isRecord(item)) {
    const message = nonEmpty(item['errorMessage']) ?? nonEmpty(item['message']) ?? nonEmpty(item['error']);
    if (message !== undefined) return { text: message, message: true };
  }
  if (item === undefined || item === null) return undefined;
  const json = compactJson(item);
  return json === undefined ? undefined : { text: json, message: false };
}

/** A readable text for an exception's `exc_message` (a list in Celery; a string or dict elsewhere). */
function exceptionText(message: unknown, type: string | undefined): string | undefined {
  const items = Array.isArray(message) ? message : [message];
  const parts = items.map(argumentText).filter((p): p is { text: string; message: boolean } => p !== undefined);
  if (parts.length === 0) return undefined;
  const text = parts.map((p) => p.text).join(', ');
  return parts.every((p) => p.message) || type === undefined ? text : `${type}: ${text}`;
}

/**
 * @internal What a Celery `FAILURE` / `REVOKED` carried, with a message that is never empty.
 * Reads Celery's `{ exc_type, exc_message: [...], exc_module }`, an endpoint's
 * `{ error: str(exc), type }`, `{ message }`, or a plain string.
 */
export function failureOf(status: string, raw: unknown): FailureDetails {
  const fallback = `task ${status.toLowerCase()}`;
  if (isRecord(raw)) {
    const type = nonEmpty(raw['exc_type']) ?? nonEmpty(raw['type']);
    const found = 'exc_message' in raw ? raw['exc_message'] : 'error' in raw ? raw['error'] : raw['message'];
    const message = exceptionText(found, type) ?? type ?? fallback;
    return type !== undefined ? { message, type, raw } : { message, raw };
  }
  if (raw === undefined) return { message: fallback };
  const text = typeof raw === 'string' ? nonEmpty(raw) : exceptionText(raw, undefined);
  return { message: text ?? fallback, raw };
}

/** The business `status`, matched without regard to case; anything else fails closed. */
function businessStatus(raw: Record<string, unknown>, taskId: string | undefined): 'SUCCESS' | 'ERROR' {
  const status = raw['status'];
  const upper = typeof status === 'string' ? status.toUpperCase() : undefined;
  if (upper === 'SUCCESS' || upper === 'ERROR') return upper;
  throw new DecodeError([`result.status: expected "SUCCESS" or "ERROR", got ${describeValue(status)}`], {
    taskId,
    what: 'business result',
  });
}

function succeeded(raw: unknown, taskId: string | undefined): TaskSucceededState | TaskRejectedState {
  if (isRecord(raw) && raw['status'] !== undefined) {
    // A result with a business `status` is FactPulse's: SUCCESS or ERROR (any case), nothing else.
    const status = businessStatus(raw, taskId);
    const normalised = raw['status'] === status ? raw : { ...without(raw, []), status };
    const business = decodeWith(BusinessResult, normalised, taskId, 'business result');
    if (business.status === 'ERROR') {
      const error: BusinessError = business;
      return {
        phase: 'rejected',
        status: 'SUCCESS',
        error: { errorCode: error.errorCode, errorMessage: error.errorMessage, details: error.details ?? [] },
      };
    }
    const b64 = business.content_b64 ?? business.contentB64;
    const result = without(normalised, ['content_b64', 'contentB64']) as SuccessResult;
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

/** @internal `meta.current` / `meta.total` normalised, when both are finite numbers. */
export function progressOf(meta: unknown): TaskProgress | undefined {
  if (!isRecord(meta)) return undefined;
  const { current, total } = meta;
  if (typeof current !== 'number' || typeof total !== 'number' || !Number.isFinite(current) || !Number.isFinite(total)) return undefined;
  const ratio = total === 0 ? 0 : Math.min(1, Math.max(0, current / total));
  return { current, total, ratio };
}

function running<P extends 'started' | 'retrying'>(phase: P, status: string, meta: unknown): TaskStartedState | TaskRetryingState {
  if (meta === undefined || meta === null) return { phase, status };
  const progress = progressOf(meta);
  return progress === undefined ? { phase, status, meta } : { phase, status, meta, progress };
}

/**
 * Maps a decoded status payload to its {@link TaskState}. Celery statuses match without regard to
 * case (known ones are reported upper-case; custom ones as sent). Throws {@link DecodeError} when
 * a business result does not fit its codec, has a business `status` other than SUCCESS / ERROR,
 * or carries invalid base64.
 *
 * @internal
 */
export function toState(payload: AsyncTaskStatus): TaskState {
  const { result } = payload;
  const status = payload.status.toUpperCase();
  switch (status) {
    case 'PENDING':
      return { phase: 'pending', status };
    case 'STARTED':
      return running('started', status, result);
    case 'RETRY':
      return running('retrying', status, result);
    case 'SUCCESS':
      return succeeded(result, payload.taskId);
    case 'FAILURE':
    case 'REVOKED':
      return { phase: 'failed', status, error: failureOf(status, result) };
    default:
      return running('started', payload.status, result === null ? undefined : result);
  }
}

/** @internal How far along a phase is: phases only move forward (started ⇄ retrying share a rank). */
export function phaseRank(phase: TaskPhase): number {
  switch (phase) {
    case 'pending':
      return 0;
    case 'started':
    case 'retrying':
      return 1;
    default:
      return 2;
  }
}

/** Nodes {@link sameMeta} compares at most before it calls two metas equal. */
const META_BUDGET = 512;
/** Depth {@link sameMeta} descends at most. */
const META_DEPTH = 16;

/**
 * @internal True when two `meta` values are the same as far as a cheap, bounded comparison can
 * tell: the same reference, or equal `current` / `total` and equal values over the first
 * {@link META_BUDGET} nodes (to depth {@link META_DEPTH}). A large, unchanged meta thus costs a
 * bounded walk per poll, never a deep one; a change beyond the bound (other than to the progress
 * numbers, always compared) goes unnoticed until something within it changes.
 */
export function sameMeta(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isRecord(a) && isRecord(b) && (!Object.is(a['current'], b['current']) || !Object.is(a['total'], b['total']))) return false;
  const budget = { left: META_BUDGET };
  return equalWithin(a, b, 0, budget);
}

function equalWithin(a: unknown, b: unknown, depth: number, budget: { left: number }): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (depth >= META_DEPTH) return true;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of ka) {
    if (--budget.left < 0) return true;
    if (!Object.prototype.hasOwnProperty.call(rb, key)) return false;
    if (!equalWithin(ra[key], rb[key], depth + 1, budget)) return false;
  }
  return true;
}

/**
 * @internal What a new state means after `previous` (the state last emitted, if any): `'change'`
 * (emit it: a new phase, or a new Celery status or `meta` inside `started` / `retrying`),
 * `'same'` (nothing new) or `'backwards'` (an earlier phase: a stale replica; not emitted).
 */
export function compareStates(previous: TaskState | undefined, next: TaskState): 'change' | 'same' | 'backwards' {
  if (previous === undefined) return 'change';
  const from = phaseRank(previous.phase);
  const to = phaseRank(next.phase);
  if (to < from) return 'backwards';
  if (previous.phase !== next.phase) return 'change';
  if (previous.phase === 'started' || previous.phase === 'retrying') {
    const n = next as TaskStartedState | TaskRetryingState;
    return previous.status === n.status && sameMeta(previous.meta, n.meta) ? 'same' : 'change';
  }
  return 'same';
}
