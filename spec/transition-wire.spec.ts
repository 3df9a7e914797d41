import { DecodeError } from '../lib/errors/decode-error.js';
import { decodeTransition, encodeTransition, toTransitionJson } from '../lib/transition-wire.js';
import type { TaskTransition } from '../lib/transitions.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const at = 1_732_900_000_000;

const pending: TaskTransition = { taskId: ID, from: null, to: 'pending', state: { phase: 'pending', status: 'PENDING' }, at, polls: 1 };
const progress: TaskTransition = {
  taskId: ID,
  from: 'started',
  to: 'started',
  state: { phase: 'started', status: 'PROGRESS', meta: { current: 2, total: 4 }, progress: { current: 2, total: 4, ratio: 0.5 } },
  at,
  polls: 3,
} as TaskTransition;
const succeeded: TaskTransition = {
  taskId: ID,
  from: 'started',
  to: 'succeeded',
  state: { phase: 'succeeded', status: 'SUCCESS', result: { status: 'SUCCESS', documentId: 'doc-1' }, content: new Uint8Array([37, 80, 68, 70]) },
  at,
  polls: 4,
} as TaskTransition;
const rejected: TaskTransition = {
  taskId: ID,
  from: 'started',
  to: 'rejected',
  state: { phase: 'rejected', status: 'SUCCESS', error: { errorCode: 'E1', errorMessage: 'bad invoice', details: [{ item: 'BT-1', reason: 'missing' }] } },
  at,
  polls: 4,
} as TaskTransition;
const failed: TaskTransition = {
  taskId: ID,
  from: 'started',
  to: 'failed',
  state: { phase: 'failed', status: 'FAILURE', error: { message: 'boom', type: 'ValueError', raw: { exc_type: 'ValueError', exc_message: ['boom'] } } },
  at,
  polls: 5,
} as TaskTransition;

describe('toTransitionJson', () => {
  it('keeps the transition fields and makes the state JSON-safe: content as its size, no raw failure by default', () => {
    expect(toTransitionJson(succeeded)).toEqual({
      taskId: ID,
      from: 'started',
      to: 'succeeded',
      at,
      polls: 4,
      state: { phase: 'succeeded', status: 'SUCCESS', result: { status: 'SUCCESS', documentId: 'doc-1' }, contentBytes: 4 },
    });
    expect(toTransitionJson(failed).state).toEqual({ phase: 'failed', status: 'FAILURE', error: { message: 'boom', type: 'ValueError' } });
    expect(toTransitionJson(progress).state).toEqual({ phase: 'started', status: 'PROGRESS', meta: { current: 2, total: 4 } });
  });

  it('adds the base64 content and the raw failure only when asked', () => {
    expect(toTransitionJson(succeeded, { content: true }).state).toMatchObject({ contentBytes: 4, content: 'JVBERg==' });
    expect(toTransitionJson(failed, { raw: true }).state).toEqual({ phase: 'failed', status: 'FAILURE', error: failed.state.phase === 'failed' ? failed.state.error : undefined });
  });
});

describe('encodeTransition / decodeTransition', () => {
  it.each([
    ['pending', pending],
    ['rejected', rejected],
  ])('round-trips a %s transition exactly', (_, transition) => {
    const { json } = encodeTransition(transition);
    expect(decodeTransition(json)).toEqual(transition);
    expect(decodeTransition(JSON.parse(json!))).toEqual(transition);
  });

  it('round-trips a success with its content when the content was sent', () => {
    const decoded = decodeTransition(encodeTransition(succeeded, { content: true }).json);
    expect(decoded).toEqual(succeeded);
    expect(decodeTransition(encodeTransition(succeeded).json).state).not.toHaveProperty('content');
  });

  it('round-trips a failure with raw when raw was sent, and a progress update (its progress derived from meta again)', () => {
    expect(decodeTransition(encodeTransition(failed, { raw: true }).json)).toEqual(failed);
    expect(decodeTransition(encodeTransition(progress).json)).toEqual(progress);
  });

  it('writes extra fields first and ignores them when decoding (a frame type)', () => {
    const { json } = encodeTransition(pending, {}, { type: 'transition' });
    expect(json!.startsWith('{"type":"transition","taskId"')).toBe(true);
    expect(decodeTransition(json)).toEqual(pending);
  });

  it('gives the reason instead of throwing when a transition cannot be encoded', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const withMeta = (meta: unknown) => ({ ...progress, state: { phase: 'started', status: 'PROGRESS', meta } }) as TaskTransition;
    expect(encodeTransition(withMeta(cyclic))).toEqual({ why: 'not JSON data' });
    expect(encodeTransition(withMeta(deep))).toEqual({ why: 'nested too deep' });
    expect(encodeTransition(withMeta({ n: 1n }))).toEqual({ why: 'not JSON data' });
  });

  it.each<[string, unknown]>([
    ['text that is not JSON', '{"taskId":'],
    ['a state whose phase is not `to`', { ...toTransitionJson(pending), to: 'started' }],
    ['an unknown phase', { ...toTransitionJson(pending), from: 'done' }],
    ['bad base64 content', { ...toTransitionJson(succeeded), state: { ...toTransitionJson(succeeded).state, content: 'not base64!' } }],
    ['a missing field', { taskId: ID, from: null, to: 'pending', state: { phase: 'pending', status: 'PENDING' }, at }],
  ])('refuses %s with a DecodeError', (_, value) => {
    expect(() => decodeTransition(value, 'transition frame')).toThrow(DecodeError);
    expect(() => decodeTransition(value, 'transition frame')).toThrow(/transition frame/);
  });
});
