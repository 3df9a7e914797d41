import { NEVER, Subject, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ownCopy, resumeLoop, type Kept } from '../../lib/client/resume.js';
import { normaliseOptions, type TaskStatusOptions } from '../../lib/options.js';
import type { PollContext } from '../../lib/schedules/poll-schedule.js';
import { createRuntime, pollTask, type PollRuntime } from '../../lib/task-status.js';
import type { TaskPhase, TaskState, TaskTransition } from '../../lib/transitions.js';
import { scripted, status } from '../helpers/marble-transport.js';

// lib/client/resume.ts: what a client keeps of a task whose last subscriber left, and the loop
// of a subscriber that comes back within `resumeWindow` — the task's pace kept (no request sooner
// than the interval after the last request or response, a hint no sooner than `hintFloor` after
// the last request), and nothing replayed that the returning subscriber already has. `poll$` here
// is a cold marble standing for a fresh poll loop; its subscription is the first request.

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
/** The client's monotonic clock runs ahead of the scheduler: the pace must be read on the clock. */
const OFFSET = 10_000;

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const runtimeOf = (scheduler: TestScheduler, extra: Partial<TaskStatusOptions> = {}): PollRuntime =>
  createRuntime(normaliseOptions({ scheduler, transport: () => NEVER, interval: 100, hintFloor: 50, ...extra }));
const clockOf = (scheduler: TestScheduler) => (): number => OFFSET + scheduler.now();

const PENDING: TaskState = { phase: 'pending', status: 'PENDING' };
const STARTED: TaskState = { phase: 'started', status: 'STARTED', meta: { pid: 7, hostname: 'w1' } };
const progress = (current: number): TaskState => ({
  phase: 'started',
  status: 'PROGRESS',
  meta: { current, total: 4 },
  progress: { current, total: 4, ratio: current / 4 },
});
const SUCCEEDED: TaskState = { phase: 'succeeded', status: 'SUCCESS', result: { status: 'SUCCESS' } };

const transition = (from: TaskPhase | null, state: TaskState, polls: number, at = 0): TaskTransition =>
  ({ taskId: ID, from, to: state.phase, state, at, polls }) as TaskTransition;

/** Kept after a request at OFFSET − 20 answered at OFFSET − 15 (scheduler time 0 is OFFSET on the clock). */
const kept = (extra: Partial<Kept> = {}): Kept => ({
  transition: transition('pending', STARTED, 3),
  lastRequestAt: OFFSET - 20,
  lastResponseAt: OFFSET - 15,
  polls: 3,
  startedAt: OFFSET - 1000,
  ...extra,
});

/** What a subscriber sees of each transition: its edge and poll count. */
const mapEdge = map((t: TaskTransition): string => `${t.from ?? '∅'}→${t.to}#${t.polls}`);

