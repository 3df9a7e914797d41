import type { Observable } from 'rxjs';

/** One GET the pipeline wants sent. */
export interface TransportRequest {
  /** Absolute URL, task id already percent-encoded. */
  readonly url: string;
  /** Request headers (`accept`, and `authorization` when a token is set). */
  readonly headers: Readonly<Record<string, string>>;
  /** The task this request is for, so transport errors can name it. */
  readonly taskId: string;
  /** The cap on the body size, in bytes; the transport fails with `ResponseTooLargeError` past it. */
  readonly maxResponseBytes: number;
}

/** What a transport hands back for one request. */
export interface TransportResponse {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; `undefined` when the body was empty or not JSON (then see `text`). */
  readonly body?: unknown;
  /** The body text when it was not JSON (possibly shortened), for error reports. */
  readonly text?: string;
}

/**
 * Sends one request. Subscribing sends it; the Observable emits one response and completes, or
 * errors with a `NetworkError` / `ResponseTooLargeError`; unsubscribing aborts it. Any status is
 * a response, not an error: the pipeline decides what a status means.
 *
 * The default is the fetch transport (`createFetchTransport`); the Angular entry point supplies
 * one built on `HttpClient`; tests use cold observables.
 *
 * @example
 * ```ts
 * const transport: Transport = () => of({ status: 200, headers: {}, body: { taskId: id, status: 'PENDING' } })
 * ```
 */
export type Transport = (request: TransportRequest) => Observable<TransportResponse>;
