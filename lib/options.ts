import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import type { Transport } from './http/transport.js';
import type { TokenSource } from './http/auth.js';
import { checkJitter, type Jitter } from './operators/backoff-delay.js';
import type { PollSchedule } from './schedules/poll-schedule.js';
import { assertSafeOrigin, sameOrigin } from './http/origin.js';
import { checkBoolean, checkFunction, checkNumber, checkObject, checkObservable, checkScheduler, failOption } from './option-checks.js';
import { checkInterval } from './schedules/resolve-schedule.js';

import type { FetchFunction } from './http/fetch-transport.js';

/** The `fetch` signature the default transport accepts (WHATWG fetch, node-fetch, cross-fetch). */
export type FetchLike = FetchFunction;

/**
 * Retry of transient failures (network errors, request timeouts, 408, 429, 500, 502, 503, 504):
 * exponential backoff with full jitter, `Retry-After` honoured.
 */
export interface TaskRetryOptions {
  /**
   * Delay before the first retry, in ms; retry k waits `min(2^k · initialInterval, maxInterval)`
   * before jitter.
   * @default 500
   */
  readonly initialInterval?: number | undefined;
  /**
   * Upper bound of one backoff delay, in ms.
   * @default 30000
   */
  readonly maxInterval?: number | undefined;
  /**
   * Consecutive failures retried before the stream errors; any good response resets the count.
   * `0` turns retries off.
   * @default 5
   */
  readonly maxRetries?: number | undefined;
  /**
   * `'full'` waits a uniformly random time in `[0, delay]` (AWS "full jitter"); `'none'` waits
   * exactly `delay`; a function maps `(delay, random)` to the wait.
   * @default 'full'
   */
  readonly jitter?: Jitter | undefined;
  /**
   * Cap on a server's `Retry-After` / `retry-after-ms`, in ms. A longer hint is capped, not a
   * reason to give up.
   * @default 60000
   */
  readonly maxRetryAfter?: number | undefined;
  /**
   * Further filter on which transient errors to retry (called after the built-in test).
   * @default () => true
   */
  readonly shouldRetry?: ((error: unknown) => boolean) | undefined;
}

/** Options of `taskStatus$`. Every field is optional. */
export interface TaskStatusOptions {
  /**
   * Origin (and optional path prefix) of the API.
   * @default 'https://factpulse.fr'
   */
  readonly baseUrl?: string | undefined;
  /**
   * Bearer token: a string, or a function called with `{ refresh }` returning a string, a Promise
   * or an Observable. It is called with `refresh: true` once after a 401.
   * @default undefined (no Authorization header)
   */
  readonly token?: TokenSource | undefined;
  /**
   * The `fetch` the default transport uses.
   * @default cross-fetch, with a keep-alive agent sized for many tasks on Node
   */
  readonly fetch?: FetchLike | undefined;
  /** Replaces the fetch transport entirely (Angular's HttpClient, tests). */
  readonly transport?: Transport | undefined;
  /**
   * ms from each response to the next poll, or a {@link PollSchedule}. `Infinity` polls once,
   * then only on hints. A `Retry-After` on a 200/202 answer replaces it for that wait.
   * @default 2500
   */
  readonly interval?: number | PollSchedule | undefined;
  /** Retry of transient failures; `false` turns retries off. */
  readonly retry?: TaskRetryOptions | false | undefined;
  /**
   * ms from sending a request until its whole response must have arrived; waiting for the token
   * counts, waiting for a client's `maxConcurrent` slot does not. `Infinity` for none.
   * @default 10000
   */
  readonly requestTimeout?: number | undefined;
  /**
   * Largest response body read, in bytes.
   * @default 67108864 (64 MiB)
   */
  readonly maxResponseBytes?: number | undefined;
  /**
   * Allow sending a token to a plain-http origin that is not loopback.
   * @default false
   */
  readonly allowInsecureHttp?: boolean | undefined;
  /**
   * Overall ms from subscribe until a terminal phase; past it the stream errors with
   * `DeadlineError` (so a task whose worker died, left `STARTED` forever by Celery, does not spend
   * the API quota for a day). `Infinity` for none.
   * @default 600000 (10 minutes)
   */
  readonly deadline?: number | undefined;
  /**
   * ms a task may stay `pending` (from the first pending response) before `StalledError`.
   * @default Infinity (no limit)
   */
  readonly stallAfter?: number | undefined;
  /**
   * Each value triggers a poll (e.g. webhook events for this task): at once, or `hintFloor` after
   * the previous hinted poll. Hints coalesce: many arriving before their poll is sent cost one
   * request. Errors and completion of this source are ignored.
   */
  readonly hints?: Observable<unknown> | undefined;
  /**
   * Least ms between two hinted polls of one task, so a flood of hints (a replayed webhook, a
   * buggy peer) cannot turn into load on the API; a hint arriving sooner is served at the floor,
   * or by the next scheduled poll if that comes first. `0` for none; `Infinity` serves one hint
   * at once and the rest only through scheduled polls.
   * @default 1000
   */
  readonly hintFloor?: number | undefined;
  /**
   * The scheduler every timer and `now()` goes through.
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike | undefined;
  /** A label for the kind of task, passed to the poll schedule (so it can learn per kind). */
  readonly kind?: string | undefined;
  /**
   * Builds the status path from the percent-encoded task id, for Celery-style endpoints elsewhere.
   * @default (id) => `/api/v1/processing/tasks/${id}/status`
   */
  readonly statusPath?: ((encodedTaskId: string) => string) | undefined;
  /**
   * Random source for jitter, in `[0, 1)`.
   * @default Math.random
   */
  readonly random?: (() => number) | undefined;
}

