import type { Subscription } from 'rxjs';
import type { TaskStatusSource } from './client/follow.js';
import type { TaskTransition } from './transitions.js';
import { encodeTransition, type TransitionJson } from './transition-wire.js';

/**
 * The frames a server adapter pushes to a browser (the websocket and SSE adapters send the same
 * JSON), and the one loop that turns a task's stream into them.
 *
 * @module
 */

/**
 * A transition sent to a browser: `type: 'transition'` and the transition's wire form
 * ({@link TransitionJson}).
 *
 * @example
 * ```ts
 * // {"type":"transition","taskId":"…","from":"pending","to":"started","at":1732900000000,"polls":2,"state":{"phase":"started","status":"STARTED"}}
 * ```
 */
export interface TransitionFrame extends TransitionJson {
  readonly type: 'transition';
}

/**
 * The `name` of an error frame that did not come from the task stream itself:
 * `ProtocolError` (a malformed or unknown frame), `AccessDeniedError` (`authorize` said no, threw,
 * rejected or did not answer in time), `LimitExceededError` (too many tasks on one connection),
 * `EncodeError` (a transition that cannot be sent as JSON: too deep, cyclic, a BigInt; that task
 * is no longer followed, the others go on). Stream errors keep the
 * library's class names (`AuthError`, `NetworkError`, `DeadlineError`, `TypeError` for an id that
 * is not a UUID, …).
 *
 * @example
 * ```ts
 * if (frame.type === 'error' && frame.error.name === 'AccessDeniedError') showLogin()
 * ```
 */
export type AdapterErrorName = 'ProtocolError' | 'AccessDeniedError' | 'LimitExceededError' | 'EncodeError';

/**
 * An error sent to a browser. `taskId` is `null` when the error concerns no task (a frame that
 * could not be read). After an error frame for a task, that task is no longer followed.
 *
 * @example
 * ```ts
 * // {"type":"error","taskId":"…","error":{"name":"AccessDeniedError","message":"not allowed to follow this task"}}
 * ```
 */
export interface ErrorFrame {
  readonly type: 'error';
  readonly taskId: string | null;
  readonly error: { readonly name: string; readonly message: string };
}

/**
 * Sent after a task's terminal transition: the stream is over and the task is no longer followed.
 *
 * @example
 * ```ts
 * // {"type":"complete","taskId":"…"}
 * ```
 */
export interface CompleteFrame {
  readonly type: 'complete';
  readonly taskId: string;
}

/**
 * Everything the websocket and SSE adapters send: the same JSON on both.
 *
 * @example
 * ```ts
 * socket.onmessage = (m) => {
 *   const frame = JSON.parse(m.data) as TaskFrame
 *   if (frame.type === 'transition') render(frame.taskId, frame.to)
 * }
 * ```
 */
export type TaskFrame = TransitionFrame | ErrorFrame | CompleteFrame;

/**
 * The frame of one transition as JSON text, or the `EncodeError` frame of that task when the
 * transition cannot be encoded (a `meta` too deep for `JSON.stringify`, a cycle, a BigInt, a
 * getter that throws): a payload never throws out of an adapter.
 *
 * @param includeContent - send a success's content, base64 (its size is always sent).
 *
 * @example
 * ```ts
 * const encoded = encodeTransitionFrame(t, false)
 * if (typeof encoded === 'string') socket.send(encoded)
 * else socket.send(JSON.stringify(encoded)) // then stop following the task
 * ```
 */
export function encodeTransitionFrame(transition: TaskTransition, includeContent: boolean): string | ErrorFrame {
  const encoded = encodeTransition(transition, { content: includeContent }, { type: 'transition' });
  if (encoded.json !== undefined) return encoded.json;
  return adapterErrorFrame(transition.taskId, 'EncodeError', `the task's transition cannot be sent as JSON (${encoded.why})`);
}

