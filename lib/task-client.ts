import {
  Observable,
  Subject,
  defer,
  filter,
  map,
  mergeMap,
  race,
  take,
  type MonoTypeOperatorFunction,
  type Subscriber,
  type Subscription,
  type Unsubscribable,
} from 'rxjs';
import { ConcurrencyGate, type GateTracker } from './client/concurrency-gate.js';
import { followTasks } from './client/follow.js';
import { hintTaskId } from './client/hint-task-id.js';
import { LruCache } from './client/lru-cache.js';
import { RetryQuota } from './client/retry-quota.js';
import { monotonicClock } from './client/monotonic-clock.js';
import { LatestShare, type LatestShareTap } from './client/share-latest.js';
import type { TaskClientEvent } from './client/task-client-event.js';
import type { TaskHubContext } from './client/task-hub.js';
import { TaskClientDisposedError } from './client/task-client-disposed-error.js';
import { normaliseClientOptions, type TaskClientOptions } from './client/task-client-options.js';
import { TokenBucket } from './client/token-bucket.js';
import { VisibilityWatch, globalVisibilityDocument } from './client/visibility.js';
import { TaskFailedError } from './errors/task-failed-error.js';
import { TaskRejectedError } from './errors/task-rejected-error.js';
import { longTimer } from './operators/long-timer.js';
import { assertTaskId } from './options.js';
import type { PollEvent, PollHooks, TaskRequestInterceptor } from './poll-events.js';
import { createRuntime, pollTask } from './task-status.js';
import { compareStates, isTerminal, type TaskSucceeded, type TaskTransition } from './transitions.js';

/**
 * A snapshot of a client's activity, from `client.stats()`.
 *
 * @example
 * ```ts
 * setInterval(() => metrics.gauge('factpulse.inflight', client.stats().inFlight), 10_000)
 * ```
 */
export interface TaskClientStats {
  /** Tasks followed now (one poll loop each). */
  readonly tasks: number;
  /** Subscriptions to `status$` / `result$` / `follow` open now. */
  readonly subscribers: number;
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
  /** Requests waiting for a `maxConcurrent` slot, a rate token, or the page to be shown. */
  readonly queued: number;
  /** Requests sent since the client was created (retries and token refreshes included). */
  readonly requests: number;
  /** Retries of transient failures since the client was created. */
  readonly retries: number;
  /** Subscriptions served from the terminal-result cache, with no request. */
  readonly cacheHits: number;
  /** Terminal results in the cache now. */
  readonly cached: number;
  /** Tokens left in the shared retry budget; `undefined` when `retryBudget` is `false`. */
  readonly retryTokens: number | undefined;
}

/**
 * The object an app holds to follow many tasks under one budget: one poll loop per task id
 * whatever the number of subscribers, at most `maxConcurrent` requests in flight, a shared retry
 * budget, a cache of terminal results. See {@link createTaskClient}.
 *
 * @example
 * ```ts
 * const client: TaskClient = createTaskClient({ token })
 * const badge$ = client.status$(taskId).pipe(map((t) => t.to))
 * ```
 */
