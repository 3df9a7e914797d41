import { compareStates, isTerminal, phaseRank, progressOf, sameMeta, toState, type TaskPhase, type TaskState } from '../lib/transitions.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('toState', () => {
  it.each([
    ['PENDING', undefined, { phase: 'pending', status: 'PENDING' }],
    ['STARTED', undefined, { phase: 'started', status: 'STARTED' }],
    ['PROGRESS', { current: 3, total: 10 }, { phase: 'started', status: 'PROGRESS', meta: { current: 3, total: 10 }, progress: { current: 3, total: 10, ratio: 0.3 } }],
    ['RETRY', { exc: 'Timeout' }, { phase: 'retrying', status: 'RETRY', meta: { exc: 'Timeout' } }],
    ['REVOKED', null, { phase: 'failed', status: 'REVOKED', error: { message: 'task revoked', raw: null } }],
    ['FAILURE', 'worker lost', { phase: 'failed', status: 'FAILURE', error: { message: 'worker lost', raw: 'worker lost' } }],
    ['SUCCESS', 42, { phase: 'succeeded', status: 'SUCCESS', result: { value: 42 } }],
    ['SUCCESS', { answer: 42 }, { phase: 'succeeded', status: 'SUCCESS', result: { answer: 42 } }],
  ])('%s with %j', (status, result, expected) => {
    expect(toState(result === undefined ? { taskId: ID, status } : { taskId: ID, status, result })).toEqual(expected);
  });

  it('gives a rejection empty details when the API sends none', () => {
    expect(toState({ taskId: ID, status: 'SUCCESS', result: { status: 'ERROR', errorCode: 'E', errorMessage: 'm' } })).toEqual({
      phase: 'rejected',
      status: 'SUCCESS',
      error: { errorCode: 'E', errorMessage: 'm', details: [] },
    });
  });

  it('decodes contentB64 and drops the base64 from the kept result', () => {
    const state = toState({ taskId: ID, status: 'SUCCESS', result: { status: 'SUCCESS', contentB64: 'JVBERg==', size: 4 } });
    expect(state).toEqual({ phase: 'succeeded', status: 'SUCCESS', content: new Uint8Array([0x25, 0x50, 0x44, 0x46]), result: { status: 'SUCCESS', size: 4 } });
  });

  it('turns a malformed business error into a DecodeError with the path', () => {
    expect(() => toState({ taskId: ID, status: 'SUCCESS', result: { status: 'ERROR', errorCode: 7, errorMessage: 'm' } })).toThrow(
      /errorCode: expected string, got 7/,
    );
  });
});

describe('isTerminal and phaseRank', () => {
  it.each<[TaskPhase, boolean, number]>([
    ['pending', false, 0],
    ['started', false, 1],
    ['retrying', false, 1],
    ['succeeded', true, 2],
    ['rejected', true, 2],
    ['failed', true, 2],
  ])('%s: terminal %s, rank %i', (phase, terminal, rank) => {
    expect(isTerminal(phase)).toBe(terminal);
    expect(phaseRank(phase)).toBe(rank);
  });
});

describe('progressOf', () => {
  it.each<[unknown, unknown]>([
    [{ current: 3, total: 10 }, { current: 3, total: 10, ratio: 0.3 }],
    [{ current: 12, total: 10 }, { current: 12, total: 10, ratio: 1 }],
    [{ current: -1, total: 10 }, { current: -1, total: 10, ratio: 0 }],
    [{ current: 0, total: 0 }, { current: 0, total: 0, ratio: 0 }],
    [{ current: '3', total: 10 }, undefined],
    [{ current: 3, total: Infinity }, undefined],
    [[3, 10], undefined],
    [null, undefined],
  ])('%j gives %j', (meta, progress) => {
    expect(progressOf(meta)).toEqual(progress);
  });
});

describe('compareStates', () => {
  const pending: TaskState = { phase: 'pending', status: 'PENDING' };
  const started: TaskState = { phase: 'started', status: 'STARTED' };
  const progress = (current: number): TaskState => ({ phase: 'started', status: 'PROGRESS', meta: { current, total: 4 } });
  const done: TaskState = { phase: 'succeeded', status: 'SUCCESS', result: { status: 'SUCCESS' } };

  it('a first state, a new phase, a new status or meta is a change', () => {
    expect(compareStates(undefined, pending)).toBe('change');
    expect(compareStates(pending, started)).toBe('change');
    expect(compareStates(started, progress(1))).toBe('change');
    expect(compareStates(progress(1), progress(2))).toBe('change');
    expect(compareStates(started, { phase: 'retrying', status: 'RETRY' })).toBe('change');
    expect(compareStates(progress(2), done)).toBe('change');
  });

  it('the same state again is the same; an earlier phase is backwards (a stale replica)', () => {
    expect(compareStates(progress(2), progress(2))).toBe('same');
    expect(compareStates(done, { ...done })).toBe('same');
    expect(compareStates(started, pending)).toBe('backwards');
    expect(compareStates(done, started)).toBe('backwards');
  });
});

describe('sameMeta', () => {
  it('compares progress numbers always and the rest within a bound', () => {
    expect(sameMeta({ current: 1, total: 2, step: 'a' }, { current: 1, total: 2, step: 'a' })).toBe(true);
    expect(sameMeta({ current: 1, total: 2 }, { current: 2, total: 2 })).toBe(false);
    expect(sameMeta({ step: 'a' }, { step: 'b' })).toBe(false);
    expect(sameMeta([1, 2], { 0: 1, 1: 2 })).toBe(false);
    let a: unknown = 'x';
    let b: unknown = 'y';
    for (let i = 0; i < 40; i++) {
      a = { next: a };
      b = { next: b };
    }
    expect(sameMeta(a, b)).toBe(true); // the difference lies deeper than the bound
  });
});
