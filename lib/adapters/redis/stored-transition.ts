import * as t from 'io-ts';
import { ValidationErrorDetail } from '../../codecs/validation-error-detail.js';
import { decodeBase64 } from '../../codecs/base64.js';
import { decodeWith } from '../../codecs/decode-with.js';
import { DecodeError } from '../../errors/decode-error.js';
import type { TaskPhase, TaskState, TaskTransition } from '../../transitions.js';

const Phase = t.keyof({ pending: null, started: null, retrying: null, succeeded: null, rejected: null, failed: null }, 'TaskPhase');

const StoredState = t.union([
  t.type({ phase: t.literal('pending'), status: t.string }),
  t.intersection([t.type({ phase: t.keyof({ started: null, retrying: null }), status: t.string }), t.partial({ meta: t.unknown })]),
  t.type({ phase: t.literal('succeeded'), status: t.literal('SUCCESS'), result: t.UnknownRecord }),
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

/** @internal The JSON a transition is stored as (its content travels apart, in base64). */
const StoredTransition = t.type({ taskId: t.string, to: Phase, state: StoredState, at: t.number, polls: t.number }, 'StoredTransition');

/** @internal Encodes bytes as standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * @internal Serialises a transition for Redis: the JSON of everything but `from` (Redis decides
 * it) and `state.content`, and the content in base64 (`''` when absent).
 */
export function encodeTransition(transition: TaskTransition): { readonly json: string; readonly content: string } {
  const { taskId, to, state, at, polls } = transition;
  if (state.phase === 'succeeded' && state.content !== undefined) {
    const { content, ...rest } = state;
    return { json: JSON.stringify({ taskId, to, state: rest, at, polls }), content: encodeBase64(content) };
  }
  return { json: JSON.stringify({ taskId, to, state, at, polls }), content: '' };
}

/** @internal Reads a stream entry's flat `[field, value, …]` list. */
export function entryFields(flat: readonly unknown[]): Partial<Record<string, string>> {
  const out: Partial<Record<string, string>> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const key = flat[i];
    const value = flat[i + 1];
    if (typeof key === 'string' && typeof value === 'string') out[key] = value;
  }
  return out;
}

/**
 * @internal Decodes a stored transition back to the {@link TaskTransition} it was. A stream entry
 * has the fields `p` (the phase), `f` (the phase before it, `''` for none), `t` (the transition
 * as JSON, without content) and `c` (the content in base64, absent when there is none). `from`
 * is taken from `f`, the content decoded to a `Uint8Array`. Throws {@link DecodeError} on an
 * entry this version cannot read.
 */
export function decodeTransition(fields: Partial<Record<string, string>>, taskId: string): TaskTransition {
  const what = 'transition stored in Redis';
  const json = fields['t'];
  let raw: unknown;
  try {
    raw = json === undefined ? undefined : JSON.parse(json);
  } catch {
    raw = undefined;
  }
  if (raw === undefined) throw new DecodeError(['t: expected the JSON of a transition'], { taskId, what });
  const stored = decodeWith(StoredTransition, raw, taskId, what);
  if (stored.to !== stored.state.phase) throw new DecodeError([`to: expected ${stored.state.phase} (state.phase), got ${stored.to}`], { taskId, what });
  const from = fields['f'];
  if (from !== undefined && from !== '' && !Phase.is(from)) throw new DecodeError([`f: expected a phase, got ${JSON.stringify(from)}`], { taskId, what });
  let state = stored.state as TaskState;
  const c = fields['c'];
  if (c !== undefined && c !== '') {
    const content = decodeBase64(c);
    if (content === undefined || state.phase !== 'succeeded') throw new DecodeError(['c: expected the base64 content of a success'], { taskId, what });
    state = { ...state, content };
  }
  // `to === state.phase` was checked above; the union type cannot see it.
  return { taskId: stored.taskId, from: from === undefined || from === '' ? null : (from as TaskPhase), to: state.phase, state, at: stored.at, polls: stored.polls } as TaskTransition;
}
