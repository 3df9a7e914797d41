import { Subject, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { TaskClientOptions } from '../../lib/client/task-client-options.js';
import { createTaskClient } from '../../lib/task-client.js';
import type { TaskTransition } from '../../lib/transitions.js';
import { scripted, status, type Step } from '../helpers/marble-transport.js';

// Issue 14, item 4: churn cannot amplify. A task that loses its last subscriber keeps its
// latest transition and the time of its last request and response for `resumeWindow`; a
// subscriber that comes back gets that transition at once, and the next request goes no sooner
// than `interval` after the last one. Virtual time throughout.

const A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const base = (scheduler: TestScheduler, extra: Partial<TaskClientOptions> = {}): TaskClientOptions => ({
  scheduler,
  interval: 2500,
  retry: { initialInterval: 5, maxInterval: 40, maxRetries: 3, jitter: 'none', maxRetryAfter: 50 },
  pauseWhenHidden: false,
  ...extra,
});
const reply = (marble: string, s: string, result?: unknown): Step => ({ marble, values: { r: status(A, s, result) } });
const phases = map((t: TaskTransition) => t.to);

describe('churn cannot amplify (issue 14, item 4)', () => {
  it('300 subscribe/unsubscribe cycles in a second send one request, not 300', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('5ms (r|)', 'PENDING'), reply('5ms (r|)', 'STARTED')]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      for (let i = 0; i < 300; i++) {
        s.schedule(() => {
          const sub = client.status$(A).subscribe();
          s.schedule(() => sub.unsubscribe(), 2);
        }, i * 3);
      }
      s.schedule(() => expect(script.sentAt).toEqual([0]), 1000);
      h.flush();
      expect(script.sentAt).toEqual([0]);
    });
  });

  it('a subscriber that comes back gets the latest transition at once, and the next request `interval` after the last response', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('5ms (r|)', 'PENDING'), reply('5ms (r|)', 'STARTED'), reply('(r|)', 'SUCCESS', { status: 'SUCCESS' })]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      // The first subscriber sees pending (response at 5), leaves at 100.
      h.expectObservable(client.status$(A).pipe(phases), '^ 99ms !').toBe('5ms p', { p: 'pending' });
      // Comes back at 1000: pending at once (as it was: from null), then the next request at 2505.
      h.expectObservable(client.status$(A), '1000ms ^').toBe('1000ms a 1509ms b 2499ms (c|)', {
        a: expect.objectContaining({ from: null, to: 'pending', polls: 1 }),
        b: expect.objectContaining({ from: 'pending', to: 'started', at: 2510, polls: 2 }),
        c: expect.objectContaining({ from: 'started', to: 'succeeded', polls: 3 }),
      });
      h.flush();
      expect(script.sentAt).toEqual([0, 2505, 5010]);
      expect(client.stats()).toMatchObject({ tasks: 0, subscribers: 0, requests: 3 });
    });
    expect(s.actions.length).toBe(0);
  });

  it('an answer the returning subscriber already has is not emitted again (same state, or an older phase)', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'STARTED'), reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED'), reply('(r|)', 'SUCCESS', { status: 'SUCCESS' })]);
      const client = createTaskClient(base(s, { transport: script.transport, interval: 100 }));
      h.expectObservable(client.status$(A).pipe(phases), '^ 49ms !').toBe('s', { s: 'started' });
      h.expectObservable(client.status$(A), '60ms ^').toBe('60ms a 239ms (c|)', {
        a: expect.objectContaining({ to: 'started' }),
        c: expect.objectContaining({ from: 'started', to: 'succeeded', polls: 4 }),
      });
      h.flush();
      expect(script.sentAt).toEqual([0, 100, 200, 300]);
    });
  });

  it('forgets a task after resumeWindow: a subscriber after it polls at once', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED')]);
      const client = createTaskClient(base(s, { transport: script.transport, resumeWindow: 3000 }));
      h.expectObservable(client.status$(A).pipe(phases), '^ 9ms !').toBe('p', { p: 'pending' });
      h.expectObservable(client.status$(A).pipe(phases), '3020ms ^ 9ms !').toBe('3020ms s', { s: 'started' });
      h.flush();
      expect(script.sentAt).toEqual([0, 3020]);
    });
  });

  it('keeps at least one interval by default, even a long one', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED')]);
      const client = createTaskClient(base(s, { transport: script.transport, interval: 60_000 }));
      h.expectObservable(client.status$(A).pipe(phases), '^ 9ms !').toBe('p', { p: 'pending' });
      h.expectObservable(client.status$(A).pipe(phases), '45000ms ^ 20000ms !').toBe('45000ms p 14999ms s', { p: 'pending', s: 'started' });
      h.flush();
      expect(script.sentAt).toEqual([0, 60_000]);
    });
  });

  it('resumeWindow: 0 turns it off (each new subscriber polls at once)', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED')]);
      const client = createTaskClient(base(s, { transport: script.transport, resumeWindow: 0 }));
      h.expectObservable(client.status$(A).pipe(phases), '^ 9ms !').toBe('p', { p: 'pending' });
      h.expectObservable(client.status$(A).pipe(phases), '20ms ^ 9ms !').toBe('20ms s', { s: 'started' });
      h.flush();
      expect(script.sentAt).toEqual([0, 20]);
    });
  });

  it('a hint cuts the resume wait short, no sooner than hintFloor after the last request', () => {
    const s = newScheduler();
    s.run((h) => {
      const hints = new Subject<string>();
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED')]);
      const client = createTaskClient(base(s, { transport: script.transport, hints, hintFloor: 1000 }));
      h.expectObservable(client.status$(A).pipe(phases), '^ 9ms !').toBe('p', { p: 'pending' });
      h.expectObservable(client.status$(A).pipe(phases), '100ms ^ 2000ms !').toBe('100ms p 899ms s', { p: 'pending', s: 'started' });
      s.schedule(() => hints.next(A), 200);
      h.flush();
      expect(script.sentAt).toEqual([0, 1000]);
    });
  });

  it('validates resumeWindow when the client is created', () => {
    expect(() => createTaskClient({ resumeWindow: -1 })).toThrow(/resumeWindow/);
    expect(() => createTaskClient({ resumeWindow: 'soon' as unknown as number })).toThrow(TypeError);
    expect(() => createTaskClient({ resumeWindow: Infinity, interval: undefined })).not.toThrow();
  });
});
