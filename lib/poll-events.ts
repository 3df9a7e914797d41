import type { Observable } from 'rxjs';
import type { TransportResponse } from './http/transport.js';
import type { TaskPhase } from './transitions.js';

/**
 * What a poll loop reports about its requests, for metrics and logs (`client.events$`). Events
 * never carry a token or a request header.
 */
export type PollEvent =
  | {
      /** A request was sent (after any wait for a concurrency slot). */
      readonly type: 'request-start';
      readonly taskId: string;
      /** Requests sent for this task so far, this one included. */
      readonly polls: number;
      /**
       * ms the request waited for a client's `maxConcurrent` slot, a `maxRequestsPerSecond` token
       * or the page to be shown, read from the scheduler (0 for `taskStatus$`, which has no gate).
       */
      readonly waited: number;
      readonly at: number;
    }
  | {
      /** A request ended: `status` when a response arrived, `error` (a class name) otherwise. */
      readonly type: 'request-end';
      readonly taskId: string;
      readonly status?: number;
      readonly error?: string;
      /** ms from start to end, read from the scheduler. */
      readonly duration: number;
      readonly at: number;
    }
  | {
      /** A transient failure will be retried after `delay` ms. */
      readonly type: 'retry';
      readonly taskId: string;
      /** 1 for the first retry after a good response. */
      readonly attempt: number;
      readonly delay: number;
      /** The error's class name (`HttpError`, `NetworkError`, …) and the status when HTTP. */
      readonly error: string;
      readonly status?: number;
      readonly at: number;
    }
  | {
      /**
       * A good answer would have moved the task back (a stale replica answering `PENDING` after
       * `STARTED`): phases only move forward, so it was not emitted.
       */
      readonly type: 'stale-response';
      readonly taskId: string;
      /** The task's phase, as last emitted. */
      readonly phase: TaskPhase;
      /** The earlier phase the answer claimed. */
      readonly received: TaskPhase;
      /** Requests sent for this task so far. */
      readonly polls: number;
      readonly at: number;
    };

/**
 * What a {@link TaskRequestInterceptor} is told about one request: never its headers (the token
 * travels in one), only what identifies it.
 *
 * @example
 * ```ts
 * const log: TaskRequestInterceptor = (info, send) => {
 *   console.log(`${info.method} ${info.url} (poll ${info.polls}, resend ${info.resend})`)
 *   return send
 * }
 * ```
 */
export interface TaskRequestInfo {
  readonly taskId: string;
  /** Always `GET`. */
  readonly method: 'GET';
  /** The URL requested (the task id percent-encoded); the token is never in it. */
  readonly url: string;
  /** Requests sent for this task so far, this one included (as `request-start`'s `polls`). */
  readonly polls: number;
  /**
   * How many times this poll's request was sent before this one: 0 for the first send, then one
   * more for each retry of a transient failure and for the resend after a token refresh (401).
   */
  readonly resend: number;
}

/**
 * Wraps each request a client sends (see `TaskClient.addInterceptor`): called when the request is
 * sent (after its wait for a `maxConcurrent` slot), with `send`, the request itself — subscribing
 * to it calls the transport (so fetch runs in whatever context the subscription is made in), it
 * emits the response (any status, the token already redacted from it) or errors
 * (`NetworkError`, `RequestTimeoutError`, …), and unsubscribing aborts it. Return `send`, or an
 * Observable that subscribes to it and passes on what it emits: an interceptor observes a
 * request, it does not answer it.
 *
 * @example
 * ```ts
 * const timing: TaskRequestInterceptor = (info, send) =>
 *   defer(() => {
 *     const start = performance.now()
 *     return send.pipe(finalize(() => console.log(info.taskId, performance.now() - start, 'ms')))
 *   })
 * client.addInterceptor(timing)
 * ```
 */
export type TaskRequestInterceptor = (info: TaskRequestInfo, send: Observable<TransportResponse>) => Observable<TransportResponse>;

/** @internal What a client plugs into a poll loop. */
export interface PollHooks {
  /**
   * Wraps each request send (a concurrency slot, a rate limit). Subscribing means "send".
   * `limit`, when given, makes an Observable that errors when the stream's time limit passes: a
   * wait of the gate's own must end with it (the poll carries no timer of its own then).
   */
  readonly gate?: <T>(send: import('rxjs').Observable<T>, limit?: () => import('rxjs').Observable<never>) => import('rxjs').Observable<T>;
  /** Asked before each retry of a transient failure; `false` surfaces the error at once. */
  readonly allowRetry?: (error: unknown) => boolean;
  /** Called after each good (2xx) response. */
  readonly onSuccess?: () => void;
  /** Told of each wait before a next poll, in ms (the interval, the schedule's, the server's `Retry-After`). */
  readonly onWait?: (ms: number) => void;
  /** Receives every {@link PollEvent}. */
  readonly onEvent?: (event: PollEvent) => void;
  /** Wraps each request send, inside the gate (the client's interceptors); read once per send. */
  readonly intercept?: TaskRequestInterceptor | undefined;
}