describe('resumeLoop: the pace', () => {
  it('subscribes poll$ at max(lastRequestAt, lastResponseAt) + interval, read on the clock passed in', () => {
    const s = newScheduler();
    s.run(({ cold, expectSubscriptions, flush }) => {
      const runtime = runtimeOf(s);
      // Last response at OFFSET − 15: the next request 100 after it, at scheduler time 85.
      const afterResponse = cold<TaskTransition>('-|');
      resumeLoop(ID, kept(), () => afterResponse, undefined, runtime, clockOf(s)).subscribe();
      // A request sent after the last response (it was in flight when the subscriber left): 100 after it.
      const afterRequest = cold<TaskTransition>('-|');
      resumeLoop(ID, kept({ lastRequestAt: OFFSET - 10, lastResponseAt: OFFSET - 400 }), () => afterRequest, undefined, runtime, clockOf(s)).subscribe();
      // A request never answered at all.
      const neverAnswered = cold<TaskTransition>('-|');
      resumeLoop(ID, kept({ transition: undefined, lastRequestAt: OFFSET - 30, lastResponseAt: Number.NEGATIVE_INFINITY }), () => neverAnswered, undefined, runtime, clockOf(s)).subscribe();
      flush();
      expectSubscriptions(afterResponse.subscriptions).toBe('85ms ^!');
      expectSubscriptions(afterRequest.subscriptions).toBe('90ms ^!');
      expectSubscriptions(neverAnswered.subscriptions).toBe('70ms ^!');
    });
  });

  it('the wait is to a moment, not a duration: a later subscription waits only what is left of it', () => {
    const s = newScheduler();
    s.run(({ cold, expectSubscriptions }) => {
      const poll$ = cold<TaskTransition>('-|');
      const loop$ = resumeLoop(ID, kept(), () => poll$, undefined, runtimeOf(s), clockOf(s));
      s.schedule(() => loop$.subscribe(), 60);
      expectSubscriptions(poll$.subscriptions).toBe('85ms ^!');
    });
  });

  it('does not wait at all when that moment is past (or now)', () => {
    const s = newScheduler();
    s.run(({ cold, hot, expectSubscriptions, flush }) => {
      const runtime = runtimeOf(s);
      const exactlyNow = cold<TaskTransition>('-|');
      resumeLoop(ID, kept({ lastRequestAt: OFFSET - 105, lastResponseAt: OFFSET - 100 }), () => exactlyNow, undefined, runtime, clockOf(s)).subscribe();
      const longAgo = cold<TaskTransition>('-|');
      const hints = hot('----x');
      resumeLoop(ID, kept({ lastRequestAt: OFFSET - 5000, lastResponseAt: OFFSET - 4990 }), () => longAgo, hints, runtime, clockOf(s)).subscribe();
      flush();
      expectSubscriptions(exactlyNow.subscriptions).toBe('^!');
      expectSubscriptions(longAgo.subscriptions).toBe('^!');
      // poll$ hears the hints itself: the resume does not listen to them when it does not wait.
      expectSubscriptions(hints.subscriptions).toBe([]);
    });
  });

  it('unsubscribing during the wait never starts poll$ and leaves no timer behind', () => {
    const s = newScheduler();
    s.run(({ cold, hot, expectSubscriptions, flush }) => {
      const poll$ = cold<TaskTransition>('-|');
      const hints = hot<unknown>('-');
      const sub = resumeLoop(ID, kept(), () => poll$, hints, runtimeOf(s), clockOf(s)).subscribe();
      s.schedule(() => sub.unsubscribe(), 40);
      flush();
      expectSubscriptions(poll$.subscriptions).toBe([]);
      expectSubscriptions(hints.subscriptions).toBe('^ 39ms !');
    });
    expect(s.actions.length).toBe(0);
  });
});

describe('resumeLoop: a hint', () => {
  // The last request at OFFSET − 20 and hintFloor 50: a hint may start the loop from time 30;
  // the pace alone starts it at 85.
  const startedBy = (hintMarble: string | undefined): string => {
    const s = newScheduler();
    let subscribedAt = -1;
    s.run(({ cold, hot, flush }) => {
      const poll$ = cold<TaskTransition>('-|');
      const hints = hintMarble === undefined ? undefined : hot(hintMarble);
      resumeLoop(ID, kept(), () => poll$, hints, runtimeOf(s), clockOf(s)).subscribe();
      flush();
      expect(poll$.subscriptions).toHaveLength(1);
      subscribedAt = poll$.subscriptions[0]!.subscribedFrame;
    });
    return `${subscribedAt}`;
  };

  it('starts the loop early, but no sooner than lastRequestAt + hintFloor', () => {
    expect(startedBy('----------x')).toBe('30'); // a hint at 10 waits for the floor
    expect(startedBy('-'.repeat(40) + 'x')).toBe('40'); // a hint past the floor polls at once
    expect(startedBy('-'.repeat(90) + 'x')).toBe('85'); // a hint after the pace changes nothing
    expect(startedBy(undefined)).toBe('85'); // no hint source
  });

  it('one hint is enough: the ones after it change nothing, and the hint source is let go', () => {
    const s = newScheduler();
    s.run(({ cold, hot, expectSubscriptions }) => {
      const poll$ = cold<TaskTransition>('-|');
      const hints = hot('----------x----y----z');
      resumeLoop(ID, kept(), () => poll$, hints, runtimeOf(s), clockOf(s)).subscribe();
      expectSubscriptions(poll$.subscriptions).toBe('30ms ^!');
      expectSubscriptions(hints.subscriptions).toBe('^ 9ms !');
    });
  });

  it('a hint that started the loop counts as a hinted poll: the next hint waits hintFloor after it', () => {
    // With the real loop behind it, as a client's entry builds it: the same hint trigger for both.
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: status(ID, 'STARTED') } },
        { marble: '(r|)', values: { r: status(ID, 'STARTED') } },
        { marble: '(r|)', values: { r: status(ID, 'STARTED') } },
      ]);
      const runtime = runtimeOf(s, { transport: script.transport, interval: 1000 });
      const hints = new Subject<unknown>();
      const sub = resumeLoop(ID, kept(), (hinted) => pollTask(ID, runtime, hints, undefined, hinted), hints, runtime, clockOf(s)).subscribe();
      s.schedule(() => hints.next('a'), 10); // resumes at 30 (the last request at −20, floor 50)
      s.schedule(() => hints.next('b'), 35); // 5 ms after a hinted poll: no sooner than 80
      s.schedule(() => sub.unsubscribe(), 500);
      h.flush();
      expect(script.sentAt).toEqual([30, 80]);
    });
  });

  it('hintFloor 0 on a task last polled long enough ago: the hint polls at once', () => {
    const s = newScheduler();
    s.run(({ cold, hot, expectSubscriptions }) => {
      const poll$ = cold<TaskTransition>('-|');
      const hints = hot('-----x');
      resumeLoop(ID, kept(), () => poll$, hints, runtimeOf(s, { hintFloor: 0 }), clockOf(s)).subscribe();
      expectSubscriptions(poll$.subscriptions).toBe('5ms ^!');
    });
  });
});

