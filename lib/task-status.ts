import {
  BehaviorSubject,
  NEVER,
  Observable,
  Subject,
  defer,
  map,
  mergeMap,
  of,
  race,
  repeat,
  retry,
  switchMap,
  take,
  takeUntil,
  takeWhile,
  tap,
  throwError,
  throwIfEmpty,
  timeout,
  timer,
  filter,
  finalize,
} from 'rxjs';
import { AsyncTaskStatus } from './codecs/async-task-status.js';
import { HttpValidationError } from './codecs/http-validation-error.js';
import { decodeWith } from './codecs/decode-with.js';
import { AuthError } from './errors/auth-error.js';
import { DeadlineError } from './errors/deadline-error.js';
import { DecodeError } from './errors/decode-error.js';
import { HttpError } from './errors/http-error.js';
import { NetworkError } from './errors/network-error.js';
import { RequestTimeoutError } from './errors/request-timeout-error.js';
import { RequestValidationError } from './errors/request-validation-error.js';
import { StalledError } from './errors/stalled-error.js';
import { createTokenProvider, type TokenProvider } from './http/auth.js';
import { createFetchTransport } from './http/fetch-transport.js';
import { parseRetryAfter } from './http/retry-after.js';
import type { Transport, TransportRequest, TransportResponse } from './http/transport.js';
import { retryDelay } from './operators/backoff-delay.js';
import { assertTaskId, normaliseOptions, type NormalisedOptions, type TaskStatusOptions } from './options.js';
import type { PollHooks } from './poll-events.js';
import { resolveSchedule, type ResolvedSchedule } from './schedules/resolve-schedule.js';
import { isTerminal, toState, type TaskPhase, type TaskState, type TaskTransition } from './transitions.js';

/** HTTP statuses retried as transient. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** @internal True for failures worth retrying: network errors, timeouts, 408/429/5xx listed above. */
export function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError || error instanceof RequestTimeoutError) return true;
  return error instanceof HttpError && !(error instanceof AuthError) && TRANSIENT_STATUSES.has(error.status);
}

/** @internal Everything a poll loop needs besides the task id; a client builds it once. */
export interface PollRuntime {
  readonly options: NormalisedOptions;
  readonly transport: Transport;
  readonly tokens: TokenProvider;
  readonly schedule: ResolvedSchedule;
  readonly hooks: PollHooks;
}

let defaultTransport: Transport | undefined;

/** @internal Builds the runtime of validated options. */
export function createRuntime(options: NormalisedOptions, hooks: PollHooks = {}): PollRuntime {
  const transport =
    options.transport ??
    (options.fetch !== undefined ? createFetchTransport({ fetch: options.fetch }) : (defaultTransport ??= createFetchTransport()));
  return { options, transport, tokens: createTokenProvider(options.token), schedule: resolveSchedule(options.interval), hooks };
}

function errorBody(response: TransportResponse): unknown {
  return response.body !== undefined ? response.body : response.text;
}

/** Turns a non-2xx response into its error (2xx passes through). */
function checkStatus(response: TransportResponse, taskId: string): TransportResponse {
  const { status } = response;
  if (status >= 200 && status < 300) return response;
  const context = { taskId, body: errorBody(response), headers: response.headers };
  if (status === 422) {
    const detail = HttpValidationError.is(response.body) ? response.body.detail : [];
    throw new RequestValidationError(detail, context);
  }
  throw new HttpError(status, context);
}

function decodeStatus(response: TransportResponse, taskId: string): TaskState {
  if (response.body === undefined) {
    const found = response.text === undefined ? 'an empty body' : `text ${JSON.stringify(response.text.slice(0, 60))}`;
    throw new DecodeError([`(root): expected a JSON object, got ${found}`], { taskId });
  }
  return toState(decodeWith(AsyncTaskStatus, response.body, taskId));
}

/**
 * @internal The poll loop of one task over a prepared runtime; `taskStatus$` and the client
 * both use it. `hints` are this task's own poll triggers.
 */
