import {
  Observable,
  defer,
  map,
  mergeMap,
  of,
  retry,
  take,
  tap,
  throwError,
  throwIfEmpty,
  timeout,
  timer,
  type Subscriber,
  type Subscription,
  type Unsubscribable,
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
import { withoutToken } from './http/redact-token.js';
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

/** Shared by every `taskStatus$` without a token: the provider holds no state. */
let anonymous: TokenProvider | undefined;
/** The last constant interval resolved, and its (stateless) schedule, shared the same way. */
let constant: { readonly ms: number; readonly schedule: ResolvedSchedule } | undefined;

/** @internal Builds the runtime of validated options. */
export function createRuntime(options: NormalisedOptions, hooks: PollHooks = {}): PollRuntime {
  const transport =
    options.transport ??
    (options.fetch !== undefined ? createFetchTransport({ fetch: options.fetch }) : (defaultTransport ??= createFetchTransport()));
  // Each `taskStatus$` call builds a runtime; with thousands of tasks, share what holds no state.
  const tokens = options.token === undefined ? (anonymous ??= createTokenProvider(undefined)) : createTokenProvider(options.token);
  const { interval } = options;
  let schedule: ResolvedSchedule;
  if (typeof interval === 'number') {
    if (constant?.ms !== interval) constant = { ms: interval, schedule: resolveSchedule(interval) };
    schedule = constant.schedule;
  } else {
    schedule = resolveSchedule(interval);
  }
  return { options, transport, tokens, schedule, hooks };
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
  const { options } = runtime;
  const url = options.baseUrl + options.statusPath(encodeURIComponent(taskId));
  const hintSources = [options.hints, hints].filter((h): h is Observable<unknown> => h !== undefined);
  return new Observable<TaskTransition>((subscriber) => new PollLoop(taskId, url, runtime, hintSources, subscriber).start());
}

/**
 * One subscription's poll loop: a request (the RxJS pipeline of {@link PollLoop.poll$}: token,
 * gate, transport, timeout, retry, decode), then the schedule's wait, then the next request, until
 * a terminal phase. Why a class and not `poll$.pipe(repeat({ delay }), filter, map, takeWhile)`:
 * a followed task spends nearly all its life waiting, and while it waits this loop holds one
 * object and one scheduled action, where the operator chain held some 35 closures and a dozen
 * subscribers (≈ 8 KB per task; benchmarks followed 10 000 tasks). Time still goes only through
 * `scheduler.schedule`, so it runs under `TestScheduler` exactly as before: the same requests at
 * the same virtual times, emissions on change of phase only, at most one request in flight.
 *
 * It is the subscription's teardown: unsubscribing aborts the request in flight and cancels every
 * scheduled action and hint subscription.
 */
class PollLoop implements Unsubscribable {
  private readonly startedAt: number;
  private polls = 0;
  private phase: TaskPhase | null = null;
  private phaseSince = 0;
  private firstStarted: number | undefined;
  private lastResponse: TransportResponse | undefined;
  /** A hint arrived while no raced wait was running: the next wait is 0 ms. */
  private hinted = false;
  private closed = false;
  /** The request (with its retries) in flight. */
  private request: Subscription | undefined;
  /** The wait before the next request. */
  private wait: Subscription | undefined;
  /** True when a hint cuts the current wait short. */
  private waitRaced = false;
  private stall: Subscription | undefined;
  private deadline: Subscription | undefined;
  private hintSubscriptions: Subscription[] | undefined;

  constructor(
    private readonly taskId: string,
    private readonly url: string,
    private readonly runtime: PollRuntime,
    private readonly hintSources: readonly Observable<unknown>[],
    private readonly subscriber: Subscriber<TaskTransition>,
  ) {
    this.startedAt = runtime.options.scheduler.now();
    this.phaseSince = this.startedAt;
  }

  start(): this {
    const { scheduler, deadline } = this.runtime.options;
    if (this.hintSources.length > 0) {
      // A broken hint source must not end polling: its errors and completion are ignored.
      const onHint = (): void => this.onHint();
      this.hintSubscriptions = this.hintSources.map((source) => source.subscribe({ next: onHint, error: () => undefined }));
    }
    if (this.closed) return this;
    if (deadline !== undefined) {
      this.deadline = scheduler.schedule(() => this.fail(new DeadlineError(deadline, { taskId: this.taskId })), deadline);
    }
    this.poll();
    return this;
  }

  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.request?.unsubscribe();
    this.wait?.unsubscribe();
    this.stall?.unsubscribe();
    this.deadline?.unsubscribe();
    if (this.hintSubscriptions !== undefined) for (const h of this.hintSubscriptions) h.unsubscribe();
    this.request = this.wait = this.stall = this.deadline = undefined;
    this.hintSubscriptions = undefined;
  }

  private fail(error: unknown): void {
    if (!this.closed) this.subscriber.error(error);
  }

  /** Sends the next request (with its retries); its state goes to {@link onState}. */
  private poll(): void {
    this.wait = undefined;
    let settled = false;
    const subscription = this.poll$().subscribe({
      next: (state) => this.onState(state),
      error: (error: unknown) => {
        settled = true;
        this.fail(error);
      },
      complete: () => {
        settled = true;
        this.request = undefined;
        this.scheduleNext();
      },
    });
    // A synchronous transport may have settled (or ended the loop) inside subscribe.
    if (this.closed) subscription.unsubscribe();
    else if (!settled) this.request = subscription;
  }

  private onHint(): void {
    this.hinted = true;
    if (this.wait !== undefined && this.waitRaced) {
      this.wait.unsubscribe();
      this.hinted = false;
      this.poll();
    }
  }

  /** A decoded response: emit on change of phase; complete after a terminal one. */
  private onState(state: TaskState): void {
    if (this.closed || state.phase === this.phase) return;
    const { scheduler, stallAfter } = this.runtime.options;
    const at = scheduler.now();
    const transition: TaskTransition = { taskId: this.taskId, from: this.phase, to: state.phase, state, at, polls: this.polls };
    this.phase = state.phase;
    this.phaseSince = at;
    if (state.phase === 'started' && this.firstStarted === undefined) this.firstStarted = at - this.startedAt;
    if (stallAfter !== undefined) {
      this.stall?.unsubscribe();
      this.stall =
        state.phase === 'pending'
          ? scheduler.schedule(() => this.fail(new StalledError(stallAfter, { taskId: this.taskId })), stallAfter)
          : undefined;
    }
    const terminal = isTerminal(state.phase);
    if (terminal) {
      const { kind } = this.runtime.options;
      try {
        this.runtime.schedule.complete({
          taskId: this.taskId,
          phase: state.phase,
          elapsed: at - this.startedAt,
          polls: this.polls,
          ...(this.firstStarted !== undefined ? { startedAt: this.firstStarted } : {}),
          ...(kind !== undefined ? { kind } : {}),
        });
      } catch (error: unknown) {
        // A schedule's error ends the stream (as an operator's would), never escapes as unhandled.
        this.fail(error);
        return;
      }
    }
    this.subscriber.next(transition);
    if (terminal && !this.closed) this.subscriber.complete();
  }

  /** After a response: the schedule's wait (0 after a hint), which a hint cuts short. */
  private scheduleNext(): void {
    if (this.closed) return;
    const { scheduler, kind } = this.runtime.options;
    // The schedule sees the response once; a waiting task need not hold it (nor its headers).
    const response = this.lastResponse;
    this.lastResponse = undefined;
    if (this.hinted) {
      this.hinted = false;
      this.waitRaced = false;
      this.wait = scheduler.schedule(() => this.poll(), 0);
      return;
    }
    const now = scheduler.now();
    let ms: number;
    try {
      ms = this.runtime.schedule.next({
        taskId: this.taskId,
        polls: this.polls,
        elapsed: now - this.startedAt,
        phase: this.phase ?? 'pending',
        inPhase: now - this.phaseSince,
        ...(response !== undefined ? { response } : {}),
        ...(kind !== undefined ? { kind } : {}),
      });
    } catch (error: unknown) {
      this.fail(error);
      return;
    }
    if (this.closed) return;
    this.waitRaced = this.hintSources.length > 0;
    this.wait = scheduler.schedule(() => this.wake(), ms);
  }

  /** The end of a raced wait: a hint that arrived during it is spent. */
  private wake(): void {
    if (this.waitRaced) this.hinted = false;
    this.poll();
  }

  /** One poll: the request, retried while the failure is transient, decoded. Built per poll so a waiting task holds none of it. */
  private poll$(): Observable<TaskState> {
    const { taskId } = this;
    const { options, transport, tokens, hooks } = this.runtime;
    const { scheduler, retry: retryOptions } = options;

    const send = (token: string | undefined): Observable<TransportResponse> => {
      const request: TransportRequest = {
        url: this.url,
        headers: token === undefined ? { accept: 'application/json' } : { accept: 'application/json', authorization: `Bearer ${token}` },
        taskId,
        maxResponseBytes: options.maxResponseBytes,
      };
      const once = defer(() => {
        const polls = ++this.polls;
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
        // An error response that echoes the token must not carry it into an HttpError / AuthError.
        mergeMap((token) => send(token).pipe(map((response) => withoutToken(response, token)))),
        mergeMap((response) => {
          if (response.status !== 401) return of(response);
          if (!refresh && tokens.refreshable) return attempt(true);
          const reason = tokens.refreshable ? 'HTTP 401 after a token refresh' : 'HTTP 401: the API refused the token';
          return throwError(() => new AuthError({ taskId, body: errorBody(response), headers: response.headers }, reason));
        }),
      );

    return defer(() => attempt(false)).pipe(
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
      map((response) => {
        this.lastResponse = response;
        hooks.onSuccess?.();
        return decodeStatus(response, taskId);
      }),
    );
  }
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
