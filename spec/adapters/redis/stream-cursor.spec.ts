import { StreamCursor, compareIds } from '../../../lib/adapters/redis/stream-cursor.js';
import { encodeStoredTransition } from '../../../lib/adapters/redis/stored-transition.js';
import type { StreamEntry } from '../../../lib/adapters/redis/task-lease.js';
import type { TaskPhase, TaskTransition } from '../../../lib/transitions.js';

const TASK = '0b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
const states: Partial<Record<TaskPhase, TaskTransition['state']>> = {
  pending: { phase: 'pending', status: 'PENDING' },
  started: { phase: 'started', status: 'STARTED' },
  retrying: { phase: 'retrying', status: 'RETRY' },
};
const entry = (id: string, to: TaskPhase, from = '', at = 1): StreamEntry => {
  const { json } = encodeStoredTransition({ taskId: TASK, from: null, to, state: states[to]!, at, polls: 1 } as TaskTransition);
  return [id, ['p', to, 'f', from, 't', json!]];
};
const edges = (list: readonly TaskTransition[]): string => list.map((t) => `${t.from ?? '∅'}→${t.to}`).join(' ');

describe('compareIds', () => {
  it.each([
    ['1-0', '2-0', -1],
    ['10-0', '9-5', 1],
    ['5-2', '5-10', -1],
    ['7-3', '7-3', 0],
  ])('%s vs %s', (a, b, sign) => expect(Math.sign(compareIds(a, b))).toBe(sign));
});

describe('StreamCursor', () => {
  it('emits each entry once, in order, with the from this subscriber saw', () => {
    const cursor = new StreamCursor(TASK);
    expect(edges(cursor.read([entry('1-0', 'pending')]))).toBe('∅→pending');
    // A step that reads the same entries again (and one more) emits only the new one.
    expect(edges(cursor.read([entry('1-0', 'pending'), entry('2-0', 'started', 'pending')]))).toBe('pending→started');
    expect(cursor.read([entry('2-0', 'started', 'pending')])).toEqual([]);
    expect(cursor.lastId).toBe('2-0');
  });

  it('drops a transition to the phase emitted last, from whichever source', () => {
    const cursor = new StreamCursor(TASK);
    cursor.read([entry('1-0', 'started')]);
    expect(cursor.accept({ taskId: TASK, from: null, to: 'started', state: states.started!, at: 2, polls: 2 } as TaskTransition)).toBeUndefined();
    expect(cursor.accept({ taskId: TASK, from: null, to: 'retrying', state: states.retrying!, at: 3, polls: 3 } as TaskTransition)).toMatchObject({ from: 'started', to: 'retrying' });
    expect(cursor.read([entry('2-0', 'retrying', 'started')])).toEqual([]);
    expect(cursor.phase).toBe('retrying');
  });

  it('latestOnly keeps the newest entry only, and skips it when it is the phase already emitted', () => {
    const cursor = new StreamCursor(TASK);
    cursor.accept({ taskId: TASK, from: null, to: 'retrying', state: states.retrying!, at: 1, polls: 1 } as TaskTransition);
    const written = [entry('1-0', 'pending'), entry('2-0', 'started', 'pending'), entry('3-0', 'retrying', 'started')];
    expect(cursor.read(written, true)).toEqual([]);
    expect(cursor.lastId).toBe('3-0');
    expect(edges(cursor.read([...written, entry('4-0', 'started', 'retrying')], true))).toBe('retrying→started');
  });

  it('after guard(), skips entries older than what this subscriber emitted, until one is newer', () => {
    const cursor = new StreamCursor(TASK);
    cursor.accept({ taskId: TASK, from: null, to: 'retrying', state: states.retrying!, at: 500, polls: 3 } as TaskTransition);
    // Without the guard, the stream is the truth.
    expect(new StreamCursor(TASK).read([entry('9-0', 'started', '', 400)])).toHaveLength(1);
    cursor.guard();
    // The new poller republished what it saw at 400: stale here.
    expect(cursor.read([entry('9-0', 'started', '', 400)])).toEqual([]);
    expect(cursor.lastId).toBe('9-0');
    expect(edges(cursor.read([entry('10-0', 'started', 'retrying', 600)], true))).toBe('retrying→started');
  });
});
