import { Observable, type Subscriber, type Unsubscribable } from 'rxjs';
import { HttpError } from '../errors/http-error.js';
import { NetworkError } from '../errors/network-error.js';
import { ResponseTooLargeError } from '../errors/response-too-large-error.js';
import { TaskStatusError } from '../errors/task-status-error.js';
import { keepAliveAgent } from './keep-alive.js';
import { sameOrigin } from './origin.js';
import type { Transport, TransportRequest, TransportResponse } from './transport.js';
import { credentialOf, redactAuthorization, redactHeaders } from './redact-token.js';
import { describeError } from './describe-error.js';
import { cancelBody, guardBody } from './node-stream-body.js';
import { readBytes, toResponse } from './read-body.js';
import { checkFunction, checkNumber, failOption } from '../option-checks.js';

/**
 * The init the fetch transport passes to `fetch` (a subset of `RequestInit`, plus node-fetch's `agent`).
 *
 * @example
 * ```ts
 * const spy: FetchFunction = (url, init: FetchRequestInit) => (console.log(init.redirect), fetch(url, init)) // 'manual'
 * ```
 */
export interface FetchRequestInit {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly redirect: 'manual';
  /** node-fetch's `agent` option; only set for the default fetch or when the `agent` option asks. */
  readonly agent?: unknown;
}

/**
 * The parts of a fetch `Response` the transport reads (a WHATWG `Response` and node-fetch's fit).
 *
 * @example
 * ```ts
 * const stub: FetchFunction = async () => ({ status: 200, headers: new Headers(), body: new Response('{}').body })
 * ```
 */
export interface FetchResponse {
  readonly status: number;
  /** `'opaqueredirect'` for a redirect a browser will not expose. */
  readonly type?: string;
  readonly headers: {
    get(name: string): string | null;
    forEach(callback: (value: string, name: string) => void, thisArg?: unknown): void;
  };
  /** A WHATWG `ReadableStream` (global fetch), a Node `Readable` (node-fetch), or null. */
  readonly body?: unknown;
  /** Used only when `body` is missing altogether (XHR-based polyfills). */
  arrayBuffer?(): Promise<ArrayBuffer>;
}

/**
 * Any WHATWG-style `fetch`: Node's global fetch (undici), cross-fetch / node-fetch v2, a
 * browser's fetch, or a test double.
 *
 * @example
 * ```ts
 * const f: FetchFunction = globalThis.fetch
 * ```
 */
export type FetchFunction = (url: string, init: FetchRequestInit) => PromiseLike<FetchResponse>;

/**
 * node-fetch's `agent` option: an `http.Agent`, or a function of the parsed URL returning one.
 * Typed loosely so that browser builds need no Node types.
 *
 * @example
 * ```ts
 * const agent: FetchAgent = (url) => (url.protocol === 'https:' ? myHttpsAgent : myHttpAgent)
 * ```
 */
export type FetchAgent = object | ((url: URL) => object | undefined);

/**
 * Options of {@link createFetchTransport}.
 *
 * @example
 * ```ts
 * const options: FetchTransportOptions = { fetch: globalThis.fetch, maxRedirects: 2 }
 * ```
 */
export interface FetchTransportOptions {
  /**
   * The `fetch` to use. It is always called as a plain function (never as a method).
   * @default cross-fetch (node-fetch v2 on Node, the native fetch in browsers)
   */
  readonly fetch?: FetchFunction | undefined;
  /**
   * Same-origin redirects (301, 302, 303, 307, 308 with a `Location`) followed per request; one
   * more is an `HttpError`. A cross-origin redirect is always an `HttpError`.
   * @default 5
   */
  readonly maxRedirects?: number | undefined;
  /**
   * Connection pooling for node-fetch (passed as its `agent` option): `true` for the shared
   * keep-alive agents (up to 16 384 idle sockets per host, no cap on active ones), `false` for
   * none (the fetch's default), or your own agent / agent function. Node's global fetch (undici)
   * ignores it.
   * @default true with the default fetch, false with an injected `fetch`
   */
  readonly agent?: boolean | FetchAgent | undefined;
}

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const DIGITS = /^\d+$/;

/** `headers.forEach` callback with the target object as `this`: no closure per response. */
function copyHeader(this: Record<string, string>, value: string, name: string): void {
  this[name.toLowerCase()] = value;
}

/** cross-fetch, once loaded (only the default path loads it: see {@link loadDefaultFetch}). */
let defaultFetch: Promise<FetchFunction> | undefined;

/**
 * `import('cross-fetch')`; where a CommonJS sandbox cannot run a dynamic import (Jest without
 * `--experimental-vm-modules`), its own `module.require`. Never a literal `require(…)`, which
 * bundlers would pull into the main bundle.
 */