/**
 * The frame of an error: its class name and message only (the library's messages never hold a
 * token; no stack, cause or response body is sent).
 *
 * @example
 * ```ts
 * socket.send(JSON.stringify(errorFrame(taskId, new DeadlineError('…', { taskId }))))
 * ```
 */
export function errorFrame(taskId: string | null, error: unknown): ErrorFrame {
  const name = error instanceof Error && typeof error.name === 'string' ? error.name : 'Error';
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  return { type: 'error', taskId, error: { name, message } };
}

/**
 * An error frame made by the adapter itself (see {@link AdapterErrorName}).
 *
 * @example
 * ```ts
 * socket.send(JSON.stringify(adapterErrorFrame(taskId, 'AccessDeniedError', 'not allowed to follow this task')))
 * ```
 */
export function adapterErrorFrame(taskId: string | null, name: AdapterErrorName, message: string): ErrorFrame {
  return { type: 'error', taskId, error: { name, message } };
}

/**
 * The frame sent after a task's terminal transition.
 *
 * @example
 * ```ts
 * socket.send(JSON.stringify(completeFrame(taskId)))
 * ```
 */
export function completeFrame(taskId: string): CompleteFrame {
  return { type: 'complete', taskId };
}

/**
 * Where {@link subscribeTaskFrames} delivers a task's frames.
 *
 * @example
 * ```ts
 * const sink: TaskFrameSink = { transition: (json) => socket.send(json), end: (frame) => socket.send(JSON.stringify(frame)), fault: () => socket.terminate() }
 * ```
 */
export interface TaskFrameSink {
  /** The JSON text of a transition frame. */
  readonly transition: (json: string) => void;
  /** The task's last frame: `complete`, the stream's error, or an `EncodeError`; called at most once. */
  readonly end: (frame: ErrorFrame | CompleteFrame) => void;
  /** One of the other two threw: the connection is no longer safe to write to. */
  readonly fault: () => void;
}

/**
 * Follows one task for a server adapter: subscribes to `source.status$(taskId)` and hands the
 * sink each transition frame's JSON, then the last frame (`complete`, the error, or `EncodeError`
 * for a transition that cannot be encoded, after which the task is no longer followed). No
 * exception leaves the subscriber's callbacks (RxJS would rethrow it out of band and kill the
 * process): a sink that throws gets `fault()`. A `status$` that throws (a task id that is not a
 * UUID) gives the error frame at once and no subscription.
 *
 * @returns the subscription (unsubscribe to stop following), or `undefined` when `status$` threw.
 *
 * @example
 * ```ts
 * const subscription = subscribeTaskFrames(client, taskId, { includeContent: false }, {
 *   transition: (json) => res.write(`event: transition\ndata: ${json}\n\n`),
 *   end: (frame) => res.end(`event: ${frame.type}\ndata: ${JSON.stringify(frame)}\n\n`),
 *   fault: () => res.destroy(),
 * })
 * ```
 */
export function subscribeTaskFrames(
  source: TaskStatusSource,
  taskId: string,
  { includeContent = false }: { readonly includeContent?: boolean | undefined },
  sink: TaskFrameSink,
): Subscription | undefined {
  let over = false;
  const end = (frame: ErrorFrame | CompleteFrame): void => {
    if (over) return;
    over = true;
    sink.end(frame);
  };
  const guarded =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch {
        sink.fault();
      }
    };
  const onNext = (transition: TaskTransition): void => {
    if (over) return;
    const encoded = encodeTransitionFrame(transition, includeContent);
    if (typeof encoded === 'string') sink.transition(encoded);
    else end(encoded);
  };
  try {
    return source.status$(taskId).subscribe({
      next: guarded(onNext),
      error: guarded((error: unknown) => end(errorFrame(taskId, error))),
      complete: guarded(() => end(completeFrame(taskId))),
    });
  } catch (error) {
    end(errorFrame(taskId, error));
    return undefined;
  }
}
