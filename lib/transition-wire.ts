import * as t from 'io-ts';
import { decodeBase64 } from './codecs/base64.js';
import { decodeWith } from './codecs/decode-with.js';
import { ValidationErrorDetail } from './codecs/validation-error-detail.js';
import { DecodeError } from './errors/decode-error.js';
import { progressOf, type RejectionDetails, type SuccessResult, type TaskPhase, type TaskState, type TaskTransition } from './transitions.js';

/**
 * The one wire format of a transition: the JSON the websocket and SSE adapters send, the
 * command's NDJSON lines are made of, and a hub stores. One module encodes it and one decodes
 * it, so every place that writes a transition writes the same fields.
 *
 * @module
 */

/**
 * A task's state on the wire: the {@link TaskState} of the transition, made JSON-safe. A success
 * carries `contentBytes` (the size of the decoded content) instead of the bytes, and the base64
 * `content` only when asked for; a failure carries its `message` and `type`, and the raw Celery
 * result (which may hold a server traceback) only when asked for.
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
  | {
      readonly phase: 'failed';
      readonly status: string;
      /** `raw` (the Celery result as received) only when asked for (`raw: true`). */
      readonly error: { readonly message: string; readonly type?: string; readonly raw?: unknown };
    };

/**
 * A transition on the wire: the fields of {@link TaskTransition} with a JSON-safe state.
 *
 * @example
 * ```ts
 * // {"taskId":"…","from":"pending","to":"started","at":1732900000000,"polls":2,"state":{"phase":"started","status":"STARTED"}}
 * ```
 */
export interface TransitionJson {
  readonly taskId: string;
  readonly from: TaskPhase | null;
  readonly to: TaskPhase;
  readonly at: number;
  readonly polls: number;
  readonly state: TaskStateJson;
}

/**
 * What {@link toTransitionJson} includes beyond the default fields.
 *
 * @example
 * ```ts
 * const options: TransitionJsonOptions = { content: true }
 * ```
 */
export interface TransitionJsonOptions {
  /**
   * A success's content, base64, as `state.content` (its size is always in `contentBytes`).
   * @default false
   */
  readonly content?: boolean | undefined;
  /**
   * A failure's raw Celery result, as `state.error.raw` (it may hold a server traceback: keep it
   * off anything a browser reads).
   * @default false
   */
  readonly raw?: boolean | undefined;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function stateJson(state: TaskState, { content: withContent = false, raw: withRaw = false }: TransitionJsonOptions): TaskStateJson {
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
      return withContent ? { ...sized, content: base64(content) } : sized;
    }
    case 'rejected':
      return { phase: 'rejected', status: 'SUCCESS', error: state.error };
    case 'failed': {
      const { message, type, raw } = state.error;
      const error = type === undefined ? { message } : { message, type };
      return { phase: 'failed', status: state.status, error: withRaw && raw !== undefined ? { ...error, raw } : error };
    }
  }
}

/**
 * A transition in its wire form (see {@link TransitionJson}): JSON-safe but for what the task
 * itself reported in `meta` or `result`, which is passed through as is.
 *
 * @example
 * ```ts
 * res.write(`data: ${JSON.stringify(toTransitionJson(transition))}\n\n`)
 * ```
 */
export function toTransitionJson(transition: TaskTransition, options: TransitionJsonOptions = {}): TransitionJson {
  const { taskId, from, to, at, polls, state } = transition;
  return { taskId, from, to, at, polls, state: stateJson(state, options) };
}

/**
 * The JSON text of a transition's wire form, or `undefined` with the reason when it cannot be
 * encoded (a `meta` too deep for `JSON.stringify`, a cycle, a BigInt, a getter that throws): a
 * payload never throws out of the code sending it.
 *
 * @param extra - fields written first, before the transition's own (e.g. `{ type: 'transition' }`).
 *
 * @example
 * ```ts
 * const encoded = encodeTransition(t, { content: false }, { type: 'transition' })
 * if (encoded.json !== undefined) socket.send(encoded.json)
 * else console.warn(`cannot send ${t.taskId}: ${encoded.why}`)
 * ```
 */
