import { Observable, filter, map, take } from 'rxjs';
import { ConcurrencyGate } from './client/concurrency-gate.js';
import { followTasks } from './client/follow.js';
import { HintRouter } from './client/hint-router.js';
import { InterceptorChain } from './client/interceptor-chain.js';
import { LruCache } from './client/lru-cache.js';
import { monotonicClock } from './client/monotonic-clock.js';
import { ownCopy, type Kept } from './client/resume.js';
import { RetryBudget } from './client/retry-budget.js';
import type { TaskClientEvent } from './client/task-client-event.js';
import { TaskClientMetrics, type TaskClientStats } from './client/task-client-metrics.js';
import { TaskClientDisposedError } from './client/task-client-disposed-error.js';
import { normaliseClientOptions, type TaskClientOptions } from './client/task-client-options.js';
import { TaskEntry, type TaskEntryHost } from './client/task-entry.js';
import type { TaskHubContext } from './client/task-hub.js';
import { TokenBucket } from './client/token-bucket.js';
import { globalVisibilityDocument } from './client/visibility.js';
import { TaskFailedError } from './errors/task-failed-error.js';
import { TaskRejectedError } from './errors/task-rejected-error.js';
import { assertTaskId } from './options.js';
import type { TaskRequestInterceptor } from './poll-events.js';
import { createRuntime } from './task-status.js';
import { isTerminal, type TaskSucceeded, type TaskTransition } from './transitions.js';

export type { TaskClientStats } from './client/task-client-metrics.js';

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
   * transition at once and the next request when the loop meant to send it (`interval` after the
   * last answer, or the server's `Retry-After`), so subscribe/unsubscribe churn costs no request.
   * Each subscriber gets its own copy of a success's content bytes. After the terminal
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

/** Idle tasks kept for a resume at most (the least recently left one goes first). */
const IDLE_KEPT = 10_000;

/** `id` in lower case: the id itself when it is already (no copy held per task). */
function lowerCase(id: string): string {
  return /[A-Z]/.test(id) ? id.toLowerCase() : id;
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
  const metrics = new TaskClientMetrics();
  const { emit } = metrics;
  let disposed = false;

  const entries = new Map<string, TaskEntry>();
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
  const hintSources = [o.hints, o.hub?.hints].filter((h): h is Observable<unknown> => h !== undefined);
  const router = new HintRouter(entries, hintSources, o.pauseWhenHidden ? globalVisibilityDocument() : undefined, gate, metrics, now);
  const interceptors = new InterceptorChain();
  const hubContext: TaskHubContext = { now, report: emit };
  const host: TaskEntryHost = {
    runtime: createRuntime(o.poll, { onEvent: (event) => metrics.poll(event) }),
    clock,
    metrics,
    cache,
    gate,
    fleet,
    retryBudget: o.retryBudget === false ? undefined : new RetryBudget(o.retryBudget),
    interceptors,
    hub: o.hub,
    hubContext,
    pokeable: router.active,
    get disposed() {
      return disposed;
    },
    // The last subscriber of a task left: stop following it (what it was is kept for `resumeWindow`).
    release: (entry) => {
      const { key } = entry;
      if (entries.get(key) !== entry) return;
      entries.delete(key);
      if (metrics.observed) emit(entry.end());
      const kept = disposed ? undefined : entry.kept();
      if (kept !== undefined) idle.set(key, kept);
      if (entries.size === 0 && !disposed) router.stop();
    },
  };

  const assertLive = (taskId?: string): void => {
    if (disposed) throw new TaskClientDisposedError(taskId === undefined ? {} : { taskId });
  };

  const status$ = (taskId: string): Observable<TaskTransition> => {
    assertLive();
    assertTaskId(taskId);
    const key = lowerCase(taskId);
    return new Observable<TaskTransition>((subscriber) => {
      if (disposed) {
        subscriber.error(new TaskClientDisposedError({ taskId }));
        return undefined;
      }
      const hit = cache.get(key);
      if (hit !== undefined) {
        metrics.cacheHits++;
        emit({ type: 'cache-hit', taskId, at: now() });
        subscriber.next(ownCopy(hit));
        subscriber.complete();
        return undefined;
      }
      let entry = entries.get(key);
      if (entry === undefined) {
        const kept = idle.get(key);
        entry = new TaskEntry(taskId, key, host, kept);
        entries.set(key, entry);
        emit({ type: 'task-start', taskId, resumed: kept !== undefined, at: now() });
        if (entries.size === 1) router.listen();
      }
      return entry.addSubscriber(subscriber);
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
    stats: () =>
      metrics.stats({
        tasks: entries.size,
        inFlight: gate.inFlight,
        queued: gate.queued,
        cached: cache.size(),
        retryTokens: host.retryBudget?.available,
      }),
    events$: metrics.events$,
    addInterceptor: (interceptor) => interceptors.add(interceptor),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      gate.close();
      fleet?.close();
      router.stop();
      for (const entry of [...entries.values()]) entry.error(new TaskClientDisposedError({ taskId: entry.taskId }));
      entries.clear();
      cache.clear();
      idle.clear();
      metrics.complete();
    },
  };
  return client;
}
