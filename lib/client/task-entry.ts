import { Subject, mergeMap, race, take, type Observable, type Subscriber, type Unsubscribable } from 'rxjs';
import type { PollEvent, PollHooks, TaskRequestInterceptor } from '../poll-events.js';
import { pollTask, type PollRuntime } from '../task-status.js';
import { isTerminal, type TaskTransition } from '../transitions.js';
import type { ConcurrencyGate, GateTracker } from './concurrency-gate.js';
import type { InterceptorChain } from './interceptor-chain.js';
import type { LruCache } from './lru-cache.js';
import { ownCopy, resumeLoop, type Kept } from './resume.js';
import type { RetryBudget } from './retry-budget.js';
import { LatestShare } from './share-latest.js';
import type { TaskClientEvent } from './task-client-event.js';
import type { TaskClientMetrics } from './task-client-metrics.js';
import type { TaskHub, TaskHubBudget, TaskHubContext } from './task-hub.js';

/**
 * @internal What every task entry of one client shares: one object per client, so that an entry
 * holds a single reference to it rather than closures of its own.
 */
export interface TaskEntryHost {
  /** The poll loops' runtime (options, transport, token source, schedule). */
  readonly runtime: PollRuntime;
  /** The client's monotonic clock (budgets, windows, `task-end`'s `elapsed`). */
  readonly clock: () => number;
  readonly metrics: TaskClientMetrics;
  /** Terminal transitions, by lower-case task id. */
  readonly cache: LruCache<TaskTransition>;
  readonly gate: ConcurrencyGate;
  /** The fleet's request budget, when the hub counts for the fleet. */
  readonly fleet: TaskHubBudget | undefined;
  /** The shared retry budget (`retryBudget`); `undefined` when off. */
  readonly retryBudget: RetryBudget | undefined;
  readonly interceptors: InterceptorChain;
  readonly hub: TaskHub | undefined;
  readonly hubContext: TaskHubContext;
  /** Whether anything may poke a task (hint sources, page visibility): entries then get a hint trigger. */
  readonly pokeable: boolean;
  /** True once the client is disposed. */
  readonly disposed: boolean;
  /** The entry's last subscriber left: the client stops following the task. */
  release(entry: TaskEntry): void;
}

/**
 * @internal One task a client follows: its shared poll loop (a {@link LatestShare}: one
 * subscription whatever the number of subscribers, the latest transition replayed), and the
 * loop's hooks — the gate and fleet budget around each request, the retry accounting, the cache
 * write of the terminal transition, the pace kept for a resume. A class so that the hooks are
 * methods shared by every task rather than closures per task (a client may follow thousands),
 * and the loop itself is built only when the share connects.
 *
 * @example
 * ```ts
 * const entry = new TaskEntry(taskId, key, host, idle.get(key))
 * subscriber.add(entry.addSubscriber(subscriber)) // connects: the loop starts
 * entry.poke('visible') // a hint: poll now (coalesced until the next request)
 * ```
 */
export class TaskEntry extends LatestShare<TaskTransition> implements PollHooks, GateTracker, Unsubscribable {
  /** Subscribers of `status$` for this task. */
  refs = 0;
  /** Requests of this task queued at the gate or in flight. */
  busy = 0;
  /** Pokes this task's loop (a hint, the page shown again); only when something may poke it. */
  readonly hint: Subject<unknown> | undefined;
  /** A poke was handed to the loop and no request has been sent since. */
  hintQueued = false;
  /** The latest transition, and the pace of the loop: what {@link Kept} keeps (times from {@link tick}; `undefined` for never). */
  last: TaskTransition | undefined;
  lastRequestAt: number | undefined;
  lastResponseAt: number | undefined;
  /** When the loop means to send its next request (see {@link Kept.nextAt}); `undefined` while a request is on its way. */
  nextAt: number | undefined;
  polls: number;
  readonly startedAt: number;
  /** The cost of the last retry of the current poll, refunded by its success (AWS SDK style). */
  retried: number | undefined = undefined;
  /** The class name of the error that ended the loop, if one did. */
  failure: string | undefined = undefined;
  /** What the task's previous entry kept, until the loop that resumes from it is built. */
  private resumeFrom: Kept | undefined;

