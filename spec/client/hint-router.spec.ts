import { NEVER, Subject, config, defer, throwError, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConcurrencyGate } from '../../lib/client/concurrency-gate.js';
import { HintRouter } from '../../lib/client/hint-router.js';
import type { TaskClientEvent } from '../../lib/client/task-client-event.js';
import { TaskClientMetrics } from '../../lib/client/task-client-metrics.js';
import type { TaskEntry } from '../../lib/client/task-entry.js';
import { FakeDocument } from '../helpers/fake-document.js';

const A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const B = '0f8fad5b-d9cb-469f-a165-70867728950e';
const NOT_FOLLOWED = '16fd2706-8baf-433b-82eb-8c7fada847da';

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** What the router uses of a task entry: `busy` (requests queued or in flight) and `poke`. */
interface FakeEntry {
  busy: number;
  readonly poke: jest.Mock<void, [unknown]>;
}

const fakeEntry = (busy = 0): FakeEntry => ({ busy, poke: jest.fn<void, [unknown]>() });

/** The client's entries: keyed by the task id in lower case. */
function entryMap(entries: Record<string, FakeEntry>): Map<string, TaskEntry> {
  return new Map(Object.entries(entries).map(([id, entry]) => [id.toLowerCase(), entry as unknown as TaskEntry]));
}

interface Setup {
  readonly router: HintRouter;
  readonly gate: ConcurrencyGate;
  readonly metrics: TaskClientMetrics;
  readonly scheduler: TestScheduler;
}

function setup(entries: Map<string, TaskEntry>, sources: readonly Observable<unknown>[], doc?: FakeDocument): Setup {
  const scheduler = newScheduler();
  const gate = new ConcurrencyGate(8, scheduler);
  const metrics = new TaskClientMetrics();
  const router = new HintRouter(entries, sources, doc, gate, metrics, () => scheduler.now());
  return { router, gate, metrics, scheduler };
}

/** Whether a request asked of `gate` now starts at once (it does not while the gate is paused). */
function startsAtOnce(gate: ConcurrencyGate): boolean {
  let started = false;
  const subscription = gate
    .wrap(
      defer(() => {
        started = true;
        return NEVER;
      }),
    )
    .subscribe();
  subscription.unsubscribe();
  return started;
}