describe('resumeLoop: only what is news to a subscriber that got the kept transition', () => {
  it('drops the fresh loop’s older phase and same state, then continues from and polls', () => {
    const s = newScheduler();
    s.run(({ cold, expectObservable }) => {
      // A fresh loop starts from scratch: pending, then started as kept, then news.
      const poll$ = cold<TaskTransition>('a-b-c-(d|)', {
        a: transition(null, PENDING, 1),
        b: transition('pending', STARTED, 2),
        c: transition('started', progress(1), 3),
        d: transition('started', SUCCEEDED, 4),
      });
      const loop$ = resumeLoop(ID, kept({ lastRequestAt: OFFSET - 500, lastResponseAt: OFFSET - 490 }), () => poll$, undefined, runtimeOf(s), clockOf(s));
      expectObservable(loop$.pipe(mapEdge)).toBe('----c-(d|)', { c: 'started→started#6', d: 'started→succeeded#7' });
    });
  });

  it('a progress report equal to the kept one is not news either; a different one is', () => {
    const s = newScheduler();
    s.run(({ cold, expectObservable }) => {
      const poll$ = cold<TaskTransition>('a-b-c|', {
        a: transition(null, progress(2), 1),
        b: transition('started', progress(3), 2),
        c: transition('started', progress(3), 3), // (the fresh loop would not emit it: here to show the filter holds the latest)
      });
      const loop$ = resumeLoop(ID, kept({ transition: transition('started', progress(2), 5), polls: 5, lastRequestAt: OFFSET - 300, lastResponseAt: OFFSET - 200 }), () => poll$, undefined, runtimeOf(s), clockOf(s));
      expectObservable(loop$.pipe(mapEdge)).toBe('--b--|', { b: 'started→started#7' });
    });
  });

  it('the first news continues from the kept phase even when the fresh loop says it has none', () => {
    const s = newScheduler();
    s.run(({ cold, expectObservable }) => {
      const poll$ = cold<TaskTransition>('(a|)', { a: transition(null, SUCCEEDED, 1) });
      const loop$ = resumeLoop(ID, kept({ lastRequestAt: OFFSET - 310, lastResponseAt: OFFSET - 300 }), () => poll$, undefined, runtimeOf(s), clockOf(s));
      expectObservable(loop$).toBe('(a|)', { a: expect.objectContaining({ from: 'started', to: 'succeeded', polls: 4, state: SUCCEEDED }) });
    });
  });

  it('with no kept transition (a request never answered) everything is news; polls still add up', () => {
    const s = newScheduler();
    s.run(({ cold, expectObservable }) => {
      const poll$ = cold<TaskTransition>('a-(b|)', { a: transition(null, PENDING, 1), b: transition('pending', STARTED, 2) });
      const loop$ = resumeLoop(ID, kept({ transition: undefined, polls: 1, lastRequestAt: OFFSET - 300, lastResponseAt: Number.NEGATIVE_INFINITY }), () => poll$, undefined, runtimeOf(s), clockOf(s));
      expectObservable(loop$.pipe(mapEdge)).toBe('a-(b|)', { a: '∅→pending#2', b: 'pending→started#3' });
    });
  });

  it('passes errors of poll$ through', () => {
    const s = newScheduler();
    s.run(({ cold, expectObservable }) => {
      const boom = new Error('boom');
      const poll$ = cold<TaskTransition>('-#', undefined, boom);
      const loop$ = resumeLoop(ID, kept(), () => poll$, undefined, runtimeOf(s), clockOf(s));
      expectObservable(loop$).toBe('86ms #', undefined, boom);
    });
  });
});

