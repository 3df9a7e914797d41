import {
  Observable,
  Subject,
  filter,
  map,
  take,
  type Subscriber,
  type Subscription,
} from 'rxjs';
import { ConcurrencyGate, type GateTracker } from './client/concurrency-gate.js';
import { followTasks } from './client/follow.js';
import { hintTaskId } from './client/hint-task-id.js';
import { LruCache } from './client/lru-cache.js';
import { RetryQuota } from './client/retry-quota.js';
import { LatestShare, type LatestShareTap } from './client/share-latest.js';
import type { TaskClientEvent } from './client/task-client-event.js';
import type { TaskHubContext } from './client/task-hub.js';
import { TaskClientDisposedError } from './client/task-client-disposed-error.js';
import { normaliseClientOptions, type TaskClientOptions } from './client/task-client-options.js';
import { TokenBucket } from './client/token-bucket.js';
import { VisibilityWatch, globalVisibilityDocument } from './client/visibility.js';
import { TaskFailedError } from './errors/task-failed-error.js';
import { TaskRejectedError } from './errors/task-rejected-error.js';
import { assertTaskId } from './options.js';
import type { PollEvent, PollHooks } from './poll-events.js';
import { createRuntime, pollTask } from './task-status.js';
import { isTerminal, type TaskSucceeded, type TaskTransition } from './transitions.js';

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
   * the last subscriber leaves and starts again when one comes back. After the terminal
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
  /** Subscribers of `status$` for this task. */
  refs: number;
  /** This task's hint trigger while its loop runs. */
  hint: Subscriber<unknown> | undefined;
  /** The loop, shared: one subscription whatever the number of subscribers, the latest transition replayed. */
  readonly share: LatestShare<TaskTransition>;
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
 *   hidden (`pauseWhenHidden`); `hints` naming tasks poll them at once.
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

  const events = new Subject<TaskClientEvent>();
  const emit = (event: TaskClientEvent): void => {
    if (events.observed) events.next(event);
  };
  let requests = 0;
  let retries = 0;
  let cacheHits = 0;
  let subscribers = 0;
  let disposed = false;

  const entries = new Map<string, Entry>();
  const cache = new LruCache<TaskTransition>(o.cacheSize, o.cacheTtl, now);
  const bucket = o.maxRequestsPerSecond === undefined ? undefined : new TokenBucket(o.maxRequestsPerSecond, scheduler);
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

  const onVisibility = (hidden: boolean): void => {
    emit({ type: 'visibility', hidden, at: now() });
    if (hidden) {
      gate.pause();
      return;
    }
    // Tasks waiting for their next poll poll now; those queued at the gate go when it resumes.
    for (const entry of entries.values()) if (entry.busy === 0) entry.hint?.next('visible');
    gate.resume();
  };
  const watch = doc === undefined ? undefined : new VisibilityWatch(doc, onVisibility);
  const hintSources = [o.hints, o.hub?.hints].filter((h): h is Observable<unknown> => h !== undefined);
  const routeHints = hintSources.length > 0 || watch !== undefined;

  const routeHint = (hint: unknown): void => {
    const id = hintTaskId(hint);
    if (id !== undefined) entries.get(id.toLowerCase())?.hint?.next(hint);
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
    /** The cost of the last retry of the current poll, refunded by its success (AWS SDK style). */
    retried: number | undefined = undefined;
    readonly share: LatestShare<TaskTransition>;

    constructor(
      readonly taskId: string,
      private readonly key: string,
    ) {
      const hints$ = routeHints
        ? new Observable<unknown>((subscriber) => {
            this.hint = subscriber;
            return () => {
              if (this.hint === subscriber) this.hint = undefined;
            };
          })
        : undefined;
      const poll$ = pollTask(taskId, { ...runtime, hooks: this }, hints$);
      const loop$ = o.hub?.follow === undefined ? poll$ : o.hub.follow(taskId, poll$, hubContext);
      this.share = new LatestShare(loop$, this);
    }

    /** Terminal transitions go to the cache before subscribers see them. */
    beforeNext(transition: TaskTransition): void {
      if (isTerminal(transition.to)) cache.set(this.key, transition);
    }

    gate<T>(send: Observable<T>): Observable<T> {
      return gate.wrap(send, this);
    }

    onEvent(event: PollEvent): void {
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
        subscriber.next(hit);
        subscriber.complete();
        return undefined;
      }
      let found = entries.get(key);
      if (found === undefined) {
        found = new TaskEntry(taskId, key);
        entries.set(key, found);
        if (entries.size === 1) wake();
      }
      const entry = found;
      entry.refs++;
      subscribers++;
      const remove = entry.share.add(subscriber);
      return () => {
        remove();
        subscribers--;
        if (--entry.refs === 0 && entries.get(key) === entry) {
          entries.delete(key);
          if (entries.size === 0 && !disposed) sleep();
        }
      };
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
    dispose: () => {
      if (disposed) return;
      disposed = true;
      gate.close();
      for (const s of hintSubscriptions) s.unsubscribe();
      hintSubscriptions = [];
      watch?.detach();
      for (const entry of [...entries.values()]) entry.share.error(new TaskClientDisposedError({ taskId: entry.taskId }));
      entries.clear();
      cache.clear();
      events.complete();
    },
  };
  return client;
}