async function importCrossFetch(): Promise<unknown> {
  try {
    return await import('cross-fetch');
  } catch (error: unknown) {
    const cjs = typeof module === 'object' && module !== null ? (module as { require?: unknown }).require : undefined;
    if (typeof cjs !== 'function') throw error;
    return (cjs as (id: string) => unknown).call(module, 'cross-fetch');
  }
}

/**
 * @internal Loads cross-fetch on first use of a transport without `fetch`: an app (or a browser
 * bundle) that hands its own `fetch` or `transport` over never loads it.
 *
 * @example
 * ```ts
 * const fetch = await loadDefaultFetch()
 * ```
 */
export function loadDefaultFetch(): Promise<FetchFunction> {
  defaultFetch ??= importCrossFetch().then((loaded: unknown) => {
    const m = loaded as { fetch?: unknown; default?: unknown };
    const inner = m.default as { fetch?: unknown } | undefined;
    const found = m.fetch ?? inner?.fetch ?? m.default;
    if (typeof found !== 'function') throw new TypeError('cross-fetch did not provide a fetch function');
    return found as FetchFunction;
  });
  // A failed load is not kept: the next request tries again.
  defaultFetch.catch(() => {
    defaultFetch = undefined;
  });
  return defaultFetch;
}

interface CallConfig {
  /** The injected fetch; `undefined` for the default (cross-fetch, loaded on first use). */
  readonly fetch: FetchFunction | undefined;
  readonly agent: FetchAgent | undefined;
  readonly maxRedirects: number;
}

/**
 * Creates the default {@link Transport}: one GET per subscription through `fetch`, with
 *
 * - one `AbortController` per HTTP request, aborted when the subscriber unsubscribes (nothing is
 *   emitted then);
 * - redirects followed by hand (`redirect: 'manual'`), same origin only (scheme, host, port), at
 *   most `maxRedirects`: a cross-origin redirect (https → http included) is an `HttpError` and
 *   the request, with its `Authorization` header, is never sent there;
 * - the body read by the transport, counting bytes: over `request.maxResponseBytes` (by
 *   `Content-Length` at once, or while streaming) it is a `ResponseTooLargeError`; the body is
 *   always read to the end or cancelled, so no socket is left behind;
 * - the body parsed as JSON whenever it parses (whatever the content type), else kept as `text`
 *   (at most 2 048 characters); an empty body gives neither;
 * - connection failures, resets and truncated bodies as `NetworkError` (original in `cause`);
 * - on Node with the default fetch, shared keep-alive agents sized for thousands of tasks.
 *
 * @example
 * ```ts
 * const transport = createFetchTransport({ fetch: globalThis.fetch })
 * transport({ url, headers: { accept: 'application/json' }, taskId, maxResponseBytes: 1 << 20 })
 *   .subscribe((res) => console.log(res.status, res.body))
 * ```
 */
export function createFetchTransport(options: FetchTransportOptions = {}): Transport {
  if (typeof options !== 'object' || options === null) failOption('createFetchTransport: options', 'an object', options);
  const { fetch: injected, maxRedirects = 5, agent } = options;
  checkFunction('fetch', injected);
  checkNumber('maxRedirects', maxRedirects, { integer: true, required: true });
  if (agent !== undefined && typeof agent !== 'boolean' && typeof agent !== 'function' && (typeof agent !== 'object' || agent === null)) {
    failOption('agent', 'a boolean, an agent or a function returning one', agent);
  }
  const useShared = agent === true || (agent === undefined && injected === undefined);
  const config: CallConfig = {
    fetch: injected,
    agent: useShared ? keepAliveAgent : typeof agent === 'boolean' ? undefined : agent,
    maxRedirects,
  };
  return (request) => new Observable<TransportResponse>((subscriber) => new FetchCall(config, request, subscriber).start());
}

/** One transport request: its redirects, its body, its abort. The subscription's teardown. */
class FetchCall implements Unsubscribable {
  /** The controller of the HTTP request in flight (a new one per redirect hop). */
  private controller: AbortController | undefined;
  private settled = false;
  /** The token sent (`Authorization` without its scheme): redacted from whatever the response echoes. */
  private readonly credential: string | undefined;

  constructor(
    private readonly config: CallConfig,
    private readonly request: TransportRequest,
    private readonly subscriber: Subscriber<TransportResponse>,
  ) {
    this.credential = credentialOf(request.headers);
  }

  start(): this {
    void this.run();
    return this;
  }

  unsubscribe(): void {
    if (!this.settled) this.controller?.abort();
  }