  constructor(
    readonly taskId: string,
    /** `taskId` in lower case: the key of the client's entries, cache and idle tasks. */
    readonly key: string,
    private readonly host: TaskEntryHost,
    kept?: Kept,
  ) {
    super();
    this.hint = host.pokeable ? new Subject<unknown>() : undefined;
    this.last = kept?.transition;
    this.lastRequestAt = kept === undefined || kept.lastRequestAt === Number.NEGATIVE_INFINITY ? undefined : kept.lastRequestAt;
    this.lastResponseAt = kept === undefined || kept.lastResponseAt === Number.NEGATIVE_INFINITY ? undefined : kept.lastResponseAt;
    this.nextAt = kept?.nextAt;
    this.polls = kept?.polls ?? 0;
    this.startedAt = kept?.startedAt ?? this.tick();
    this.resumeFrom = kept;
    if (kept?.transition !== undefined) this.seed(kept.transition);
  }

  /**
   * The client's monotonic clock in whole milliseconds. The entry's times are read on it: a whole
   * number below 2^31 is stored in the entry itself, while a fractional one (what
   * `performance.now()` gives) would cost a 16-byte box per field per task (V8), and a client
   * may hold thousands of waiting tasks. Half a millisecond is nothing to a poll's pace.
   */
  private tick(): number {
    return Math.round(this.host.clock());
  }

  /** The loop, built when the share connects: fresh, or resumed from what was kept; through the hub when there is one. */
  protected open(): Observable<TaskTransition> {
    const { taskId, host, hint } = this;
    const kept = this.resumeFrom;
    this.resumeFrom = undefined;
    const poll$ =
      kept === undefined
        ? pollTask(taskId, host.runtime, hint, this)
        : resumeLoop(taskId, kept, (hinted) => pollTask(taskId, host.runtime, hint, this, hinted), hint, host.runtime, host.clock);
    return host.hub?.follow === undefined ? poll$ : host.hub.follow(taskId, poll$, host.hubContext);
  }

  /**
   * Adds a subscriber of `status$`; returns its teardown: the entry itself (see {@link unsubscribe}).
   */
  addSubscriber(subscriber: Subscriber<TaskTransition>): Unsubscribable {
    this.refs++;
    this.host.metrics.subscribers++;
    this.join(subscriber);
    return this;
  }

  /**
   * One of the subscribers left. The entry is the teardown of every one of its subscribers (one
   * object for them all rather than one each: a client may hold thousands); a subscriber is
   * closed before its teardowns run, so the closed ones are taken out. The last one out stops
   * the loop and hands the entry back to the client ({@link TaskEntryHost.release}).
   */
  unsubscribe(): void {
    this.removeClosed();
    this.host.metrics.subscribers--;
    if (--this.refs === 0) this.host.release(this);
  }

  /**
   * Hands `reason` (a hint, `'visible'`) to the loop if it listens and has no poke pending;
   * the pokes that follow are served by the same request.
   */
  poke(reason: unknown): void {
    const { hint } = this;
    if (hint === undefined || !hint.observed || this.hintQueued) return;
    this.hintQueued = true;
    hint.next(reason);
  }

  /** Terminal transitions go to the cache before subscribers see them. */
  protected override beforeNext(transition: TaskTransition): void {
    this.last = transition;
    const { host } = this;
    if (isTerminal(transition.to)) host.cache.set(this.key, transition);
    const { metrics } = host;
    if (!metrics.observed) return;
    const { from, to, state, polls, at } = transition;
    const progress = 'progress' in state ? state.progress?.ratio : undefined;
    const elapsed = this.tick() - this.startedAt;
    const base = { type: 'transition', taskId: this.taskId, from, to, celeryStatus: state.status, polls, elapsed, at } as const;
    metrics.emit(progress === undefined ? base : { ...base, progress });
  }