export function pollTask(taskId: string, runtime: PollRuntime, hints?: Observable<unknown>): Observable<TaskTransition> {
  const { options, transport, tokens, schedule, hooks } = runtime;
  const { scheduler, retry: retryOptions } = options;
  const url = options.baseUrl + options.statusPath(encodeURIComponent(taskId));

  return defer(() => {
    const startedAt = scheduler.now();
    let polls = 0;
    let phase: TaskPhase | null = null;
    let phaseSince = startedAt;
    let firstStarted: number | undefined;
    let lastResponse: TransportResponse | undefined;
    let hinted = false;
    const hintNow = new Subject<void>();
    const phase$ = new BehaviorSubject<TaskPhase | null>(null);

    const send = (token: string | undefined): Observable<TransportResponse> => {
      const request: TransportRequest = {
        url,
        headers: token === undefined ? { accept: 'application/json' } : { accept: 'application/json', authorization: `Bearer ${token}` },
        taskId,
        maxResponseBytes: options.maxResponseBytes,
      };
      const once = defer(() => {
        polls++;
        const sentAt = scheduler.now();
        hooks.onEvent?.({ type: 'request-start', taskId, polls, at: sentAt });
        return transport(request).pipe(
          take(1),
          throwIfEmpty(() => new NetworkError('the transport completed without a response', { taskId })),
          timeout({
            first: options.requestTimeout,
            scheduler,
            with: () => throwError(() => new RequestTimeoutError(options.requestTimeout, { taskId })),
          }),
          tap({
            next: (response) => {
              const at = scheduler.now();
              hooks.onEvent?.({ type: 'request-end', taskId, status: response.status, duration: at - sentAt, at });
            },
            error: (error: unknown) => {
              const at = scheduler.now();
              const name = error instanceof Error ? error.name : 'Error';
              hooks.onEvent?.({ type: 'request-end', taskId, error: name, duration: at - sentAt, at });
            },
          }),
        );
      });
      return hooks.gate ? hooks.gate(once) : once;
    };

    // One request with its token; a 401 asks the token source once for a fresh token.
    const attempt = (refresh: boolean): Observable<TransportResponse> =>
      tokens.get(refresh, taskId).pipe(
        mergeMap(send),
        mergeMap((response) => {
          if (response.status !== 401) return of(response);
          if (!refresh && tokens.refreshable) return attempt(true);
          const reason = tokens.refreshable ? 'HTTP 401 after a token refresh' : 'HTTP 401: the API refused the token';
          return throwError(() => new AuthError({ taskId, body: errorBody(response), headers: response.headers }, reason));
        }),
      );

    // One poll: the request, retried while the failure is transient.
    const poll$ = defer(() => attempt(false)).pipe(
      map((response) => checkStatus(response, taskId)),
      retry({
        count: retryOptions.maxRetries,
        resetOnSuccess: true,
        delay: (error: unknown, retryCount: number) => {
          if (!isTransient(error) || !retryOptions.shouldRetry(error)) return throwError(() => error);
          if (hooks.allowRetry && !hooks.allowRetry(error)) return throwError(() => error);
          const retryAfter = error instanceof HttpError ? parseRetryAfter(error.headers, scheduler.now()) : undefined;
          const delay =
            retryAfter !== undefined
              ? Math.min(retryAfter, retryOptions.maxRetryAfter)
              : retryDelay(retryCount - 1, {
                  initialInterval: retryOptions.initialInterval,
                  maxInterval: retryOptions.maxInterval,
                  jitter: retryOptions.jitter,
                  random: options.random,
                });
          hooks.onEvent?.({
            type: 'retry',
            taskId,
            attempt: retryCount,
            delay,
            error: error instanceof Error ? error.name : 'Error',
            ...(error instanceof HttpError ? { status: error.status } : {}),
            at: scheduler.now(),
          });
          return timer(delay, scheduler);
        },
      }),
      tap((response) => {
        lastResponse = response;
        hooks.onSuccess?.();
      }),
      map((response) => decodeStatus(response, taskId)),
    );

    // Wait after a response: the schedule's delay, cut short by a hint.
    const nextPoll = (): Observable<unknown> => {
      if (hinted) {
        hinted = false;
        return timer(0, scheduler);
      }
      const now = scheduler.now();
      const ms = schedule.next({
        taskId,
        polls,
        elapsed: now - startedAt,
        phase: phase ?? 'pending',
        inPhase: now - phaseSince,
        ...(lastResponse !== undefined ? { response: lastResponse } : {}),
        ...(options.kind !== undefined ? { kind: options.kind } : {}),
      });
      const wait = timer(ms, scheduler);
      return hints === undefined && options.hints === undefined ? wait : race(wait, hintNow.pipe(take(1))).pipe(tap(() => (hinted = false)));
    };

    const transitions$ = poll$.pipe(
      repeat({ delay: nextPoll }),
      filter((state) => state.phase !== phase),
      map((state): TaskTransition => {
        const at = scheduler.now();
        const transition: TaskTransition = { taskId, from: phase, to: state.phase, state, at, polls };
        phase = state.phase;
        phaseSince = at;
        if (state.phase === 'started' && firstStarted === undefined) firstStarted = at - startedAt;
        phase$.next(state.phase);
        if (isTerminal(state.phase)) {
          schedule.complete({
            taskId,
            phase: state.phase,
            elapsed: at - startedAt,
            polls,
            ...(firstStarted !== undefined ? { startedAt: firstStarted } : {}),
            ...(options.kind !== undefined ? { kind: options.kind } : {}),
          });
        }
        return transition;
      }),
      takeWhile((transition) => !isTerminal(transition.to), true),
    );

    let guarded = transitions$;
    if (options.stallAfter !== undefined) {
      const limit = options.stallAfter;
      const stalled$ = phase$.pipe(
        switchMap((p) => (p === 'pending' ? timer(limit, scheduler) : NEVER)),
        map(() => {
          throw new StalledError(limit, { taskId });
        }),
      );
      guarded = guarded.pipe(takeUntil(stalled$));
    }
    if (options.deadline !== undefined) {
      const limit = options.deadline;
      guarded = guarded.pipe(
        takeUntil(
          timer(limit, scheduler).pipe(
            map(() => {
              throw new DeadlineError(limit, { taskId });
            }),
          ),
        ),
      );
    }

    const hintSources = [options.hints, hints].filter((h): h is Observable<unknown> => h !== undefined);
    if (hintSources.length === 0) return guarded;
    return new Observable<TaskTransition>((subscriber) => {
      const onHint = (): void => {
        hinted = true;
        hintNow.next();
      };
      // A broken hint source must not end polling: its errors and completion are ignored.
      const hintSubs = hintSources.map((source) => source.subscribe({ next: onHint, error: () => undefined }));
      const sub = guarded.subscribe(subscriber);
      return () => {
        sub.unsubscribe();
        for (const h of hintSubs) h.unsubscribe();
      };
    }).pipe(finalize(() => hintNow.complete()));
  });
}

