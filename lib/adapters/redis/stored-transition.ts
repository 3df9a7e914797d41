import { DecodeError, decodeTransition, encodeTransition, toTransitionJson, type TaskTransition } from '../../index.js';

/**
 * How the hub stores a transition in a Redis stream entry: the library's one wire format of a
 * transition (`encodeTransition` / `decodeTransition` of `transition-wire.ts`), with two things
 * kept apart in their own fields: the content of a success (base64, field `c`, so the JSON stays
 * small) and `from` (field `f`, decided by the publish script from the stream, not by the
 * process that polled).
 *
 * @module
 */

const WHAT = 'transition stored in Redis';

/**
 * @internal Serialises a transition for Redis: `json` is its wire form (the failure's raw result
 * included) without the content, `content` the content in base64 (`''` when absent). Never
 * throws: a state that is not JSON data gives `why` instead.
 */
export function encodeStoredTransition(
  transition: TaskTransition,
): { readonly json: string; readonly content: string; readonly why?: undefined } | { readonly json?: undefined; readonly why: string } {
  const { state } = transition;
  let bare = transition;
  let content = '';
  if (state.phase === 'succeeded' && state.content !== undefined) {
    const { content: _bytes, ...rest } = state;
    bare = { ...transition, state: rest } as TaskTransition;
    const wire = toTransitionJson(transition, { content: true }).state; // the base64 of the wire format
    content = (wire.phase === 'succeeded' ? wire.content : undefined) ?? '';
  }
  const encoded = encodeTransition(bare, { raw: true });
  return encoded.json === undefined ? encoded : { json: encoded.json, content };
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
 * has the fields `p` (the phase), `f` (the phase before it, `''` for none), `t` (the transition's
 * wire form as JSON, without content; a `from` in it is ignored, entries of earlier versions have
 * none) and `c` (the content in base64, absent when there is none). `from` is taken from `f`, the
 * content decoded to a `Uint8Array`. Throws {@link DecodeError} on an entry this version cannot
 * read.
 */
export function decodeStoredTransition(fields: Partial<Record<string, string>>, taskId: string): TaskTransition {
  const json = fields['t'];
  let raw: unknown;
  try {
    raw = json === undefined ? undefined : JSON.parse(json);
  } catch {
    raw = undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DecodeError(['t: expected the JSON of a transition'], { taskId, what: WHAT });
  const wire = raw as { readonly state?: unknown };
  const f = fields['f'];
  const c = fields['c'];
  let state = wire.state;
  if (c !== undefined && c !== '') {
    const phase = typeof state === 'object' && state !== null ? (state as { readonly phase?: unknown }).phase : undefined;
    if (phase !== 'succeeded') throw new DecodeError(['c: expected the base64 content of a success'], { taskId, what: WHAT });
    state = { ...(state as object), content: c };
  }
  try {
    return decodeTransition({ ...wire, from: f === undefined || f === '' ? null : f, state }, WHAT);
  } catch (error: unknown) {
    // The wire decoder does not know which task the entry belongs to: name it.
    if (error instanceof DecodeError && error.taskId === undefined) throw new DecodeError(error.report, { taskId, what: WHAT, cause: error });
    throw error;
  }
}