  /** The error that ended the loop, for `task-end`. */
  protected override onError(error: unknown): void {
    this.failure = error instanceof Error ? error.name : 'Error';
  }

  /** Each subscriber gets its own copy of a success's content bytes. */
  protected override forSubscriber(transition: TaskTransition): TaskTransition {
    return ownCopy(transition);
  }

  /** The task's requests go through the client's interceptors (none: the plain transport). */
  get intercept(): TaskRequestInterceptor | undefined {
    return this.host.interceptors.current;
  }

  /** What `task-end` reports once the client stops following the task. */
  end(): TaskClientEvent {
    const { last, host } = this;
    const outcome =
      last !== undefined && isTerminal(last.to)
        ? last.to
        : this.failure !== undefined
          ? 'error'
          : host.disposed
            ? 'disposed'
            : 'unsubscribed';
    const at = host.runtime.options.scheduler.now();
    const elapsed = this.tick() - this.startedAt;
    const { taskId, polls } = this;
    return outcome === 'error'
      ? { type: 'task-end', taskId, outcome, error: this.failure!, polls, elapsed, at }
      : { type: 'task-end', taskId, outcome, polls, elapsed, at };
  }

  /** What to keep once the last subscriber left; `undefined` when the loop never sent anything. */
  kept(): Kept | undefined {
    if (this.polls === 0 && this.last === undefined) return undefined;
    const { polls, startedAt, nextAt } = this;
    const lastRequestAt = this.lastRequestAt ?? Number.NEGATIVE_INFINITY;
    const lastResponseAt = this.lastResponseAt ?? Number.NEGATIVE_INFINITY;
    // A terminal transition is the cache's (`cacheTtl`, `cacheSize`), not kept here.
    const transition = this.last !== undefined && isTerminal(this.last.to) ? undefined : this.last;
    return { transition, lastRequestAt, lastResponseAt, nextAt, polls, startedAt };
  }

  /**
   * Each request waits for a gate slot (and, with a fleet budget, for its permit first), no
   * longer than `limit` when the poll gives one.
   */
  gate<T>(send: Observable<T>, limit?: () => Observable<never>): Observable<T> {
    const { gate, fleet } = this.host;
    if (fleet === undefined) return gate.wrap(send, this, limit);
    const permit$ = limit === undefined ? fleet.permit() : race(fleet.permit(), limit());
    return gate.wrap(
      permit$.pipe(
        take(1),
        mergeMap(() => send),
      ),
      this,
      limit,
    );
  }

  /** The wait the loop chose before its next poll. */
  onWait(ms: number): void {
    this.nextAt = this.tick() + ms;
  }

  onEvent(event: PollEvent): void {
    if (event.type === 'request-start') {
      this.hintQueued = false;
      this.lastRequestAt = this.tick();
      this.nextAt = undefined;
      this.polls++;
    } else if (event.type === 'request-end' && event.status !== undefined) {
      this.lastResponseAt = this.tick();
    } else if (event.type === 'retry') {
      this.nextAt = this.tick() + event.delay;
    }
    this.host.metrics.poll(event);
  }

  allowRetry(error: unknown): boolean {
    const { retryBudget, metrics, runtime } = this.host;
    if (retryBudget === undefined) return true;
    const cost = retryBudget.acquire(error);
    if (cost === undefined) {
      const name = error instanceof Error ? error.name : 'Error';
      metrics.emit({ type: 'budget-exhausted', taskId: this.taskId, error: name, available: retryBudget.available, at: runtime.options.scheduler.now() });
      return false;
    }
    this.retried = cost;
    return true;
  }

  onSuccess(): void {
    const { retryBudget } = this.host;
    if (retryBudget === undefined) return;
    retryBudget.release(this.retried);
    this.retried = undefined;
  }
}
