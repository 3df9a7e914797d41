import { Subject, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { TaskClientOptions } from '../../lib/client/task-client-options.js';
import { createTaskClient } from '../../lib/task-client.js';
import type { TaskTransition } from '../../lib/transitions.js';
import { scripted, status, type Step } from '../helpers/marble-transport.js';

// Issue 14, item 3, client side: hints cannot amplify. Hints naming a task coalesce, hinted
// polls are spaced by `hintFloor`, and a hint for a task the client does not poll (its terminal
// state cached, or no subscriber left) costs no request. Virtual time.

const A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const base = (scheduler: TestScheduler, extra: Partial<TaskClientOptions> = {}): TaskClientOptions => ({
  scheduler,
  interval: 2500,
  retry: { initialInterval: 5, maxInterval: 40, maxRetries: 3, jitter: 'none', maxRetryAfter: 50 },
  pauseWhenHidden: false,
  ...extra,
});
const reply = (s: string, result?: unknown): Step => ({ marble: '(r|)', values: { r: status(A, s, result) } });

describe('client hints cannot amplify (issue 14, item 3)', () => {
  it('10 000 hints in 2 s for one task send a request per hintFloor at most', () => {
    const s = newScheduler();
    s.run((h) => {
      const hints = new Subject<unknown>();
      const script = scripted(s, h, Array.from({ length: 20 }, () => reply('PENDING')));
      const client = createTaskClient(base(s, { transport: script.transport, hints }));
      const sub = client.status$(A).subscribe();
      for (let ms = 0; ms < 2000; ms++) {
        s.schedule(() => {
          for (let k = 0; k < 5; k++) hints.next(k % 2 === 0 ? A : { event_type: 'generation.completed', data: { task_id: A } });
        }, ms);
      }
      s.schedule(() => sub.unsubscribe(), 2400);
      h.flush();
      expect(script.sentAt.length).toBeLessThanOrEqual(4);
      const hinted = script.sentAt.slice(1);
      for (let i = 1; i < hinted.length; i++) expect(hinted[i]! - hinted[i - 1]!).toBeGreaterThanOrEqual(1000);
    });
  });

  it('a hint for a task whose terminal state is cached costs no request', () => {
    const s = newScheduler();
    s.run((h) => {
      const hints = new Subject<unknown>();
      const script = scripted(s, h, [reply('SUCCESS', { status: 'SUCCESS' })]);
      const client = createTaskClient(base(s, { transport: script.transport, hints }));
      h.expectObservable(client.status$(A).pipe(map((t: TaskTransition) => t.to))).toBe('(d|)', { d: 'succeeded' });
      s.schedule(() => {
        for (let i = 0; i < 1000; i++) hints.next(A);
      }, 10);
      h.expectObservable(client.status$(A).pipe(map((t: TaskTransition) => t.to)), '20ms ^').toBe('20ms (d|)', { d: 'succeeded' });
      h.flush();
      expect(script.sentAt).toEqual([0]);
      expect(client.stats()).toMatchObject({ cacheHits: 1, requests: 1 });
    });
  });

  it('a hint for a task nobody follows any more (kept for a resume) costs no request', () => {
    const s = newScheduler();
    s.run((h) => {
      const hints = new Subject<unknown>();
      const script = scripted(s, h, [reply('PENDING')]);
      const client = createTaskClient(base(s, { transport: script.transport, hints }));
      const sub = client.status$(A).subscribe();
      s.schedule(() => sub.unsubscribe(), 5);
      s.schedule(() => {
        for (let i = 0; i < 1000; i++) hints.next(A);
      }, 10);
      h.flush();
      expect(script.sentAt).toEqual([0]);
    });
  });
});
