import {
  HttpContext,
  HttpContextToken,
  HttpErrorResponse,
  HttpHeaders,
  type HttpClient,
  type HttpResponse,
} from '@angular/common/http';
import { Observable } from 'rxjs';
import {
  NetworkError,
  ResponseTooLargeError,
  checkBoolean,
  checkFunction,
  checkObject,
  failOption,
  redactAuthorization,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from '../../index.js';

/**
 * Set on the `HttpContext` of every status request the HttpClient transport sends: the id of the
 * task polled (`null` on any other request). Lets an interceptor tell polls apart, e.g. to keep a
 * global loading indicator still while tasks are followed.
 *
 * @example
 * ```ts
 * export const spinnerInterceptor: HttpInterceptorFn = (req, next) =>
 *   req.context.get(FACTPULSE_TASK_ID) !== null ? next(req) : withSpinner(next(req))
 * ```
 */
export const FACTPULSE_TASK_ID = /* @__PURE__ */ new HttpContextToken<string | null>(() => null);

/**
 * Options of {@link createHttpClientTransport}. Every field is optional.
 *
 * @example
 * ```ts
 * createHttpClientTransport(http, { withCredentials: true, context: () => new HttpContext().set(SKIP_SPINNER, true) })
 * ```
 */
export interface HttpClientTransportOptions {
  /**
   * Send cookies with each request (`withCredentials`), for an API or proxy that authenticates
   * by session cookie.
   * @default false
   */
  readonly withCredentials?: boolean | undefined;
  /**
   * Builds the `HttpContext` of each request, for interceptors that read your own context
   * tokens. {@link FACTPULSE_TASK_ID} is set on it either way.
   * @default () => new HttpContext()
   */
  readonly context?: (() => HttpContext) | undefined;
}

/** Longest `text` kept from a body that is not JSON, in characters (as the fetch transport). */
const TEXT_LIMIT = 2048;
const NON_SPACE = /\S/;
const DIGITS = /^\d+$/;

/** @internal Checks the HttpClient options (`withCredentials`, `context`): a `TypeError` naming the bad one. */
export function checkHttpClientOptions(options: HttpClientTransportOptions): void {
  checkBoolean('withCredentials', options.withCredentials);
  checkFunction('context', options.context, 'a function returning an HttpContext');
}

/**
 * Creates a {@link Transport} that sends each status request through Angular's `HttpClient`, so
 * the app's interceptors (auth, logging, retry policies of its own), `withFetch()`, and
 * `provideHttpClientTesting()` all apply. It behaves like the fetch transport:
 *
 * - one `GET` per subscription (`observe: 'response'`, `responseType: 'text'`, never served
 *   from the SSR transfer cache); unsubscribing cancels the request;
 * - every HTTP status is a response, not an error (an `HttpErrorResponse` with a status is turned
 *   back into a response), so the pipeline decides what 401, 422 or 503 mean;
 * - the body parsed as JSON when it parses, else kept as `text` (an HTML error page, shortened);
 * - a body over `maxResponseBytes` (by `Content-Length`, else as read) is a `ResponseTooLargeError`.
 *   HttpClient buffers bodies, so the size is checked once the body has arrived;
 * - status 0 (no response: offline, DNS, connection refused, CORS refused) is a `NetworkError`,
 *   retried as transient;
 * - an error thrown by an interceptor that is not an `HttpErrorResponse` is passed on unchanged
 *   (it is the app's own error, not a network failure, so it is not retried).
 *
 * Redirects are followed by the browser, which drops the `Authorization` header on a redirect to
 * another origin (Fetch standard). `TaskStatusService` uses this transport; create one yourself to
 * pass it as the `transport` option of `taskStatus$` or `createTaskClient`.
 *
 * @example
 * ```ts
 * const transport = createHttpClientTransport(inject(HttpClient))
 * taskStatus$(taskId, { transport, token }).subscribe(render)
 * ```
 */
export function createHttpClientTransport(http: HttpClient, options: HttpClientTransportOptions = {}): Transport {
  if (http === null || typeof http !== 'object' || typeof (http as { get?: unknown }).get !== 'function') {
    failOption('http', 'an Angular HttpClient', http);
  }
  checkObject('createHttpClientTransport: options', options);
  checkHttpClientOptions(options);
  const { withCredentials = false, context } = options;

  return (request) =>
    new Observable<TransportResponse>((subscriber) => {
      const answer = (response: HttpResponse<string> | HttpErrorResponse): void => {
        let result: TransportResponse;
        try {
          result = fromResponse(response, request);
        } catch (error: unknown) {
          subscriber.error(error);
          return;
        }
        subscriber.next(result);
        subscriber.complete();
      };
      const requestContext = (context === undefined ? new HttpContext() : context()).set(FACTPULSE_TASK_ID, request.taskId);
      return http
        .get(request.url, {
          headers: new HttpHeaders(request.headers),
          observe: 'response',
          responseType: 'text',
          context: requestContext,
          withCredentials,
          transferCache: false,
        })
        .subscribe({
          next: answer,
          error: (error: unknown) => {
            if (!(error instanceof HttpErrorResponse)) subscriber.error(error);
            else if (error.status === 0) subscriber.error(networkError(error, request));
            else answer(error);
          },
          complete: () => subscriber.complete(),
        });
    });
}

/** A successful `HttpResponse` or an `HttpErrorResponse` with a status, as a transport response. */
function fromResponse(response: HttpResponse<string> | HttpErrorResponse, request: TransportRequest): TransportResponse {
  const { taskId, maxResponseBytes: limit } = request;
  const headers = readHeaders(response.headers);
  const declared = headers['content-length'];
  if (declared !== undefined && DIGITS.test(declared) && Number(declared) > limit) throw new ResponseTooLargeError(limit, { taskId });
  const payload: unknown = response instanceof HttpErrorResponse ? response.error : response.body;
  const { status } = response;
  if (typeof payload === 'string') {
    if (exceedsBytes(payload, limit)) throw new ResponseTooLargeError(limit, { taskId });
    return toResponse(status, headers, payload);
  }
  // An interceptor may answer with an object body (e.g. from a cache): it is JSON already.
  if (payload !== null && typeof payload === 'object' && !isEventLike(payload)) return { status, headers, body: payload };
  return { status, headers };
}

/** The response headers as an object with lower-case names. */
function readHeaders(headers: HttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of headers.keys()) {
    const value = headers.get(name);
    if (value !== null) out[name.toLowerCase()] = value;
  }
  return out;
}