  private async run(): Promise<void> {
    let response: TransportResponse;
    try {
      response = await this.send();
    } catch (error: unknown) {
      this.settled = true;
      // An abort caused by unsubscribing emits nothing (the subscriber is closed).
      if (!this.subscriber.closed) this.subscriber.error(this.toError(error, 'sending the request'));
      return;
    }
    this.settled = true;
    this.subscriber.next(response);
    this.subscriber.complete();
  }

  private async send(): Promise<TransportResponse> {
    const { agent } = this.config;
    const fetch = this.config.fetch ?? (await loadDefaultFetch());
    const { headers, taskId } = this.request;
    let url = this.request.url;
    for (let redirects = 0; ; redirects++) {
      const controller = new AbortController();
      this.controller = controller;
      // Unsubscribed while cross-fetch was loading: send nothing.
      if (this.subscriber.closed) controller.abort();
      if (controller.signal.aborted) throw controller.signal.reason;
      const init: FetchRequestInit = { method: 'GET', headers, signal: controller.signal, redirect: 'manual', agent };
      const res = await fetch(url, init);
      guardBody(res.body);
      if (controller.signal.aborted) {
        cancelBody(res.body, controller);
        throw controller.signal.reason;
      }
      const { status } = res;
      if (REDIRECT_STATUSES.has(status)) {
        const location = res.headers.get('location');
        if (location !== null) {
          cancelBody(res.body, controller);
          url = this.nextUrl(url, location, status, redirects, redactHeaders(readHeaders(res), this.credential));
          continue;
        }
      } else if (res.type === 'opaqueredirect') {
        cancelBody(res.body, controller);
        throw new HttpError(status, { taskId }, 'HTTP redirect refused: the browser does not expose where it leads (opaqueredirect)');
      }
      return this.read(res, controller);
    }
  }

  /** Validates one redirect: same origin, within the limit. Returns the URL to request next. */
  private nextUrl(from: string, location: string, status: number, redirects: number, headers: Readonly<Record<string, string>>): string {
    const { taskId } = this.request;
    const base = new URL(from);
    let target: URL;
    try {
      target = new URL(location, base);
    } catch (cause: unknown) {
      throw new HttpError(status, { taskId, headers, cause }, `HTTP ${status}: redirect with an invalid Location refused`);
    }
    if (!sameOrigin(base, target)) {
      throw new HttpError(status, { taskId, headers }, `HTTP ${status}: cross-origin redirect from ${base.origin} to ${target.origin} refused`);
    }
    if (redirects >= this.config.maxRedirects) {
      throw new HttpError(status, { taskId, headers }, `HTTP ${status}: too many redirects (more than ${this.config.maxRedirects})`);
    }
    target.hash = '';
    return target.href;
  }

  /** Reads the body within the size limit and turns it into a {@link TransportResponse}. */
  private async read(res: FetchResponse, controller: AbortController): Promise<TransportResponse> {
    const { taskId, maxResponseBytes: limit } = this.request;
    const headers = redactHeaders(readHeaders(res), this.credential);
    const lengthHeader = headers['content-length'];
    const declared = lengthHeader !== undefined && DIGITS.test(lengthHeader) ? Number(lengthHeader) : undefined;
    if (declared !== undefined && declared > limit) {
      cancelBody(res.body, controller);
      throw new ResponseTooLargeError(limit, { taskId });
    }
    let bytes: Uint8Array;
    try {
      bytes = await readBytes(res, limit, controller, taskId);
    } catch (error: unknown) {
      throw this.toError(error, 'reading the response body');
    }
    const encoding = headers['content-encoding'];
    if (declared !== undefined && bytes.byteLength !== declared && (encoding === undefined || encoding === 'identity')) {
      throw new NetworkError(`network error while reading the response body: got ${bytes.byteLength} of the ${declared} bytes announced by Content-Length`, {
        taskId,
      });
    }
    return toResponse(res.status, headers, bytes, this.credential);
  }

  /** Any failure that is not already ours is a `NetworkError`, its message free of the token. */
  private toError(error: unknown, phase: string): Error {
    if (error instanceof TaskStatusError) return error;
    const detail = redactAuthorization(describeError(error), this.request.headers);
    return new NetworkError(`network error while ${phase}: ${detail}`, { taskId: this.request.taskId, cause: error });
  }
}

function readHeaders(res: FetchResponse): Record<string, string> {
  const headers: Record<string, string> = {};
  // node-fetch's `forEach` sorts and copies every header again after each one it visits; its
  // non-standard `raw()` hands its own map of value arrays over as it is, at no cost.
  const raw = (res.headers as { raw?: unknown }).raw;
  const map: unknown = typeof raw === 'function' ? raw.call(res.headers) : undefined;
  if (typeof map === 'object' && map !== null) {
    for (const name of Object.keys(map)) {
      const value = (map as Record<string, unknown>)[name];
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return headers;
  }
  res.headers.forEach(copyHeader, headers);
  return headers;
}