/**
 * Follows one task: polls `GET {baseUrl}/api/v1/processing/tasks/{taskId}/status`, decodes each
 * payload and emits a {@link TaskTransition} on each change of phase, completing after the
 * terminal one (`succeeded`, `rejected` or `failed` — outcomes, not errors). The first request is
 * sent on subscribe and the next `interval` after each response, so at most one request is ever
 * in flight. Transient failures are retried with backoff; transport, protocol and time problems
 * error with a {@link TaskStatusError} subclass. Unsubscribing aborts the request in flight.
 *
 * Options are validated when called: a bad one is a `TypeError` naming it, as is a task id that
 * is not a UUID or a token bound for a plain-http origin other than loopback.
 *
 * @example
 * ```ts
 * import { taskStatus$ } from 'factpulse-rx'
 *
 * taskStatus$(taskId, { token: process.env.FACTPULSE_TOKEN }).subscribe((t) => {
 *   console.log(`${t.from ?? 'start'} → ${t.to}`)
 *   if (t.state.phase === 'succeeded' && t.state.content) writeFileSync('invoice.pdf', t.state.content)
 * })
 * ```
 */
export function taskStatus$(taskId: string, options?: TaskStatusOptions): Observable<TaskTransition> {
  assertTaskId(taskId);
  return pollTask(taskId, createRuntime(normaliseOptions(options)));
}
