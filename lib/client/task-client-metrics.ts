import { Subject, type Observable } from 'rxjs';
import type { PollEvent } from '../poll-events.js';
import type { TaskClientEvent } from './task-client-event.js';

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

/** What {@link TaskClientMetrics.stats} reads from the rest of the client. */
export type TaskClientGauges = Omit<TaskClientStats, 'subscribers' | 'requests' | 'retries' | 'cacheHits'>;

/**
 * @internal A client's counters and its `events$`: what `stats()` and `events$` report. An event
 * is built and sent only while `events$` has a subscriber ({@link observed}).
 *
 * @example
 * ```ts
 * const metrics = new TaskClientMetrics()
 * metrics.poll({ type: 'request-start', taskId, polls: 1, waited: 0, at: now() }) // requests: 1
 * if (metrics.observed) metrics.emit({ type: 'cache-hit', taskId, at: now() })
 * ```
 */
export class TaskClientMetrics {
  /** Requests sent since the client was created. */
  requests = 0;
  /** Retries of transient failures. */
  retries = 0;
  /** Subscriptions served from the cache. */
  cacheHits = 0;
  /** Subscriptions open now. */
  subscribers = 0;
  private readonly events = new Subject<TaskClientEvent>();
  /** Hot: every event from now on; completes with {@link complete}. */
  readonly events$: Observable<TaskClientEvent> = this.events.asObservable();

  /** True while `events$` has a subscriber: build an event only then. */
  get observed(): boolean {
    return this.events.observed;
  }

  /** Sends `event` to `events$` (dropped when nobody listens). */
  readonly emit = (event: TaskClientEvent): void => {
    if (this.events.observed) this.events.next(event);
  };

  /** Counts a poll loop's event (a request sent, a retry), then sends it. */
  poll(event: PollEvent): void {
    if (event.type === 'request-start') this.requests++;
    else if (event.type === 'retry') this.retries++;
    this.emit(event);
  }

  /** The counters, with what the rest of the client measures now. */
  stats(gauges: TaskClientGauges): TaskClientStats {
    const { tasks, inFlight, queued, cached, retryTokens } = gauges;
    const { subscribers, requests, retries, cacheHits } = this;
    return { tasks, subscribers, inFlight, queued, requests, retries, cacheHits, cached, retryTokens };
  }

  /** Completes `events$` (the client is disposed). */
  complete(): void {
    this.events.complete();
  }
}