export interface TaskClient {
  /**
   * The transitions of `taskId`, from one poll loop shared by every subscriber. A late subscriber
   * first gets the latest transition (with `from` as it was), then the rest. The loop stops when
   * the last subscriber leaves; one that comes back within `resumeWindow` gets the latest
   * transition at once and the next request no sooner than `interval` after the last one, so
   * subscribe/unsubscribe churn costs no request. Each subscriber gets its own copy of a
   * success's content bytes. After the terminal
   * transition, later subscribers get it from the cache (`cacheTtl`), with no request.
   * Throws a `TypeError` at once when `taskId` is not a UUID.
   */
  status$(taskId: string): Observable<TaskTransition>;
  /**
   * One {@link TaskSucceeded} then complete; errors with `TaskFailedError` (Celery FAILURE or
   * REVOKED) or `TaskRejectedError` (business ERROR), each carrying the terminal state. Shares
   * the loop of `status$(taskId)`.
   */
  result$(taskId: string): Observable<TaskSucceeded>;
  /**
   * Follows whichever task id `taskId$` named last, dropping the previous task's subscription
   * (see {@link followTasks}).
   */
  follow(taskId$: Observable<string | null | undefined>): Observable<TaskTransition>;
  /** A snapshot of the client's activity. */
  stats(): TaskClientStats;
  /**
   * Wraps each request the client sends from now on with `interceptor` (see
   * {@link TaskRequestInterceptor}): for tracing (`factpulse-rx/otel` parents the user's fetch
   * instrumentation this way), timing or logging. Interceptors added earlier run outside those
   * added later. Returns the function that removes it (requests already sent keep it).
   */
  addInterceptor(interceptor: TaskRequestInterceptor): () => void;
  /** Hot: every request start/end, retry, exhausted budget, cache hit, visibility change. Completes on dispose. */
  readonly events$: Observable<TaskClientEvent>;
  /**
   * Ends every loop: each open stream errors with `TaskClientDisposedError`, every request in
   * flight is aborted, every queued request dropped, every timer and listener removed. Later
   * calls of `status$`, `result$` and `follow` throw `TaskClientDisposedError`. Idempotent.
   */
  dispose(): void;
}

/** One followed task. */
interface Entry extends GateTracker {
  readonly taskId: string;
  /** `taskId` in lower case: the key of `entries`, the cache and the idle tasks. */
  readonly key: string;
  /** Subscribers of `status$` for this task. */
  refs: number;
  /** This task's hint trigger while its loop runs. */
  hint: Subscriber<unknown> | undefined;
  /** A hint was handed to the loop and no request has been sent since. */
  hintQueued: boolean;
  /** The loop, shared: one subscription whatever the number of subscribers, the latest transition replayed. */
  readonly share: LatestShare<TaskTransition>;
  /** What to keep once the last subscriber left; `undefined` when the loop never sent anything. */
  kept(): Kept | undefined;
  /** The `task-end` event of the task. */
  end(): TaskClientEvent;
}

/**
 * What the client keeps of a task after its last subscriber left (for `resumeWindow` ms), so a
 * subscriber that comes back resumes the task's pace instead of polling at once.
 */
interface Kept {
  /** The latest transition (replayed at once to the returning subscriber). */
  readonly transition: TaskTransition | undefined;
  /** Monotonic time of the last request sent, and of the last response. */
  readonly lastRequestAt: number;
  readonly lastResponseAt: number;
  /** Requests sent for the task so far. */
  readonly polls: number;
  /** Monotonic time the task was first followed. */
  readonly startedAt: number;
}

/** Idle tasks kept for a resume at most (the least recently left one goes first). */
const IDLE_KEPT = 10_000;

/**
 * The transition a subscriber gets: its own copy of the content bytes, so that one subscriber
 * (or the cache) never shares memory with another — one that zero-fills its bytes after saving
 * them cannot blank another's PDF.
 */
function ownCopy(transition: TaskTransition): TaskTransition {
  if (transition.to !== 'succeeded' || transition.state.content === undefined) return transition;
  return { ...transition, state: { ...transition.state, content: transition.state.content.slice() } };
}

/**
 * After a resume, the loop starts from scratch: drop what would not be news to a subscriber that
 * got the kept transition (the same state, or an older phase), and continue its `from` / `polls`.
 */
function resumeFrom(kept: Kept): MonoTypeOperatorFunction<TaskTransition> {
  let last = kept.transition;
  return (source) =>
    source.pipe(
      filter((t) => last === undefined || compareStates(last.state, t.state) === 'change'),
      map((t) => {
        const out = { ...t, from: last?.to ?? t.from, polls: t.polls + kept.polls } as TaskTransition;
        last = out;
        return out;
      }),
    );
}

function toSucceeded(transition: TaskTransition): TaskSucceeded {
  const { state, taskId } = transition;
  switch (state.phase) {
    case 'succeeded':
      return state.content === undefined ? { taskId, result: state.result } : { taskId, content: state.content, result: state.result };
    case 'rejected':
      throw new TaskRejectedError(state, { taskId });
    case 'failed':
      throw new TaskFailedError(state, { taskId });
    default:
      throw new TypeError(`not a terminal phase: ${state.phase}`);
  }
}

