/**
 * The time limit (`deadline`, `stallAfter`) holds at its exact time, and costs a timer during a
 * poll only when that poll could still be running when the limit passes. Virtual time.
 */
import { NEVER, delay, map, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createTaskClient } from '../../lib/task-client.js';
import { DeadlineError } from '../../lib/errors/deadline-error.js';
import { taskStatus$ } from '../../lib/task-status.js';
import type { TaskStatusOptions } from '../../lib/options.js';
import type { TaskTransition } from '../../lib/transitions.js';
import { FakeDocument } from '../helpers/fake-document.js';
import { scripted, status } from '../helpers/marble-transport.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const phases = map((t: TaskTransition) => t.to);

/** The scheduler, recording the delay of every action scheduled on it. */
function recording(s: TestScheduler): { readonly scheduler: SchedulerLike; readonly delays: number[] } {
  const delays: number[] = [];
  const schedule: SchedulerLike['schedule'] = <T>(work: (this: SchedulerAction<T>, state?: T) => void, wait?: number, state?: T) => {
    delays.push(wait ?? 0);
    return s.schedule(work, wait, state);
  };
  const scheduler: SchedulerLike = { now: () => s.now(), schedule };
  return { scheduler, delays };
}

/** A poll here lasts at most 2 × requestTimeout (the token and a 401 resend) and is never retried. */
const bounded = (extra: Partial<TaskStatusOptions>): TaskStatusOptions => ({
  interval: 300,
  requestTimeout: 100,
  retry: { maxRetries: 0 },
  ...extra,
});

describe('the time limit', () => {
  it('arms no timer for a poll that is over before the limit can pass (only the request timeout and the wait)', () => {
    const s = newScheduler();
    s.run((h) => {
      const { scheduler, delays } = recording(s);
      const answer = (r: string): { marble: string; values: { r: ReturnType<typeof status> } } => ({ marble: '5ms (r|)', values: { r: status(ID, r) } });
      const script = scripted(s, h, [answer('PENDING'), answer('STARTED'), answer('SUCCESS')]);
      h.expectObservable(taskStatus$(ID, bounded({ scheduler, transport: script.transport })).pipe(phases)).toBe('5ms a 304ms b 304ms (c|)', {
        a: 'pending',
        b: 'started',
        c: 'succeeded',
      });
      h.flush();
      // The default deadline is 10 minutes away: no action of that length, only the 100 ms
      // request timeouts and the 300 ms waits (the transport's answers are the test's own).
      expect([...new Set(delays)].sort((a, b) => a - b)).toEqual([100, 300]);
    });
  });

  it('still ends a poll that hangs when the limit passes, at the limit', () => {
    const s = newScheduler();
    s.run((h) => {
      const pending = { marble: '(r|)', values: { r: status(ID, 'PENDING') } };
      const script = scripted(s, h, [pending, pending, pending, { marble: '-' }]);
      // Polls at 0, 300, 600, 900; the last hangs: the request timeout would end it at 1 000 + 0,
      // the deadline at 950 comes first.
      h.expectObservable(taskStatus$(ID, bounded({ scheduler: s, transport: script.transport, requestTimeout: 400, deadline: 950 })).pipe(phases)).toBe(
        'a 949ms #',
        { a: 'pending' },
        expect.any(DeadlineError),
      );
    });
  });

  it('ends a client request queued at a paused gate (the page hidden) at the limit', () => {
    const doc = new FakeDocument();
    doc.visibilityState = 'hidden';
    (globalThis as { document?: unknown }).document = doc;
    try {
      const s = newScheduler();
      s.run((h) => {
        const script = scripted(s, h, []);
        const client = createTaskClient({ ...bounded({ scheduler: s, transport: script.transport, deadline: 1000 }), pauseWhenHidden: true });
        h.expectObservable(client.status$(ID)).toBe('1000ms #', undefined, expect.any(DeadlineError));
        h.flush();
        expect(script.sentAt).toEqual([]);
        client.dispose();
      });
    } finally {
      delete (globalThis as { document?: unknown }).document;
    }
  });

  it('ends a request that an interceptor holds past the limit, at the limit', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [{ marble: '(r|)', values: { r: status(ID, 'PENDING') } }]);
      const client = createTaskClient(bounded({ scheduler: s, transport: script.transport, deadline: 1000 }));
      client.addInterceptor((_info, send) => send.pipe(delay(5000, s)));
      h.expectObservable(client.status$(ID)).toBe('1000ms #', undefined, expect.any(DeadlineError));
      h.flush();
      client.dispose();
    });
  });

  it('ends a request whose token never comes, at the request timeout or the limit, whichever is first', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, []);
      h.expectObservable(taskStatus$(ID, bounded({ scheduler: s, transport: script.transport, token: () => NEVER, requestTimeout: 5000, deadline: 1000 }))).toBe(
        '1000ms #',
        undefined,
        expect.any(DeadlineError),
      );
    });
  });
});
