import { Observable, type Subscriber, type Unsubscribable } from 'rxjs';
import { HttpError } from '../errors/http-error.js';
import { NetworkError } from '../errors/network-error.js';
import { ResponseTooLargeError } from '../errors/response-too-large-error.js';
import { TaskStatusError } from '../errors/task-status-error.js';
import { keepAliveAgent } from './keep-alive.js';
import { sameOrigin } from './origin.js';
import type { Transport, TransportRequest, TransportResponse } from './transport.js';
import { credentialOf, redactAuthorization, redactHeaders, redactText } from './redact-token.js';

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
/** Longest `text` kept from a body that is not JSON, in characters. */
const TEXT_LIMIT = 2048;
const EMPTY = new Uint8Array(0);
const NON_SPACE = /\S/;
const DIGITS = /^\d+$/;

let utf8: TextDecoder | undefined;
let utf8Encoder: TextEncoder | undefined;

function noop(): void {
  /* swallows late errors of a cancelled body */
}

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
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`createFetchTransport options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const { fetch: injected, maxRedirects = 5, agent } = options;
  if (injected !== undefined && typeof injected !== 'function') {
    throw new TypeError(`fetch must be a function, got ${injected === null ? 'null' : typeof injected}`);
  }
  if (typeof maxRedirects !== 'number' || !Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new TypeError(`maxRedirects must be a non-negative integer, got ${String(maxRedirects)}`);
  }
  if (agent !== undefined && typeof agent !== 'boolean' && typeof agent !== 'function' && (typeof agent !== 'object' || agent === null)) {
    throw new TypeError(`agent must be a boolean, an agent or a function returning one, got ${agent === null ? 'null' : typeof agent}`);
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
    const detail = redactAuthorization(describe(error), this.request.headers);
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

interface NodeReadableLike extends AsyncIterable<unknown> {
  on(event: 'error', listener: () => void): unknown;
  destroy(): unknown;
}

interface WhatwgStreamLike {
  readonly locked: boolean;
  getReader(): { read(): Promise<{ done: boolean; value?: unknown }>; cancel(): Promise<void> };
  cancel(): Promise<void>;
}

function isWhatwgStream(body: unknown): body is WhatwgStreamLike {
  return typeof (body as WhatwgStreamLike).getReader === 'function';
}

function isNodeReadable(body: unknown): body is NodeReadableLike {
  return typeof (body as NodeReadableLike).on === 'function' && typeof (body as NodeReadableLike).destroy === 'function';
}

/**
 * node-fetch emits `error` on the body when its request is aborted; a Node stream without an
 * `error` listener would turn that into an uncaught exception once we stopped reading.
 */
function guardBody(body: unknown): void {
  if (body != null && isNodeReadable(body)) body.on('error', noop);
}

/** Stops a body we will not read: cancel or destroy the stream, then abort its request. */
function cancelBody(body: unknown, controller: AbortController): void {
  if (body != null) {
    if (isWhatwgStream(body)) {
      if (!body.locked) body.cancel().catch(noop);
    } else if (isNodeReadable(body)) {
      body.destroy();
    }
  }
  controller.abort();
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return (utf8Encoder ??= new TextEncoder()).encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError('the response body yielded a chunk that is not bytes');
}

interface NodeStreamLike {
  on(event: 'data', listener: (chunk: unknown) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  destroy(): unknown;
}

function isNodeStream(body: unknown): body is NodeStreamLike {
  return isNodeReadable(body) && typeof (body as unknown as NodeStreamLike).removeListener === 'function';
}

/** Concatenates `chunks` (`total` bytes in all) without copying a single chunk. */
function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 0) return EMPTY;
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads a Node stream body (node-fetch's) with `data` / `end` events, as node-fetch's own
 * `res.json()` does. Why not `for await`: its async iterator costs a promise and several ticks per
 * chunk; with thousands of tasks polling that was some 50 µs of the CPU of each poll. Past
 * `limit` bytes, or on a chunk that is not bytes, it aborts the request and destroys the stream.
 * A stream that closes before its end is a premature close (node-fetch's own error when it has one).
 */
function collectNodeStream(body: NodeStreamLike, limit: number, controller: AbortController, taskId: string): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let settled = false;
    const settle = (error: unknown, failed: boolean): void => {
      if (settled) return;
      settled = true;
      body.removeListener('data', onData);
      body.removeListener('end', onEnd);
      body.removeListener('error', onError);
      body.removeListener('close', onClose);
      if (failed) reject(error);
      else resolve(concat(chunks, total));
    };
    const stop = (error: unknown): void => {
      settle(error, true);
      controller.abort();
      body.destroy();
    };
    function onData(value: unknown): void {
      if (settled) return;
      let chunk: Uint8Array;
      try {
        chunk = toBytes(value);
      } catch (error: unknown) {
        stop(error);
        return;
      }
      total += chunk.byteLength;
      if (total > limit) {
        stop(new ResponseTooLargeError(limit, { taskId }));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd(): void {
      settle(undefined, false);
    }
    function onError(error: unknown): void {
      settle(error, true);
    }
    function onClose(): void {
      const error = new Error('Premature close') as Error & { code: string };
      error.code = 'ERR_STREAM_PREMATURE_CLOSE';
      settle(error, true);
    }
    // The stream may have failed or been destroyed before we got to it (node-fetch destroys the
    // body when the request errors, e.g. on bytes past Content-Length): its events are gone.
    const { errored, destroyed } = body as { errored?: unknown; destroyed?: boolean };
    if (errored !== null && errored !== undefined) onError(errored);
    else if (destroyed === true) onClose();
    if (settled) return;
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

/** Reads the whole body; past `limit` bytes cancels it and throws a `ResponseTooLargeError`. */
async function readBytes(res: FetchResponse, limit: number, controller: AbortController, taskId: string): Promise<Uint8Array> {
  const body = res.body;
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (body === undefined && typeof res.arrayBuffer === 'function') {
    // XHR-based polyfills have no body stream: the size is checked after the fact.
    const all = new Uint8Array(await res.arrayBuffer());
    if (all.byteLength > limit) throw new ResponseTooLargeError(limit, { taskId });
    return all;
  }
  if (body == null) return EMPTY;
  if (isWhatwgStream(body)) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = toBytes(value);
      total += chunk.byteLength;
      if (total > limit) {
        reader.cancel().catch(noop);
        controller.abort();
        throw new ResponseTooLargeError(limit, { taskId });
      }
      chunks.push(chunk);
    }
  } else if (isNodeStream(body)) {
    return collectNodeStream(body, limit, controller, taskId);
  } else if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const value of body as AsyncIterable<unknown>) {
      const chunk = toBytes(value);
      total += chunk.byteLength;
      if (total > limit) {
        // Leaving the loop destroys the stream; the abort closes node-fetch's socket too.
        controller.abort();
        throw new ResponseTooLargeError(limit, { taskId });
      }
      chunks.push(chunk);
    }
  } else {
    throw new TypeError('the response body is neither a ReadableStream nor an async iterable');
  }
  return concat(chunks, total);
}

/** JSON when the text parses, else the text (shortened); an empty body gives neither. */
function toResponse(status: number, headers: Readonly<Record<string, string>>, bytes: Uint8Array, credential: string | undefined): TransportResponse {
  if (bytes.byteLength === 0) return { status, headers };
  // A body that echoes the token (a gateway page, a debug proxy) loses it here, before it is parsed.
  const text = redactText((utf8 ??= new TextDecoder()).decode(bytes), credential);
  try {
    return { status, headers, body: JSON.parse(text) as unknown };
  } catch {
    // Only whitespace: no body (JSON.parse refuses it too, so the common case scans the text once).
    if (!NON_SPACE.test(text)) return { status, headers };
    return { status, headers, text: text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT - 1)}…` : text };
  }
}

function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** `error.message` of an error from any realm (undici's errors are not `instanceof` a sandbox's `Error`). */
function messageOf(error: unknown): string | undefined {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : undefined;
}

/** `message: cause message (CODE)`, each part once. */
function describe(error: unknown): string {
  let text = messageOf(error) ?? String(error);
  const cause = typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const causeMessage = messageOf(cause);
  if (causeMessage !== undefined && causeMessage !== '' && !text.includes(causeMessage)) text += `: ${causeMessage}`;
  const code = errorCode(error) ?? errorCode(cause);
  if (code !== undefined && !text.includes(code)) text += ` (${code})`;
  return text;
}