/** @internal Defaults of {@link TaskStatusOptions}. */
export const DEFAULTS = {
  baseUrl: 'https://factpulse.fr',
  interval: 2500,
  requestTimeout: 10_000,
  deadline: 600_000,
  hintFloor: 1000,
  maxResponseBytes: 64 * 1024 * 1024,
  retry: { initialInterval: 500, maxInterval: 30_000, maxRetries: 5, jitter: 'full', maxRetryAfter: 60_000 },
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `taskId` is a UUID (any version), the form FactPulse and Celery use.
 *
 * @example
 * ```ts
 * if (!isTaskId(req.params.id)) return res.status(400).send('not a task id')
 * ```
 */
export function isTaskId(taskId: unknown): taskId is string {
  return typeof taskId === 'string' && UUID.test(taskId);
}

/**
 * Throws a `TypeError` naming `taskId` unless it is a UUID (see {@link isTaskId}). Adapters call
 * it to refuse a bad id at call time, as `taskStatus$` and `client.status$` do.
 *
 * @example
 * ```ts
 * assertTaskId(frame.taskId) // TypeError: taskId: must be a UUID, got a string
 * ```
 */
export function assertTaskId(taskId: unknown): asserts taskId is string {
  if (!isTaskId(taskId)) failOption('taskId', 'a UUID', taskId);
}

/** @internal A duration or limit in ms: a number ≥ `min`, `Infinity` meaning none. */
function checkMs(option: string, value: unknown, min = 0): number | undefined {
  return checkNumber(option, value, { min, infinity: true });
}

/** @internal Validated retry settings. */
export interface NormalisedRetry {
  readonly initialInterval: number;
  readonly maxInterval: number;
  readonly maxRetries: number;
  readonly jitter: Jitter;
  readonly maxRetryAfter: number;
  readonly shouldRetry: (error: unknown) => boolean;
}

/** The default `retry.shouldRetry`, and the one of `retry: false`: one function each, so equal options compare equal. */
const retryAll = (): boolean => true;
const retryNone = (): boolean => false;

/** @internal Validates and fills in retry options. */
export function normaliseRetry(retry: TaskRetryOptions | false | undefined): NormalisedRetry {
  const d = DEFAULTS.retry;
  if (retry === false) return { ...d, maxRetries: 0, shouldRetry: retryNone };
  const r: TaskRetryOptions = checkObject('retry', retry, 'an object or false');
  checkMs('retry.initialInterval', r.initialInterval);
  checkMs('retry.maxInterval', r.maxInterval);
  checkMs('retry.maxRetryAfter', r.maxRetryAfter);
  checkNumber('retry.maxRetries', r.maxRetries, { integer: true, infinity: true });
  checkJitter('retry.jitter', r.jitter);
  checkFunction('retry.shouldRetry', r.shouldRetry);
  return {
    initialInterval: r.initialInterval ?? d.initialInterval,
    maxInterval: r.maxInterval ?? d.maxInterval,
    maxRetries: r.maxRetries ?? d.maxRetries,
    jitter: r.jitter ?? d.jitter,
    maxRetryAfter: r.maxRetryAfter ?? d.maxRetryAfter,
    shouldRetry: r.shouldRetry ?? retryAll,
  };
}

/** @internal The options every poll loop shares, validated (a client validates them once). */
export interface NormalisedOptions {
  readonly baseUrl: string;
  readonly token: TokenSource | undefined;
  readonly transport: Transport | undefined;
  readonly fetch: FetchLike | undefined;
  readonly interval: number | PollSchedule;
  readonly retry: NormalisedRetry;
  readonly requestTimeout: number;
  readonly maxResponseBytes: number;
  /** `Infinity` for none. */
  readonly deadline: number;
  /** `Infinity` for none. */
  readonly stallAfter: number;
  readonly hints: Observable<unknown> | undefined;
  readonly hintFloor: number;
  readonly scheduler: SchedulerLike;
  readonly kind: string | undefined;
  readonly statusPath: (encodedTaskId: string) => string;
  readonly random: () => number;
  readonly allowInsecureHttp: boolean;
}

const defaultStatusPath = (id: string): string => `/api/v1/processing/tasks/${id}/status`;

/**
 * @internal Validates options at call time (a TypeError naming the field) and fills in defaults.
 * The origin rule (`allowInsecureHttp`) is checked here too.
 */
export function normaliseOptions(options: TaskStatusOptions | undefined): NormalisedOptions {
  const o: TaskStatusOptions = checkObject('options', options);
  if (o.baseUrl !== undefined && typeof o.baseUrl !== 'string') failOption('baseUrl', 'a string', o.baseUrl);
  if (o.baseUrl !== undefined && /[?#]/.test(o.baseUrl)) {
    failOption('baseUrl', 'an origin and path prefix without a query or a fragment (the status path is appended to it)', o.baseUrl);
  }
  const baseUrl = (o.baseUrl ?? DEFAULTS.baseUrl).replace(/\/+$/, '');
  if (o.token !== undefined && typeof o.token !== 'string' && typeof o.token !== 'function') failOption('token', 'a string or a function', o.token);
  if (typeof o.token === 'string' && (o.token.length === 0 || /[\r\n]/.test(o.token))) {
    failOption('token', 'a non-empty string without line breaks', o.token);
  }
  checkFunction('fetch', o.fetch);
  checkFunction('transport', o.transport);
  checkFunction('statusPath', o.statusPath);
  checkFunction('random', o.random);
  const interval = checkInterval('interval', o.interval, { infinity: true }) ?? DEFAULTS.interval;
  const requestTimeout = checkMs('requestTimeout', o.requestTimeout, 1) ?? DEFAULTS.requestTimeout;
  const maxResponseBytes = checkMs('maxResponseBytes', o.maxResponseBytes, 1) ?? DEFAULTS.maxResponseBytes;
  const deadline = checkMs('deadline', o.deadline) ?? DEFAULTS.deadline;
  const stallAfter = checkMs('stallAfter', o.stallAfter) ?? Number.POSITIVE_INFINITY;
  const hintFloor = checkMs('hintFloor', o.hintFloor) ?? DEFAULTS.hintFloor;
  checkObservable('hints', o.hints);
  checkScheduler('scheduler', o.scheduler);
  if (o.kind !== undefined && typeof o.kind !== 'string') failOption('kind', 'a string', o.kind);
  checkBoolean('allowInsecureHttp', o.allowInsecureHttp);
  const allowInsecureHttp = o.allowInsecureHttp ?? false;
  assertSafeOrigin(baseUrl, o.token !== undefined, allowInsecureHttp);
  return {
    baseUrl,
    token: o.token,
    transport: o.transport,
    fetch: o.fetch,
    interval,
    retry: normaliseRetry(o.retry),
    requestTimeout,
    maxResponseBytes,
    deadline,
    stallAfter,
    hints: o.hints,
    hintFloor,
    scheduler: o.scheduler ?? asyncScheduler,
    kind: o.kind,
    statusPath: o.statusPath ?? defaultStatusPath,
    random: o.random ?? Math.random,
    allowInsecureHttp,
  };
}

/**
 * @internal The URL polled for `taskId` (percent-encoded): `baseUrl` + `statusPath(id)`. Throws a
 * `TypeError` naming `statusPath` when the result is not on `baseUrl`'s origin or carries
 * credentials (a path such as `@other-host/` would move the request, and the token, elsewhere).
 * Called when a stream is created, so the check happens at call time.
 */
export function statusUrl(options: NormalisedOptions, taskId: string): string {
  const url = options.baseUrl + options.statusPath(encodeURIComponent(taskId));
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  const base = new URL(options.baseUrl);
  if (parsed === undefined || !sameOrigin(parsed, base) || parsed.username !== '' || parsed.password !== '') {
    failOption('statusPath', `a path on the origin of baseUrl (${base.origin}) once appended to it; it moved the request elsewhere`, url);
  }
  return url;
}