describe('HintRouter', () => {
  afterEach(() => {
    config.onUnhandledError = null;
  });

  describe('active', () => {
    it('is false with no hint source and no document: nothing can poke a task', () => {
      expect(setup(entryMap({}), []).router.active).toBe(false);
    });

    it('is true with a hint source, with a document, or with both', () => {
      expect(setup(entryMap({}), [new Subject<unknown>()]).router.active).toBe(true);
      expect(setup(entryMap({}), [], new FakeDocument()).router.active).toBe(true);
      expect(setup(entryMap({}), [new Subject<unknown>(), new Subject<unknown>()], new FakeDocument()).router.active).toBe(true);
    });
  });

  describe('hints', () => {
    it('subscribes to no hint source and attaches no listener before listen()', () => {
      const a = fakeEntry();
      const hints = new Subject<unknown>();
      const doc = new FakeDocument();
      const { router, gate } = setup(entryMap({ [A]: a }), [hints], doc);
      expect(hints.observed).toBe(false);
      expect(doc.listeners).toBe(0);
      hints.next(A);
      doc.set('hidden');
      expect(a.poke).not.toHaveBeenCalled();
      expect(startsAtOnce(gate)).toBe(true);
      doc.set('visible');
      router.listen();
      expect(hints.observed).toBe(true);
      expect(doc.listeners).toBe(1);
    });

    it.each([
      ['the id itself', A],
      ['the id in upper case', A.toUpperCase()],
      ['a webhook event with data.task_id', { event_type: 'generation.completed', data: { task_id: A } }],
      ['a webhook event with data.taskId in upper case', { event_type: 'generation.completed', data: { taskId: A.toUpperCase() } }],
      ['an object with taskId', { taskId: A }],
      ['an object with task_id in mixed case', { task_id: `${A.slice(0, 8).toUpperCase()}${A.slice(8)}` }],
    ])('pokes the followed task a hint names (%s) with the hint, and no other task', (_, hint) => {
      const a = fakeEntry();
      const b = fakeEntry();
      const hints = new Subject<unknown>();
      const { router } = setup(entryMap({ [A]: a, [B]: b }), [hints]);
      router.listen();
      hints.next(hint);
      expect(a.poke.mock.calls).toEqual([[hint]]);
      expect(b.poke).not.toHaveBeenCalled();
    });

    it('hands every hint to the entry (coalescing is the entry’s job), from every source', () => {
      const a = fakeEntry();
      const own = new Subject<unknown>();
      const hub = new Subject<unknown>();
      const { router } = setup(entryMap({ [A]: a }), [own, hub]);
      router.listen();
      own.next(A);
      hub.next({ taskId: A });
      own.next(A);
      expect(a.poke.mock.calls).toEqual([[A], [{ taskId: A }], [A]]);
    });

    it.each([
      ['a task not followed', NOT_FOLLOWED],
      ['a webhook event about a task not followed', { event_type: 'generation.completed', data: { task_id: NOT_FOLLOWED } }],
      ['an empty string', ''],
      ['a number', 42],
      ['null', null],
      ['undefined', undefined],
      ['an event naming no task', { event_type: 'ping' }],
      ['a non-string task id', { data: { taskId: 42 } }],
      ['an array of ids', [A]],
    ])('ignores a hint naming nothing followed: %s', (_, hint) => {
      const a = fakeEntry();
      const hints = new Subject<unknown>();
      const { router } = setup(entryMap({ [A]: a }), [hints]);
      router.listen();
      expect(() => hints.next(hint)).not.toThrow();
      expect(a.poke).not.toHaveBeenCalled();
      hints.next(A);
      expect(a.poke).toHaveBeenCalledTimes(1);
    });

    it('keeps routing the other sources when one errors, one completes, one fails as it is subscribed', async () => {
      // An error nobody handles would reach RxJS's unhandled-error hook (in Node, by default, an
      // uncaught exception thrown from a timer): the router must handle it.
      const unhandled = jest.fn();
      config.onUnhandledError = unhandled;
      const a = fakeEntry();
      const failing = new Subject<unknown>();
      const ending = new Subject<unknown>();
      const working = new Subject<unknown>();
      const broken = throwError(() => new Error('hint source down'));
      const { router } = setup(entryMap({ [A]: a }), [failing, broken, ending, working]);
      expect(() => router.listen()).not.toThrow();
      expect(() => failing.error(new Error('socket closed'))).not.toThrow();
      ending.complete();
      working.next(A);
      expect(a.poke.mock.calls).toEqual([[A]]);
      expect(() => router.stop()).not.toThrow();
      expect(working.observed).toBe(false);
      // RxJS reports an unhandled error from a 0 ms timer: a later timer runs after it.
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).not.toHaveBeenCalled();
    });
  });

  describe('stop()', () => {
    it('unsubscribes every source, detaches the document listener and resumes the gate', () => {
      const a = fakeEntry();
      const own = new Subject<unknown>();
      const hub = new Subject<unknown>();
      const doc = new FakeDocument();
      const { router, gate, metrics } = setup(entryMap({ [A]: a }), [own, hub], doc);
      const events: TaskClientEvent[] = [];
      metrics.events$.subscribe((e) => events.push(e));
      router.listen();
      doc.set('hidden');
      expect(startsAtOnce(gate)).toBe(false);
      events.length = 0;
      router.stop();
      expect([own.observed, hub.observed]).toEqual([false, false]);
      expect(doc.listeners).toBe(0);
      expect(startsAtOnce(gate)).toBe(true);
      own.next(A);
      hub.next(A);
      doc.set('visible');
      expect(a.poke).not.toHaveBeenCalled();
      expect(events).toEqual([]);
    });

    it('unpauses the gate on stop without sending what is queued (it belongs to the tasks that just ended)', () => {
      const doc = new FakeDocument();
      const { router, gate } = setup(entryMap({ [A]: fakeEntry() }), [], doc);
      doc.visibilityState = 'hidden';
      router.listen();
      let sent = 0;
      gate
        .wrap(
          defer(() => {
            sent++;
            return NEVER;
          }),
        )
        .subscribe();
      expect([sent, gate.queued]).toEqual([0, 1]);
      router.stop();
      expect([sent, gate.queued, gate.inFlight]).toEqual([0, 1, 0]);
      // Not paused any more: the next request asked for starts at once (behind the queued one).
      gate.wrap(defer(() => ((sent += 10), NEVER))).subscribe();
      expect([sent, gate.queued, gate.inFlight]).toEqual([11, 0, 2]);
    });

    it('leaves a router that can listen again, with one subscription per source (no duplicate pokes)', () => {
      const a = fakeEntry();
      const hints = new Subject<unknown>();
      const doc = new FakeDocument();
      const { router } = setup(entryMap({ [A]: a }), [hints], doc);
      router.listen();
      router.stop();
      router.listen();
      expect(doc.listeners).toBe(1);
      hints.next(A);
      doc.set('hidden');
      doc.set('visible');
      expect(a.poke.mock.calls).toEqual([[A], ['visible']]);
      router.stop();
      expect(hints.observed).toBe(false);
      expect(doc.listeners).toBe(0);
    });
  });

  describe('page visibility', () => {
    it('pauses the gate at listen() when the page is hidden then, until it is shown', () => {
      const doc = new FakeDocument();
      doc.visibilityState = 'hidden';
      const a = fakeEntry();
      const { router, gate, metrics } = setup(entryMap({ [A]: a }), [], doc);
      const events: TaskClientEvent[] = [];
      metrics.events$.subscribe((e) => events.push(e));
      expect(startsAtOnce(gate)).toBe(true);
      router.listen();
      expect(startsAtOnce(gate)).toBe(false);
      doc.set('visible');
      expect(startsAtOnce(gate)).toBe(true);
      expect(events).toEqual([{ type: 'visibility', hidden: false, at: 0 }]);
      expect(a.poke.mock.calls).toEqual([['visible']]);
    });

    it('does not pause the gate at listen() when the page is visible', () => {
      const doc = new FakeDocument();
      const { router, gate } = setup(entryMap({ [A]: fakeEntry() }), [], doc);
      router.listen();
      expect(startsAtOnce(gate)).toBe(true);
    });

    it('pauses on hide and resumes on show, reporting each change once with the time, and pokes the idle tasks when shown', () => {
      const idle = fakeEntry(0);
      const alsoIdle = fakeEntry(0);
      const busy = fakeEntry(1);
      const doc = new FakeDocument();
      const { router, gate, metrics, scheduler } = setup(entryMap({ [A]: idle, [B]: alsoIdle, [NOT_FOLLOWED]: busy }), [], doc);
      scheduler.run((h) => {
        const request = h.cold('5ms (r|)');
        router.listen();
        h.expectObservable(metrics.events$).toBe('30ms a 19ms b', {
          a: { type: 'visibility', hidden: true, at: 30 },
          b: { type: 'visibility', hidden: false, at: 50 },
        });
        // Asked at 40 ms while hidden: sent when the page is shown, at 50 ms.
        h.expectObservable(gate.wrap(request), '40ms ^').toBe('55ms (r|)');
        scheduler.schedule(() => doc.set('hidden'), 30);
        scheduler.schedule(() => doc.set('hidden'), 35);
        scheduler.schedule(() => {
          expect([gate.queued, gate.inFlight]).toEqual([1, 0]);
          for (const entry of [idle, alsoIdle, busy]) expect(entry.poke).not.toHaveBeenCalled();
        }, 45);
        scheduler.schedule(() => doc.set('visible'), 50);
        h.flush();
        h.expectSubscriptions(request.subscriptions).toBe('50ms ^ 4ms !');
      });
      expect(idle.poke.mock.calls).toEqual([['visible']]);
      expect(alsoIdle.poke.mock.calls).toEqual([['visible']]);
      expect(busy.poke).not.toHaveBeenCalled();
    });

    it('pokes with `visible` the tasks that are idle when the page is shown, not those with a request queued or in flight', () => {
      const a = fakeEntry(2);
      const b = fakeEntry(0);
      const doc = new FakeDocument();
      const { router } = setup(entryMap({ [A]: a, [B]: b }), [], doc);
      router.listen();
      doc.set('hidden');
      a.busy = 0;
      b.busy = 1;
      doc.set('visible');
      expect(a.poke.mock.calls).toEqual([['visible']]);
      expect(b.poke).not.toHaveBeenCalled();
    });
  });
});
