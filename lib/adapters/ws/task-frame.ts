import type { RejectionDetails, SuccessResult, TaskPhase, TaskState, TaskTransition } from '../../index.js';

/**
 * A task's state as the server adapters send it: the {@link TaskState} of the transition, made
 * JSON-safe. A success carries `contentBytes` (the size of the decoded content) instead of the
 * bytes, and the base64 `content` only when the subscriber asked for it; a failure carries its
 * `message` and `type` but not the raw Celery result (which may hold a server traceback).
 *
 * @example
 * ```ts
 * if (frame.type === 'transition' && frame.state.phase === 'succeeded') show(`${frame.state.contentBytes} bytes ready`)
 * ```
 */
export type TaskStateJson =
  | { readonly phase: 'pending'; readonly status: string }
  | { readonly phase: 'started' | 'retrying'; readonly status: string; readonly meta?: unknown }
  | {
      readonly phase: 'succeeded';
      readonly status: 'SUCCESS';
      readonly result: SuccessResult;
      /** Size of the decoded content in bytes; absent when the result carries none. */
      readonly contentBytes?: number;
      /** The content, base64, only when asked for (`content: true`). */
      readonly content?: string;
    }
  | { readonly phase: 'rejected'; readonly status: 'SUCCESS'; readonly error: RejectionDetails }
  | { readonly phase: 'failed'; readonly status: string; readonly error: { readonly message: string; readonly type?: string } };

/**
 * A transition sent to a browser: the fields of {@link TaskTransition} with a JSON-safe state.
 *
 * @example
 * ```ts
 * // {"type":"transition","taskId":"…","from":"pending","to":"started","at":1732900000000,"polls":2,"state":{"phase":"started","status":"STARTED"}}
 * ```
 */
export interface TransitionFrame {
  readonly type: 'transition';
  readonly taskId: string;
  readonly from: TaskPhase | null;
  readonly to: TaskPhase;
  readonly at: number;
  readonly polls: number;
  readonly state: TaskStateJson;
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

/** @internal Turns a task state into its JSON-safe form. */
export function toStateJson(state: TaskState, includeContent: boolean): TaskStateJson {
  switch (state.phase) {
    case 'pending':
      return { phase: 'pending', status: state.status };
    case 'started':
    case 'retrying':
      return state.meta === undefined ? { phase: state.phase, status: state.status } : { phase: state.phase, status: state.status, meta: state.meta };
    case 'succeeded': {
      const { content } = state;
      if (content === undefined) return { phase: 'succeeded', status: 'SUCCESS', result: state.result };
      const sized = { phase: 'succeeded', status: 'SUCCESS', result: state.result, contentBytes: content.byteLength } as const;
      return includeContent ? { ...sized, content: Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('base64') } : sized;
    }
    case 'rejected':
      return { phase: 'rejected', status: 'SUCCESS', error: state.error };
    case 'failed': {
      const { message, type } = state.error;
      return { phase: 'failed', status: state.status, error: type === undefined ? { message } : { message, type } };
    }
  }
}

/**
 * @internal The frame of one transition.
 *
 * @example
 * ```ts
 * socket.send(JSON.stringify(transitionFrame(t, false)))
 * ```
 */
export function transitionFrame(transition: TaskTransition, includeContent: boolean): TransitionFrame {
  const { taskId, from, to, at, polls, state } = transition;
  return { type: 'transition', taskId, from, to, at, polls, state: toStateJson(state, includeContent) };
}

/**
 * @internal The frame of an error: its class name and message only (the library's messages
 * never hold a token; no stack, cause or response body is sent).
 */
export function errorFrame(taskId: string | null, error: unknown): ErrorFrame {
  const name = error instanceof Error && typeof error.name === 'string' ? error.name : 'Error';
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  return { type: 'error', taskId, error: { name, message } };
}

/** @internal An error frame made by the adapter itself. */
export function adapterErrorFrame(taskId: string | null, name: AdapterErrorName, message: string): ErrorFrame {
  return { type: 'error', taskId, error: { name, message } };
}

/**
 * @internal The JSON text of a transition's frame, or the `EncodeError` frame of that task when
 * the transition cannot be encoded (a `meta` too deep for `JSON.stringify`, a cycle, a BigInt, a
 * getter that throws): a payload never throws out of an adapter.
 *
 * @example
 * ```ts
 * const encoded = encodeTransitionFrame(t, false)
 * if (typeof encoded === 'string') socket.send(encoded)
 * else socket.send(JSON.stringify(encoded)) // then stop following the task
 * ```
 */
export function encodeTransitionFrame(transition: TaskTransition, includeContent: boolean): string | ErrorFrame {
  try {
    return JSON.stringify(transitionFrame(transition, includeContent));
  } catch (error: unknown) {
    const why = error instanceof RangeError ? 'nested too deep' : 'not JSON data';
    return adapterErrorFrame(transition.taskId, 'EncodeError', `the task's transition cannot be sent as JSON (${why})`);
  }
}

/** @internal */
export function completeFrame(taskId: string): CompleteFrame {
  return { type: 'complete', taskId };
}