/**
 * Creates a {@link TaskClient}: the object that follows many tasks at once under one budget for
 * the API. Options are validated now (a `TypeError` naming the bad field); the token source,
 * transport and schedule are shared by every task.
 *
 * - `status$(id)`: one poll loop per id, shared; terminal results cached (`cacheTtl`, `cacheSize`).
 * - `result$(id)`: the decoded success, or `TaskFailedError` / `TaskRejectedError`.
 * - `follow(id$)`: follows the id named last.
 * - `maxConcurrent` (default 16) requests in flight, first come first served; optional
 *   `maxRequestsPerSecond`; a shared retry budget (`retryBudget`); polling paused while the page is
 *   hidden (`pauseWhenHidden`); `hints` naming tasks poll them (coalesced, spaced by `hintFloor`;
 *   free for a task not followed or cached); `resumeWindow` so that churn costs no request.
 *   Budgets read a clock that never goes back, so a wall clock set back stops nothing.
 * - `stats()`, `events$` for metrics; `dispose()` ends everything.
 *
 * @example
 * ```ts
 * import { createTaskClient } from 'factpulse-rx'
 *
 * const client = createTaskClient({ token: () => auth.accessToken(), maxConcurrent: 8 })
 * client.status$(taskId).subscribe((t) => console.log(`${t.from ?? '∅'} → ${t.to}`))
 * client.result$(taskId).subscribe(({ content }) => content && download(content, 'invoice.pdf'))
 * // several components, one request per poll
 * client.status$(taskId).subscribe(updateBadge)
 * ```
 */
