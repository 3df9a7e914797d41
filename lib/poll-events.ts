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
    };

/** @internal What a client plugs into a poll loop. */
export interface PollHooks {
  /** Wraps each request send (a concurrency slot, a rate limit). Subscribing means "send". */
  readonly gate?: <T>(send: import('rxjs').Observable<T>) => import('rxjs').Observable<T>;
  /** Asked before each retry of a transient failure; `false` surfaces the error at once. */
  readonly allowRetry?: (error: unknown) => boolean;
  /** Called after each good (2xx) response. */
  readonly onSuccess?: () => void;
  /** Receives every {@link PollEvent}. */
  readonly onEvent?: (event: PollEvent) => void;
}
