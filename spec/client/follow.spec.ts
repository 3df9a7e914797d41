import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { followTasks } from '../../lib/client/follow.js';
import type { TaskTransition } from '../../lib/transitions.js';

const A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const B = '16fd2706-8baf-433b-82eb-8c7fada847da';

describe('followTasks', () => {
  it('follows the id named last, dropping the previous subscription; the same id again changes nothing', () => {
    const s = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    s.run((h) => {
      const streams: Record<string, ReturnType<typeof h.cold>> = { [A]: h.cold('a---b---c--'), [B]: h.cold('x---y--') };
      const client = { status$: (id: string) => streams[id.toLowerCase()] as unknown as Observable<TaskTransition> };
      const ids = h.hot('i-----i-j---i--', { i: A, j: B });
      h.expectObservable(ids.pipe(followTasks(client))).toBe('a---b---x---a---b---c', { a: 'a', b: 'b', c: 'c', x: 'x' } as never);
      h.flush();
      h.expectSubscriptions(streams[A]!.subscriptions).toBe(['^-------!', '------------^']);
      h.expectSubscriptions(streams[B]!.subscriptions).toBe('--------^---!');
    });
  });

  it('follows nothing on null or undefined', () => {
    const s = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    s.run((h) => {
      const stream = h.cold('a---b---');
      const client = { status$: () => stream as unknown as Observable<TaskTransition> };
      const ids = h.hot('i-n---i-', { i: A, n: null });
      h.expectObservable(ids.pipe(followTasks(client))).toBe('a-----a---b', { a: 'a', b: 'b' } as never);
      h.flush();
      h.expectSubscriptions(stream.subscriptions).toBe(['^-!', '------^']);
    });
  });
});