export function createTaskClient(options?: TaskClientOptions): TaskClient {
  const o = normaliseClientOptions(options);
  const { scheduler } = o.poll;
  const now = (): number => scheduler.now();
  /** Budgets and windows read a clock that never goes back (see `monotonicClock`). */
  const clock = monotonicClock(scheduler);

  const events = new Subject<TaskClientEvent>();
  const emit = (event: TaskClientEvent): void => {
    if (events.observed) events.next(event);
  };
  let requests = 0;
  let retries = 0;
  let cacheHits = 0;
  let subscribers = 0;
  let disposed = false;
  let interceptors: readonly TaskRequestInterceptor[] = [];
  /** The interceptors composed, the first added outermost; `undefined` when there are none. */
  let intercept: TaskRequestInterceptor | undefined;
  const addInterceptor = (interceptor: TaskRequestInterceptor): (() => void) => {
    if (typeof interceptor !== 'function') throw new TypeError('addInterceptor: `interceptor` must be a function');
    const recompose = (): void => {
      const list = interceptors;
      intercept = list.length === 0 ? undefined : (info, send) => list.reduceRight((inner, wrap) => wrap(info, inner), send);
    };
    interceptors = [...interceptors, interceptor];
    recompose();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      interceptors = interceptors.filter((i) => i !== interceptor);
      recompose();
    };
  };

  const entries = new Map<string, Entry>();
  const cache = new LruCache<TaskTransition>(o.cacheSize, o.cacheTtl, clock);
  const idle = new LruCache<Kept>(IDLE_KEPT, o.resumeWindow, clock);
  const bucket = o.maxRequestsPerSecond === undefined ? undefined : new TokenBucket(o.maxRequestsPerSecond, { now: clock }, o.maxRequestsBurst);
  // With a hub that counts for the fleet, each request also waits for its permit (the bucket above
  // stays the per-process budget, and the whole budget when the hub's backend is down).
  const fleet =
    o.maxRequestsPerSecond === undefined || o.hub?.requestBudget === undefined
      ? undefined
      : o.hub.requestBudget({ perSecond: o.maxRequestsPerSecond, burst: o.maxRequestsBurst ?? Math.max(1, o.maxRequestsPerSecond) }, { now, report: emit });
  const gate = new ConcurrencyGate(o.maxConcurrent, scheduler, bucket);
  const quota = o.retryBudget === false ? undefined : new RetryQuota(o.retryBudget);
  const doc = o.pauseWhenHidden ? globalVisibilityDocument() : undefined;

  const onEvent = (event: PollEvent): void => {
    if (event.type === 'request-start') requests++;
    else if (event.type === 'retry') retries++;
    emit(event);
  };
  const runtime = createRuntime(o.poll, { onEvent });
  const hubContext: TaskHubContext = { now, report: emit };

  /** The wait after a response the loop would use: the interval, or the schedule's answer. */
  const pace = (kept: Kept, taskId: string): number => {
    const { interval } = o.poll;
    if (typeof interval === 'number') return interval;
    const at = clock();
    const phase = kept.transition?.to ?? 'pending';
    return runtime.schedule.next({
      taskId,
      polls: Math.max(1, kept.polls),
      elapsed: Math.max(0, kept.lastResponseAt - kept.startedAt),
      phase,
      inPhase: kept.transition === undefined ? 0 : Math.max(0, at - kept.lastResponseAt),
      ...(kept.transition !== undefined ? { state: kept.transition.state } : {}),
    });
  };

  const onVisibility = (hidden: boolean): void => {
    emit({ type: 'visibility', hidden, at: now() });
    if (hidden) {
      gate.pause();
      return;
    }
    // Tasks waiting for their next poll poll now; those queued at the gate go when it resumes.
    for (const entry of entries.values()) {
      if (entry.busy === 0 && entry.hint !== undefined && !entry.hintQueued) {
        entry.hintQueued = true;
        entry.hint.next('visible');
      }
    }
    gate.resume();
  };
  const watch = doc === undefined ? undefined : new VisibilityWatch(doc, onVisibility);
  const hintSources = [o.hints, o.hub?.hints].filter((h): h is Observable<unknown> => h !== undefined);
  const routeHints = hintSources.length > 0 || watch !== undefined;

  // Hints to one task coalesce here already: one is handed to its loop, the rest are dropped
  // until the loop sends a request (which serves them all). A task not followed (idle, or its
  // terminal state cached) costs nothing.
  const routeHint = (hint: unknown): void => {
    const id = hintTaskId(hint);
    if (id === undefined) return;
    const entry = entries.get(id.toLowerCase());
    if (entry === undefined || entry.hint === undefined || entry.hintQueued) return;
    entry.hintQueued = true;
    entry.hint.next(hint);
  };
  let hintSubscriptions: Subscription[] = [];

  /** The first task followed: listen for hints and visibility. */
  const wake = (): void => {
    // A broken hint source must not break the client: its errors and completion are ignored.
    hintSubscriptions = hintSources.map((source) => source.subscribe({ next: routeHint, error: () => undefined }));
    if (watch?.attach() === true) gate.pause();
  };
  /** No task followed any more: leave no listener behind. */
  const sleep = (): void => {
    for (const s of hintSubscriptions) s.unsubscribe();
    hintSubscriptions = [];
    watch?.detach();
    gate.resume();
  };

  /**
   * One followed task, and its poll loop's hooks. A class so that the hooks are methods shared by
   * every task of this client rather than closures per task (a client may follow thousands).
   */
  class TaskEntry implements Entry, PollHooks, LatestShareTap<TaskTransition> {
    refs = 0;
    busy = 0;
    hint: Subscriber<unknown> | undefined = undefined;
    hintQueued = false;
    /** The latest transition, and the pace of the loop: what {@link Kept} keeps. */
    last: TaskTransition | undefined;
    lastRequestAt: number;
    lastResponseAt: number;
    polls: number;
    readonly startedAt: number;
    /** The cost of the last retry of the current poll, refunded by its success (AWS SDK style). */
    retried: number | undefined = undefined;
    /** The class name of the error that ended the loop, if one did. */
    failure: string | undefined = undefined;
    readonly share: LatestShare<TaskTransition>;

    constructor(
      readonly taskId: string,
      readonly key: string,
      kept?: Kept,
    ) {
      this.last = kept?.transition;
      this.lastRequestAt = kept?.lastRequestAt ?? Number.NEGATIVE_INFINITY;
      this.lastResponseAt = kept?.lastResponseAt ?? Number.NEGATIVE_INFINITY;
      this.polls = kept?.polls ?? 0;
      this.startedAt = kept?.startedAt ?? clock();
      const hints$ = routeHints
        ? new Observable<unknown>((subscriber) => {
            this.hint = subscriber;
            return () => {
              if (this.hint === subscriber) this.hint = undefined;
            };
          })
        : undefined;
      const fresh$ = pollTask(taskId, runtime, hints$, this);
      const poll$ = kept === undefined ? fresh$ : this.resume(kept, fresh$, hints$);
      const loop$ = o.hub?.follow === undefined ? poll$ : o.hub.follow(taskId, poll$, hubContext);
      this.share = new LatestShare(loop$, this);
      if (kept?.transition !== undefined) this.share.seed(kept.transition);
    }

    /**
     * The loop of a task that comes back within `resumeWindow`: the first request no sooner than
     * the pace after the last request or response (or a hint, `hintFloor` after the last
     * request), then only what is news to a subscriber that got the kept transition.
     */
    private resume(kept: Kept, poll$: Observable<TaskTransition>, hints$: Observable<unknown> | undefined): Observable<TaskTransition> {
      return defer(() => {
        const since = Math.max(kept.lastRequestAt, kept.lastResponseAt);
        const wait = since + pace(kept, this.taskId) - clock();
        if (!(wait > 0)) return poll$;
        const paced$ = longTimer(wait, scheduler);
        const start$ =
          hints$ === undefined
            ? paced$
            : race(paced$, hints$.pipe(take(1), mergeMap(() => longTimer(kept.lastRequestAt + o.poll.hintFloor - clock(), scheduler))));
        return start$.pipe(
          take(1),
          mergeMap(() => poll$),
        );
      }).pipe(resumeFrom(kept));
    }

    /** Terminal transitions go to the cache before subscribers see them. */
    beforeNext(transition: TaskTransition): void {
      this.last = transition;
      if (isTerminal(transition.to)) cache.set(this.key, transition);
      if (!events.observed) return;
      const { from, to, state, polls, at } = transition;
      const progress = 'progress' in state ? state.progress?.ratio : undefined;
      const elapsed = clock() - this.startedAt;
      const base = { type: 'transition', taskId: this.taskId, from, to, celeryStatus: state.status, polls, elapsed, at } as const;
      emit(progress === undefined ? base : { ...base, progress });
    }

    /** The error that ended the loop, for `task-end`. */
    onError(error: unknown): void {
      this.failure = error instanceof Error ? error.name : 'Error';
    }

    /** Each subscriber gets its own copy of a success's content bytes. */
    forSubscriber(transition: TaskTransition): TaskTransition {
      return ownCopy(transition);
    }

    /** The task's requests go through the client's interceptors (none: the plain transport). */
    get intercept(): TaskRequestInterceptor | undefined {
      return intercept;
    }

    /** What `task-end` reports once the client stops following the task. */
    end(): TaskClientEvent {
      const last = this.last;
      const outcome =
        last !== undefined && isTerminal(last.to)
          ? last.to
          : this.failure !== undefined
            ? 'error'
            : disposed
              ? 'disposed'
              : 'unsubscribed';
      const at = now();
      const elapsed = clock() - this.startedAt;
      const { taskId, polls } = this;
      return outcome === 'error'
        ? { type: 'task-end', taskId, outcome, error: this.failure!, polls, elapsed, at }
        : { type: 'task-end', taskId, outcome, polls, elapsed, at };
    }

    /** What to keep once the last subscriber left; `undefined` when the loop never sent anything. */
    kept(): Kept | undefined {
      if (this.polls === 0 && this.last === undefined) return undefined;
      const { lastRequestAt, lastResponseAt, polls, startedAt } = this;
      // A terminal transition is the cache's (`cacheTtl`, `cacheSize`), not kept here.
      const transition = this.last !== undefined && isTerminal(this.last.to) ? undefined : this.last;
      return { transition, lastRequestAt, lastResponseAt, polls, startedAt };
    }

    gate<T>(send: Observable<T>): Observable<T> {
      return gate.wrap(fleet === undefined ? send : fleet.permit().pipe(take(1), mergeMap(() => send)), this);
    }

    onEvent(event: PollEvent): void {
      if (event.type === 'request-start') {
        this.hintQueued = false;
        this.lastRequestAt = clock();
        this.polls++;
      } else if (event.type === 'request-end' && event.status !== undefined) {
        this.lastResponseAt = clock();
      }
      onEvent(event);
    }

    allowRetry(error: unknown): boolean {
      if (quota === undefined) return true;
      const cost = quota.acquire(error);
      if (cost === undefined) {
        const name = error instanceof Error ? error.name : 'Error';
        emit({ type: 'budget-exhausted', taskId: this.taskId, error: name, available: quota.available, at: now() });
        return false;
      }
      this.retried = cost;
      return true;
    }

    onSuccess(): void {
      if (quota === undefined) return;
      quota.release(this.retried);
      this.retried = undefined;
    }
  }

  /** A subscriber of `status$` leaves; the last one out of a task stops its loop (kept for `resumeWindow`). */
  const leave = (entry: Entry, subscriber: Subscriber<TaskTransition>): void => {
    const { key } = entry;
    entry.share.remove(subscriber);
    subscribers--;
    if (--entry.refs === 0 && entries.get(key) === entry) {
      entries.delete(key);
      if (events.observed) emit(entry.end());
      const kept = disposed ? undefined : entry.kept();
      if (kept !== undefined) idle.set(key, kept);
      if (entries.size === 0 && !disposed) sleep();
    }
  };

  /** One subscriber of `status$`, as its teardown: one small object rather than closures (a client may hold thousands). */
  class Member implements Unsubscribable {
    constructor(
      private readonly entry: Entry,
      private readonly subscriber: Subscriber<TaskTransition>,
    ) {}

    unsubscribe(): void {
      leave(this.entry, this.subscriber);
    }
  }

  const assertLive = (taskId?: string): void => {
    if (disposed) throw new TaskClientDisposedError(taskId === undefined ? {} : { taskId });
  };

  const status$ = (taskId: string): Observable<TaskTransition> => {
    assertLive();
    assertTaskId(taskId);
    const key = taskId.toLowerCase();
    return new Observable<TaskTransition>((subscriber) => {
      if (disposed) {
        subscriber.error(new TaskClientDisposedError({ taskId }));
        return undefined;
      }
      const hit = cache.get(key);
      if (hit !== undefined) {
        cacheHits++;
        emit({ type: 'cache-hit', taskId, at: now() });
        subscriber.next(ownCopy(hit));
        subscriber.complete();
        return undefined;
      }
      let found = entries.get(key);
      if (found === undefined) {
        const kept = idle.get(key);
        found = new TaskEntry(taskId, key, kept);
        entries.set(key, found);
        emit({ type: 'task-start', taskId, resumed: kept !== undefined, at: now() });
        if (entries.size === 1) wake();
      }
      const entry = found;
      entry.refs++;
      subscribers++;
      entry.share.join(subscriber);
      return new Member(entry, subscriber);
    });
  };

  const result$ = (taskId: string): Observable<TaskSucceeded> =>
    status$(taskId).pipe(
      filter((transition) => isTerminal(transition.to)),
      take(1),
      map(toSucceeded),
    );

  const client: TaskClient = {
    status$,
    result$,
    follow: (taskId$) => {
      assertLive();
      return followTasks(client)(taskId$);
    },
    stats: () => ({
      tasks: entries.size,
      subscribers,
      inFlight: gate.inFlight,
      queued: gate.queued,
      requests,
      retries,
      cacheHits,
      cached: cache.size(),
      retryTokens: quota?.available,
    }),
    events$: events.asObservable(),
    addInterceptor,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      gate.close();
      fleet?.close();
      for (const s of hintSubscriptions) s.unsubscribe();
      hintSubscriptions = [];
      watch?.detach();
      for (const entry of [...entries.values()]) entry.share.error(new TaskClientDisposedError({ taskId: entry.taskId }));
      entries.clear();
      cache.clear();
      idle.clear();
      events.complete();
    },
  };
  return client;
}
