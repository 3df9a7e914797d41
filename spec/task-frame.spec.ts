import { NEVER, Observable, Subject, of, throwError } from 'rxjs';
import { DeadlineError } from '../lib/errors/deadline-error.js';
import { adapterErrorFrame, completeFrame, encodeTransitionFrame, errorFrame, subscribeTaskFrames, type TaskFrameSink } from '../lib/task-frame.js';
import type { TaskTransition } from '../lib/transitions.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const started: TaskTransition = { taskId: ID, from: 'pending', to: 'started', state: { phase: 'started', status: 'STARTED' }, at: 5, polls: 2 };
const done: TaskTransition = {
  taskId: ID,
  from: 'started',
  to: 'succeeded',
  state: { phase: 'succeeded', status: 'SUCCESS', result: { status: 'SUCCESS' }, content: new Uint8Array([1, 2]) },
  at: 9,
  polls: 3,
} as TaskTransition;
const cyclicMeta = (): TaskTransition => {
  const meta: Record<string, unknown> = {};
  meta['self'] = meta;
  return { ...started, state: { phase: 'started', status: 'PROGRESS', meta } } as TaskTransition;
};

describe('frames', () => {
  it('a transition frame is the wire form with type first; content only when asked', () => {
    expect(encodeTransitionFrame(started, false)).toBe(
      `{"type":"transition","taskId":"${ID}","from":"pending","to":"started","at":5,"polls":2,"state":{"phase":"started","status":"STARTED"}}`,
    );
    expect(JSON.parse(encodeTransitionFrame(done, false) as string).state).toEqual({ phase: 'succeeded', status: 'SUCCESS', result: { status: 'SUCCESS' }, contentBytes: 2 });
    expect(JSON.parse(encodeTransitionFrame(done, true) as string).state.content).toBe('AQI=');
  });

  it('a transition that cannot be encoded gives an EncodeError frame', () => {
    expect(encodeTransitionFrame(cyclicMeta(), false)).toEqual({
      type: 'error',
      taskId: ID,
      error: { name: 'EncodeError', message: "the task's transition cannot be sent as JSON (not JSON data)" },
    });
  });

  it('error frames carry the class name and message only', () => {
    const error = new DeadlineError(10, { taskId: ID, cause: new Error('an inner detail') });
    expect(errorFrame(ID, error)).toEqual({ type: 'error', taskId: ID, error: { name: 'DeadlineError', message: 'task did not finish within the deadline of 10 ms' } });
    expect(errorFrame(null, 'text')).toEqual({ type: 'error', taskId: null, error: { name: 'Error', message: 'text' } });
    expect(errorFrame(null, 42)).toEqual({ type: 'error', taskId: null, error: { name: 'Error', message: 'unknown error' } });
    expect(adapterErrorFrame(ID, 'AccessDeniedError', 'no')).toEqual({ type: 'error', taskId: ID, error: { name: 'AccessDeniedError', message: 'no' } });
    expect(completeFrame(ID)).toEqual({ type: 'complete', taskId: ID });
  });
});

describe('subscribeTaskFrames', () => {
  const record = (): TaskFrameSink & { texts: string[]; ends: unknown[]; faults: number } => {
    const sink = {
      texts: [] as string[],
      ends: [] as unknown[],
      faults: 0,
      transition: (json: string) => sink.texts.push(json),
      end: (frame: unknown) => sink.ends.push(frame),
      fault: () => (sink.faults += 1),
    };
    return sink;
  };

  it('hands each transition, then complete', () => {
    const sink = record();
    subscribeTaskFrames({ status$: () => of(started, done) }, ID, { includeContent: false }, sink);
    expect(sink.texts.map((t) => JSON.parse(t).to)).toEqual(['started', 'succeeded']);
    expect(sink.ends).toEqual([completeFrame(ID)]);
  });

  it('ends with the stream error, or at once with the error of a status$ that throws (no subscription)', () => {
    const failing = record();
    subscribeTaskFrames({ status$: () => throwError(() => new DeadlineError(10, { taskId: ID })) }, ID, {}, failing);
    expect(failing.ends).toEqual([{ type: 'error', taskId: ID, error: { name: 'DeadlineError', message: 'task did not finish within the deadline of 10 ms' } }]);
    const throwing = record();
    const subscription = subscribeTaskFrames(
      {
        status$: () => {
          throw new TypeError('taskId: must be a UUID, got a string');
        },
      },
      'x',
      {},
      throwing,
    );
    expect(subscription).toBeUndefined();
    expect(throwing.ends).toEqual([{ type: 'error', taskId: 'x', error: { name: 'TypeError', message: 'taskId: must be a UUID, got a string' } }]);
  });

  it('ends the task with an EncodeError frame, once, and follows it no more', () => {
    const source = new Subject<TaskTransition>();
    const sink = record();
    const subscription = subscribeTaskFrames({ status$: () => source }, ID, {}, sink);
    source.next(cyclicMeta());
    source.next(started);
    source.complete();
    expect(sink.texts).toEqual([]);
    expect(sink.ends).toHaveLength(1);
    expect(sink.ends[0]).toMatchObject({ error: { name: 'EncodeError' } });
    subscription?.unsubscribe();
  });

  it('a sink that throws gets fault(), and nothing escapes the subscriber', () => {
    const sink = { ...record(), transition: () => { throw new Error('socket gone'); } };
    let faults = 0;
    expect(() => subscribeTaskFrames({ status$: () => of(started) }, ID, {}, { ...sink, fault: () => (faults += 1) })).not.toThrow();
    expect(faults).toBe(1);
  });

  it('returns the subscription: unsubscribing stops following', () => {
    let unsubscribed = false;
    const source = new Observable<TaskTransition>(() => () => (unsubscribed = true));
    const subscription = subscribeTaskFrames({ status$: () => source }, ID, {}, record());
    subscription?.unsubscribe();
    expect(unsubscribed).toBe(true);
    expect(subscribeTaskFrames({ status$: () => NEVER }, ID, {}, record())?.closed).toBe(false);
  });
});