export function encodeTransition(
  transition: TaskTransition,
  options: TransitionJsonOptions = {},
  extra: Readonly<Record<string, unknown>> = {},
): { readonly json: string; readonly why?: undefined } | { readonly json?: undefined; readonly why: string } {
  try {
    return { json: JSON.stringify({ ...extra, ...toTransitionJson(transition, options) }) };
  } catch (error: unknown) {
    return { why: error instanceof RangeError ? 'nested too deep' : 'not JSON data' };
  }
}

const Phase = t.keyof({ pending: null, started: null, retrying: null, succeeded: null, rejected: null, failed: null }, 'TaskPhase');

const StateJson = t.union([
  t.type({ phase: t.literal('pending'), status: t.string }),
  t.intersection([t.type({ phase: t.keyof({ started: null, retrying: null }), status: t.string }), t.partial({ meta: t.unknown })]),
  t.intersection([
    t.type({ phase: t.literal('succeeded'), status: t.literal('SUCCESS'), result: t.UnknownRecord }),
    t.partial({ contentBytes: t.number, content: t.string }),
  ]),
  t.type({
    phase: t.literal('rejected'),
    status: t.literal('SUCCESS'),
    error: t.type({ errorCode: t.string, errorMessage: t.string, details: t.array(ValidationErrorDetail) }),
  }),
  t.type({
    phase: t.literal('failed'),
    status: t.string,
    error: t.intersection([t.type({ message: t.string }), t.partial({ type: t.string, raw: t.unknown })]),
  }),
]);

const WireTransition = t.type(
  { taskId: t.string, from: t.union([Phase, t.null]), to: Phase, at: t.number, polls: t.number, state: StateJson },
  'TransitionJson',
);

/**
 * Reads a transition's wire form back (the parsed JSON of {@link encodeTransition}, or the JSON
 * text): the {@link TaskTransition} it was, with a success's base64 `content` decoded to a
 * `Uint8Array` (a wire form without it gives a success without content) and a running task's
 * `progress` derived from its `meta` again. Fields it does not
 * know are ignored (a frame's `type`). Throws {@link DecodeError} on anything else: a state
 * whose phase is not `to`, bad base64, a field of the wrong type.
 *
 * @param what - names the source in the error (`transition stored in Redis`).
 *
 * @example
 * ```ts
 * socket.onmessage = (m) => {
 *   const frame = JSON.parse(m.data)
 *   if (frame.type === 'transition') render(decodeTransition(frame))
 * }
 * ```
 */
export function decodeTransition(value: unknown, what = 'transition'): TaskTransition {
  let raw = value;
  if (typeof value === 'string') {
    try {
      raw = JSON.parse(value);
    } catch {
      throw new DecodeError(['expected the JSON of a transition'], { what });
    }
  }
  const wire = decodeWith(WireTransition, raw, undefined, what);
  const { taskId } = wire;
  if (wire.to !== wire.state.phase) throw new DecodeError([`to: expected ${wire.state.phase} (state.phase), got ${wire.to}`], { taskId, what });
  let state: TaskState;
  if (wire.state.phase === 'succeeded') {
    const { contentBytes: _size, content: text, ...rest } = wire.state;
    if (text === undefined) state = rest as TaskState;
    else {
      const content = decodeBase64(text);
      if (content === undefined) throw new DecodeError(['state.content: expected base64'], { taskId, what });
      state = { ...rest, content } as TaskState;
    }
  } else if (wire.state.phase === 'started' || wire.state.phase === 'retrying') {
    // `progress` is derived from `meta` (as when the state was made), so it is not on the wire.
    const progress = progressOf(wire.state.meta);
    state = (progress === undefined ? wire.state : { ...wire.state, progress }) as TaskState;
  } else {
    state = wire.state as TaskState;
  }
  return { taskId, from: wire.from, to: state.phase, state, at: wire.at, polls: wire.polls } as TaskTransition;
}
