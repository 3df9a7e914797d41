import { ResponseTooLargeError } from '../errors/response-too-large-error.js';
import { BoundedBytes } from './bounded-bytes.js';

/**
 * node-fetch compatibility: node-fetch (what cross-fetch is on Node) hands a Node stream as the
 * body, where the WHATWG fetch hands a `ReadableStream`. The fetch transport reads either; this
 * module knows the Node side: keeping a late `error` event from crashing the process, stopping a
 * body we will not read, and reading one with `data` / `end` events.
 *
 * @internal
 */

function noop(): void {
  /* swallows late errors of a cancelled body */
}

/** @internal */
interface NodeReadableLike extends AsyncIterable<unknown> {
  on(event: 'error', listener: () => void): unknown;
  destroy(): unknown;
}

/** @internal */
export interface WhatwgStreamLike {
  readonly locked: boolean;
  getReader(): { read(): Promise<{ done: boolean; value?: unknown }>; cancel(): Promise<void> };
  cancel(): Promise<void>;
}

/** @internal */
export function isWhatwgStream(body: unknown): body is WhatwgStreamLike {
  return typeof (body as WhatwgStreamLike).getReader === 'function';
}

/** @internal */
export function isNodeReadable(body: unknown): body is NodeReadableLike {
  return typeof (body as NodeReadableLike).on === 'function' && typeof (body as NodeReadableLike).destroy === 'function';
}

/**
 * @internal node-fetch emits `error` on the body when its request is aborted; a Node stream without an
 * `error` listener would turn that into an uncaught exception once we stopped reading.
 */
export function guardBody(body: unknown): void {
  if (body != null && isNodeReadable(body)) body.on('error', noop);
}

/** @internal Stops a body we will not read: cancel or destroy the stream, then abort its request. */
export function cancelBody(body: unknown, controller: AbortController): void {
  if (body != null) {
    if (isWhatwgStream(body)) {
      if (!body.locked) body.cancel().catch(noop);
    } else if (isNodeReadable(body)) {
      body.destroy();
    }
  }
  controller.abort();
}

/** @internal */
export interface NodeStreamLike {
  on(event: 'data', listener: (chunk: unknown) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  destroy(): unknown;
}

/** @internal */
export function isNodeStream(body: unknown): body is NodeStreamLike {
  return isNodeReadable(body) && typeof (body as unknown as NodeStreamLike).removeListener === 'function';
}

/**
 * @internal Reads a Node stream body (node-fetch's) with `data` / `end` events, as node-fetch's own
 * `res.json()` does. Why not `for await`: its async iterator costs a promise and several ticks per
 * chunk; with thousands of tasks polling that was some 50 µs of the CPU of each poll. Past
 * `limit` bytes, or on a chunk that is not bytes, it aborts the request and destroys the stream.
 * A stream that closes before its end is a premature close (node-fetch's own error when it has one).
 */
export function collectNodeStream(body: NodeStreamLike, limit: number, controller: AbortController, taskId: string): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const body$ = new BoundedBytes(limit);
    let settled = false;
    const settle = (error: unknown, failed: boolean): void => {
      if (settled) return;
      settled = true;
      body.removeListener('data', onData);
      body.removeListener('end', onEnd);
      body.removeListener('error', onError);
      body.removeListener('close', onClose);
      if (failed) reject(error);
      else resolve(body$.bytes());
    };
    const stop = (error: unknown): void => {
      settle(error, true);
      controller.abort();
      body.destroy();
    };
    function onData(value: unknown): void {
      if (settled) return;
      let kept: boolean;
      try {
        kept = body$.push(value);
      } catch (error: unknown) {
        stop(error);
        return;
      }
      if (!kept) stop(new ResponseTooLargeError(limit, { taskId }));
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