/**
 * True when `text` takes more than `limit` bytes as UTF-8 (what the server sent). Each UTF-16
 * unit is 1 to 3 bytes (a surrogate pair 4 bytes for 2 units), so most bodies are decided by their
 * length alone; otherwise it counts, stopping once past the limit.
 */
function exceedsBytes(text: string, limit: number): boolean {
  if (text.length * 3 <= limit) return false;
  if (text.length > limit) return true;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}

/** JSON when the text parses, else the text (shortened); an empty body gives neither. */
function toResponse(status: number, headers: Record<string, string>, text: string): TransportResponse {
  if (!NON_SPACE.test(text)) return { status, headers };
  try {
    return { status, headers, body: JSON.parse(text) as unknown };
  } catch {
    return { status, headers, text: text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT - 1)}…` : text };
  }
}

/** A `ProgressEvent` (XHR backend) or `Error` carried by an `HttpErrorResponse`, not a body. */
function isEventLike(value: object): boolean {
  return value instanceof Error || (typeof Event !== 'undefined' && value instanceof Event);
}

/** The `NetworkError` of a request that got no response; its message never carries a header. */
function networkError(error: HttpErrorResponse, request: TransportRequest): NetworkError {
  const inner: unknown = error.error;
  let detail = 'no response';
  if (inner instanceof Error && inner.message !== '') detail = inner.message;
  else if (typeof Event !== 'undefined' && inner instanceof Event) detail = `${inner.type} event`;
  else if (error.statusText !== '' && error.statusText !== 'Unknown Error') detail = error.statusText;
  return new NetworkError(`network error while sending the request: ${redactAuthorization(detail, request.headers)}`, {
    taskId: request.taskId,
    cause: error,
  });
}

