import { DecodeError, toTransitionJson, type TaskTransition } from '../../../lib/index.js';
import { decodeStoredTransition, encodeStoredTransition } from '../../../lib/adapters/redis/stored-transition.js';

const ID = '3f1c0c9e-8d5b-4c7a-9e2f-1a2b3c4d5e6f';
const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);

const samples: TaskTransition[] = [
  { taskId: ID, from: null, to: 'pending', state: { phase: 'pending', status: 'PENDING' }, at: 1, polls: 1 },
  { taskId: ID, from: 'pending', to: 'started', state: { phase: 'started', status: 'PROGRESS', meta: { current: 2, total: 5 }, progress: { current: 2, total: 5, ratio: 0.4 } }, at: 2, polls: 2 },
  { taskId: ID, from: 'started', to: 'retrying', state: { phase: 'retrying', status: 'RETRY', meta: { exc_type: 'ConnectionError' } }, at: 3, polls: 3 },
  { taskId: ID, from: 'retrying', to: 'succeeded', state: { phase: 'succeeded', status: 'SUCCESS', content: bytes, result: { status: 'SUCCESS', invoiceNumber: 'INV-1' } }, at: 4, polls: 4 },
  { taskId: ID, from: 'started', to: 'succeeded', state: { phase: 'succeeded', status: 'SUCCESS', result: { value: 42 } }, at: 5, polls: 5 },
  {
    taskId: ID,
    from: 'started',
    to: 'rejected',
    state: {
      phase: 'rejected',
      status: 'SUCCESS',
      error: { errorCode: 'VALIDATION_FAILED', errorMessage: 'bad', details: [{ item: 'BT-1', reason: 'missing', level: 'Error', source: 'schematron', code: null }] },
    },
    at: 6,
    polls: 6,
  },
  { taskId: ID, from: 'started', to: 'failed', state: { phase: 'failed', status: 'FAILURE', error: { message: 'boom', type: 'ValueError', raw: { exc_message: 'boom' } } }, at: 7, polls: 7 },
];

/** The fields a stream entry gets, as the publish script writes them. */
const toFields = (t: TaskTransition): Record<string, string> => {
  const encoded = encodeStoredTransition(t);
  if (encoded.json === undefined) throw new Error(`cannot encode: ${encoded.why}`);
  const { json, content } = encoded;
  return { p: t.to, f: t.from ?? '', t: json, ...(content === '' ? {} : { c: content }) };
};

describe('transitions stored in Redis', () => {
  it.each(samples.map((s) => [s.to, s] as const))('decode back to the same %s transition', (_, sample) => {
    expect(decodeStoredTransition(toFields(sample), ID)).toEqual(sample);
  });

  it('keep the content bytes: base64 in Redis, a Uint8Array again when read', () => {
    const fields = toFields(samples[3]!);
    expect(fields['c']).toBe(Buffer.from(bytes).toString('base64'));
    expect(fields['t']).not.toContain('content');
    const back = decodeStoredTransition(fields, ID);
    expect(back.state.phase === 'succeeded' && back.state.content).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.state.phase === 'succeeded' ? back.state.content! : [])).toEqual(Array.from(bytes));
  });

  it('encodes a content that is a view on a larger buffer by its own bytes only', () => {
    const big = Uint8Array.from({ length: 16 }, (_, i) => i);
    const view = big.subarray(4, 8);
    const t: TaskTransition = { ...samples[3]!, to: 'succeeded', state: { phase: 'succeeded', status: 'SUCCESS', content: view, result: { status: 'SUCCESS' } } };
    expect(encodeStoredTransition(t)).toMatchObject({ content: Buffer.from([4, 5, 6, 7]).toString('base64') });
  });

  it.each([
    ['no JSON', { p: 'pending', f: '', t: 'not json' }],
    ['an unknown phase', { p: 'done', f: '', t: JSON.stringify({ taskId: ID, to: 'done', state: { phase: 'done', status: 'X' }, at: 1, polls: 1 }) }],
    ['a bad from', { p: 'pending', f: 'nowhere', t: JSON.stringify({ taskId: ID, to: 'pending', state: { phase: 'pending', status: 'PENDING' }, at: 1, polls: 1 }) }],
    ['to ≠ state.phase', { p: 'pending', f: '', t: JSON.stringify({ taskId: ID, to: 'started', state: { phase: 'pending', status: 'PENDING' }, at: 1, polls: 1 }) }],
    ['content on a failure', { ...toFields(samples[6]!), c: 'AAEC' }],
    ['invalid base64', { ...toFields(samples[3]!), c: 'not base64!' }],
  ])('refuse %s with a DecodeError', (_, fields) => {
    expect(() => decodeStoredTransition(fields, ID)).toThrow(DecodeError);
  });

  it('store the library\'s one wire format of a transition (without its content) in `t`', () => {
    for (const sample of samples) {
      const { content: _bytes, ...state } = sample.state as { content?: Uint8Array };
      const bare = { ...sample, state } as TaskTransition;
      expect(JSON.parse(toFields(sample)['t']!)).toEqual(toTransitionJson(bare, { raw: true }));
    }
  });

  it('take `from` from the `f` field, and read an entry written before `from` was in the JSON', () => {
    const { from: _from, ...older } = JSON.parse(toFields(samples[1]!)['t']!) as Record<string, unknown>;
    expect(decodeStoredTransition({ p: 'started', f: 'pending', t: JSON.stringify(older) }, ID)).toEqual(samples[1]);
    expect(decodeStoredTransition({ ...toFields(samples[1]!), f: '' }, ID).from).toBeNull();
  });

  it('name the task in the DecodeError of an entry it cannot read', () => {
    const bad = { p: 'pending', f: '', t: JSON.stringify({ taskId: ID, from: null, to: 'pending', state: { phase: 'pending', status: 7 }, at: 1, polls: 1 }) };
    expect(() => decodeStoredTransition(bad, ID)).toThrow(expect.objectContaining({ taskId: ID, name: 'DecodeError' }) as Error);
  });

  it('give the reason instead of throwing for a state that is not JSON data', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const t: TaskTransition = { taskId: ID, from: null, to: 'started', state: { phase: 'started', status: 'PROGRESS', meta: cyclic }, at: 1, polls: 1 };
    expect(encodeStoredTransition(t)).toEqual({ why: 'not JSON data' });
  });
});