describe('resumeLoop with a schedule instead of a numeric interval', () => {
  it('asks the schedule’s next with the kept context, and waits what it answers after the last response', () => {
    const s = newScheduler();
    const asked: PollContext[] = [];
    s.run(({ cold, expectSubscriptions }) => {
      const runtime = runtimeOf(s, { interval: { next: (context: PollContext) => (asked.push(context), 300) } });
      const poll$ = cold<TaskTransition>('-|');
      const k = kept();
      resumeLoop(ID, k, () => poll$, undefined, runtime, clockOf(s)).subscribe();
      // The last response at OFFSET − 15, plus 300.
      expectSubscriptions(poll$.subscriptions).toBe('285ms ^!');
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ taskId: ID, polls: 3, elapsed: 985, phase: 'started', state: STARTED });
  });

  it('with no kept transition: phase pending, no state, at least one poll', () => {
    const s = newScheduler();
    const asked: PollContext[] = [];
    s.run(({ cold, expectSubscriptions }) => {
      const runtime = runtimeOf(s, { interval: (context: PollContext) => (asked.push(context), 40) });
      const poll$ = cold<TaskTransition>('-|');
      const k = kept({ transition: undefined, polls: 0, lastRequestAt: OFFSET - 10, lastResponseAt: Number.NEGATIVE_INFINITY });
      resumeLoop(ID, k, () => poll$, undefined, runtime, clockOf(s)).subscribe();
      expectSubscriptions(poll$.subscriptions).toBe('30ms ^!');
    });
    expect(asked).toEqual([{ taskId: ID, polls: 1, elapsed: 0, phase: 'pending', inPhase: 0 }]);
  });
});

describe('ownCopy', () => {
  it('gives a success’s content as a distinct Uint8Array over its own memory, with equal bytes', () => {
    const backing = new Uint8Array([9, 9, 9, 9, 0x25, 0x50, 0x44, 0x46, 9]);
    const content = backing.subarray(4, 8); // a view into a larger buffer, as a decoder may hand out
    const original = transition('started', { ...SUCCEEDED, content } as TaskState, 4, 123);
    const copy = ownCopy(original);
    if (copy.to !== 'succeeded' || original.to !== 'succeeded') throw new Error('expected successes');
    expect(copy).not.toBe(original);
    expect(copy.state.content).not.toBe(content);
    expect(copy.state.content).toEqual(new Uint8Array([0x25, 0x50, 0x44, 0x46]));
    expect(copy.state.content!.buffer).not.toBe(backing.buffer);
    expect(copy.state.content!.buffer.byteLength).toBe(4);
    // Everything else is the same.
    expect({ ...copy, state: { ...copy.state, content: undefined } }).toEqual({ ...original, state: { ...original.state, content: undefined } });
    // Zero-filling the copy leaves the original (and whoever else holds it) intact.
    copy.state.content!.fill(0);
    expect(Array.from(original.state.content!)).toEqual([0x25, 0x50, 0x44, 0x46]);
    expect(ownCopy(original)).not.toBe(ownCopy(original));
  });

  it('returns every other transition unchanged (the same reference)', () => {
    const others = [
      transition(null, PENDING, 1),
      transition('pending', STARTED, 2),
      transition('started', SUCCEEDED, 3), // a success without content
      transition('started', { phase: 'rejected', status: 'SUCCESS', error: { errorCode: 'E', errorMessage: 'no', details: [] } }, 3),
      transition('started', { phase: 'failed', status: 'FAILURE', error: { message: 'boom' } }, 3),
    ];
    for (const t of others) expect(ownCopy(t)).toBe(t);
  });
});
