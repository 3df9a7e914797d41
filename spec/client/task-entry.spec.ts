import { Observable, map, of, type Unsubscribable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConcurrencyGate } from '../../lib/client/concurrency-gate.js';
import { InterceptorChain } from '../../lib/client/interceptor-chain.js';
import { LruCache } from '../../lib/client/lru-cache.js';
import type { Kept } from '../../lib/client/resume.js';
import { RetryBudget } from '../../lib/client/retry-budget.js';
import { TaskClientDisposedError } from '../../lib/client/task-client-disposed-error.js';
import type { TaskClientEvent } from '../../lib/client/task-client-event.js';
import { TaskClientMetrics } from '../../lib/client/task-client-metrics.js';
import { TaskEntry, type TaskEntryHost } from '../../lib/client/task-entry.js';
import type { TaskHubBudget } from '../../lib/client/task-hub.js';
import { HttpError, NetworkError } from '../../lib/errors/index.js';
import type { Transport } from '../../lib/http/transport.js';
import { normaliseOptions, type TaskStatusOptions } from '../../lib/options.js';
import type { TaskRequestInfo } from '../../lib/poll-events.js';
import { createRuntime } from '../../lib/task-status.js';
import type { TaskTransition } from '../../lib/transitions.js';
import { http, scripted, status, type Step } from '../helpers/marble-transport.js';

// lib/client/task-entry.ts: one task a client follows — its shared loop (one subscription
// whatever the number of subscribers), the release of the task when its last subscriber leaves,
// the cache write of its terminal transition, what is kept for a resume, what `task-end` says,
// pokes (hints), the shared retry budget, and each subscriber's own content bytes. The host is
// built by hand here from the client's real parts, as `createTaskClient` builds it.

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
/** The same id as a server may spell it: the client's key for it is the lower-case form. */
const UPPER = ID.toUpperCase();
/** The client's monotonic clock runs ahead of the scheduler here: the entry's times are read on it. */
const OFFSET = 7000;
const PDF = Buffer.from('%PDF-1.4 entry');

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A host whose `disposed` a test can set, and which records each `release`. */
type TestHost = Omit<TaskEntryHost, 'disposed'> & { disposed: boolean; readonly released: TaskEntry[] };

interface HostSetup {
  readonly transport: Transport;
  readonly options?: Partial<TaskStatusOptions>;
  readonly pokeable?: boolean;
  readonly quota?: RetryBudget;
  readonly gate?: ConcurrencyGate;
  readonly fleet?: TaskHubBudget;
}

function hostOf(scheduler: TestScheduler, setup: HostSetup): TestHost {
  const clock = (): number => OFFSET + scheduler.now();
  const metrics = new TaskClientMetrics();
  const released: TaskEntry[] = [];
  return {
    runtime: createRuntime(
      normaliseOptions({
        scheduler,
        transport: setup.transport,
        interval: 100,
        retry: { initialInterval: 5, maxInterval: 40, maxRetries: 3, jitter: 'none', maxRetryAfter: 50 },
        ...setup.options,
      }),
    ),
    clock,
    metrics,
    cache: new LruCache<TaskTransition>(10, Number.POSITIVE_INFINITY, clock),
    gate: setup.gate ?? new ConcurrencyGate(4, scheduler),
    fleet: setup.fleet,
    retryBudget: setup.quota,
    interceptors: new InterceptorChain(),
    hub: undefined,
    hubContext: { now: () => scheduler.now(), report: metrics.emit },
    pokeable: setup.pokeable ?? false,
    disposed: false,
    released,
    release: (entry) => void released.push(entry),
  };
}

/** What `status$` does with an entry: each subscriber joins it, the entry its teardown. */
const status$ = (entry: TaskEntry): Observable<TaskTransition> => new Observable<TaskTransition>((subscriber) => entry.addSubscriber(subscriber));
const reply = (marble: string, s: string, result?: unknown, id = ID): Step => ({ marble, values: { r: status(id, s, result) } });
const phase = (t: TaskTransition): string => t.to;
const mapPhase = map(phase);
const eventsOf = (host: TestHost): TaskClientEvent[] => {
  const events: TaskClientEvent[] = [];
  host.metrics.events$.subscribe((e) => events.push(e));
  return events;
};
const contentOf = (t: TaskTransition | undefined): Uint8Array => {
  if (t?.to !== 'succeeded' || t.state.content === undefined) throw new Error('expected a success with content');
  return t.state.content;
};

describe('TaskEntry: one loop for all its subscribers', () => {
  it('addSubscriber connects the loop once whatever the number of subscribers, and returns the entry as teardown', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED'), reply('(r|)', 'SUCCESS', { status: 'SUCCESS' })]);
      const host = hostOf(s, { transport: script.transport });
      const entry = new TaskEntry(ID, ID, host);
      const teardowns: Unsubscribable[] = [];
      const joined = new Observable<TaskTransition>((subscriber) => {
        const teardown = entry.addSubscriber(subscriber);
        teardowns.push(teardown);
        return teardown;
      });
      const values = { p: 'pending', s: 'started', d: 'succeeded' };
      h.expectObservable(joined.pipe(mapPhase)).toBe('p 99ms s 99ms (d|)', values);
      h.expectObservable(joined.pipe(mapPhase)).toBe('p 99ms s 99ms (d|)', values);
      // A late subscriber gets the latest transition at once, from the same loop.
      h.expectObservable(joined.pipe(mapPhase), '150ms ^').toBe('150ms s 49ms (d|)', values);
      s.schedule(() => {
        expect(entry.refs).toBe(3);
        expect(host.metrics.subscribers).toBe(3);
      }, 160);
      h.flush();
      expect(script.sentAt).toEqual([0, 100, 200]);
      expect(teardowns).toHaveLength(3);
      for (const teardown of teardowns) expect(teardown).toBe(entry);
    });
  });

  it('when one of two subscribers leaves, the other keeps getting transitions and the loop keeps running', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED'), reply('(r|)', 'SUCCESS', { status: 'SUCCESS' })]);
      const host = hostOf(s, { transport: script.transport });
      const entry = new TaskEntry(ID, ID, host);
      const values = { p: 'pending', s: 'started', d: 'succeeded' };
      h.expectObservable(status$(entry).pipe(mapPhase), '^ 49ms !').toBe('p', values);
      h.expectObservable(status$(entry).pipe(mapPhase)).toBe('p 99ms s 99ms (d|)', values);
      s.schedule(() => {
        expect(host.released).toEqual([]);
        expect(entry.refs).toBe(1);
        expect(host.metrics.subscribers).toBe(1);
      }, 60);
      h.flush();
      expect(script.sentAt).toEqual([0, 100, 200]);
    });
  });

  it('the last one out calls host.release(entry) exactly once, and the loop (its request in flight included) is unsubscribed', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('50ms (r|)', 'STARTED')]);
      const host = hostOf(s, { transport: script.transport });
      const entry = new TaskEntry(ID, ID, host);
      const a = status$(entry).subscribe();
      const b = status$(entry).subscribe();
      s.schedule(() => a.unsubscribe(), 110);
      s.schedule(() => expect(host.released).toEqual([]), 115);
      s.schedule(() => b.unsubscribe(), 120);
      s.schedule(() => b.unsubscribe(), 130); // a second unsubscribe is a no-op
      h.flush();
      expect(host.released).toHaveLength(1);
      expect(host.released[0]).toBe(entry);
      h.expectSubscriptions(script.colds[1]!.subscriptions).toBe('100ms ^ 19ms !');
      expect(script.sentAt).toEqual([0, 100]);
      expect(entry.refs).toBe(0);
      expect(host.metrics.subscribers).toBe(0);
      expect(entry.observed).toBe(false);
    });
    expect(s.actions).toHaveLength(0);
  });

  it('a loop that ends (terminal transition, or an error) releases the entry once, whatever the number of subscribers', () => {
    const s = newScheduler();
    s.run((h) => {
      const ended = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'SUCCESS', { status: 'SUCCESS' })]);
      const hostA = hostOf(s, { transport: ended.transport });
      const done = new TaskEntry(ID, ID, hostA);
      status$(done).subscribe();
      status$(done).subscribe();
      const failing = scripted(s, h, [{ marble: '(r|)', values: { r: http(404) } }]);
      const hostB = hostOf(s, { transport: failing.transport });
      const failed = new TaskEntry(ID, ID, hostB);
      const errors: unknown[] = [];
      status$(failed).subscribe({ error: (e: unknown) => errors.push(e) });
      status$(failed).subscribe({ error: (e: unknown) => errors.push(e) });
      h.flush();
      expect(hostA.released).toEqual([done]);
      expect(hostB.released).toEqual([failed]);
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBeInstanceOf(HttpError);
      expect(hostA.metrics.subscribers + hostB.metrics.subscribers).toBe(0);
    });
  });
});

describe('TaskEntry: the cache', () => {
  it('writes a terminal transition under the lower-case key before subscribers see it; nothing else is cached', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        reply('(r|)', 'PENDING', undefined, UPPER),
        reply('(r|)', 'SUCCESS', { status: 'SUCCESS', content_b64: PDF.toString('base64') }, UPPER),
      ]);
      const host = hostOf(s, { transport: script.transport });
      const entry = new TaskEntry(UPPER, UPPER.toLowerCase(), host);
      const cachedWhenSeen: Array<TaskTransition | undefined> = [];
      const seen: TaskTransition[] = [];
      status$(entry).subscribe((t) => {
        cachedWhenSeen.push(host.cache.peek(ID));
        seen.push(t);
      });
      h.flush();
      expect(seen.map(phase)).toEqual(['pending', 'succeeded']);
      expect(cachedWhenSeen[0]).toBeUndefined();
      expect(cachedWhenSeen[1]).toEqual(seen[1]);
      expect(host.cache.peek(UPPER)).toBeUndefined();
      // The cache's bytes are not the subscriber's: a subscriber that zero-fills its copy leaves the cache's PDF intact.
      contentOf(seen[1]).fill(0);
      expect(Buffer.from(contentOf(host.cache.peek(ID)))).toEqual(PDF);
    });
  });

  it('caches rejected and failed outcomes too, never a loop that errored', () => {
    const s = newScheduler();
    s.run((h) => {
      const outcomes: Record<string, Step> = {
        rejected: reply('(r|)', 'SUCCESS', { status: 'ERROR', errorCode: 'VALIDATION', errorMessage: 'invalid', details: [] }),
        failed: reply('(r|)', 'FAILURE', { exc_type: 'ValueError', exc_message: ['bad'] }),
      };
      for (const [expected, step] of Object.entries(outcomes)) {
        const host = hostOf(s, { transport: scripted(s, h, [step]).transport });
        status$(new TaskEntry(ID, ID, host)).subscribe();
        h.flush();
        expect(host.cache.peek(ID)?.to).toBe(expected);
      }
      const host = hostOf(s, { transport: scripted(s, h, [{ marble: '(r|)', values: { r: http(404) } }]).transport });
      status$(new TaskEntry(ID, ID, host)).subscribe({ error: () => undefined });
      h.flush();
      expect(host.cache.size()).toBe(0);
    });
  });
});

describe('TaskEntry: kept()', () => {
  it('is undefined before any request: a new entry, or one whose request still waits for a gate slot', () => {
    const s = newScheduler();
    s.run((h) => {
      const gate = new ConcurrencyGate(1, s);
      gate.pause();
      const script = scripted(s, h, [reply('(r|)', 'PENDING')]);
      const host = hostOf(s, { transport: script.transport, gate });
      const entry = new TaskEntry(ID, ID, host);
      expect(entry.kept()).toBeUndefined();
      const sub = status$(entry).subscribe();
      s.schedule(() => {
        expect(entry.busy).toBe(1);
        sub.unsubscribe();
      }, 50);
      h.flush();
      expect(script.sentAt).toEqual([]);
      expect(entry.kept()).toBeUndefined();
      expect(entry.busy).toBe(0);
      expect(gate.queued).toBe(0);
    });
  });

  it('after requests: the polls, the last request and response times on the host clock, the latest transition', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('5ms (r|)', 'PENDING'), reply('5ms (r|)', 'STARTED'), reply('100ms (r|)', 'STARTED')]);
      const host = hostOf(s, { transport: script.transport });
      const entry = new TaskEntry(ID, ID, host);
      const seen: TaskTransition[] = [];
      const sub = status$(entry).subscribe((t) => seen.push(t));
      // Requests at 0 (answered at 5), 105 (answered at 110), 210 (in flight when the subscriber leaves).
      s.schedule(() => sub.unsubscribe(), 250);
      h.flush();
      expect(script.sentAt).toEqual([0, 105, 210]);
      expect(seen.map(phase)).toEqual(['pending', 'started']);
      expect(entry.kept()).toEqual({
        transition: seen[1],
        lastRequestAt: OFFSET + 210,
        lastResponseAt: OFFSET + 110,
        polls: 3,
        startedAt: OFFSET,
      });
    });
  });

  it('keeps no transition once the last one was terminal (the cache holds it), but still its polls and times', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('3ms (r|)', 'FAILURE', { exc_type: 'KeyError', exc_message: [] })]);
      const host = hostOf(s, { transport: script.transport });
      const entry = new TaskEntry(ID, ID, host);
      status$(entry).subscribe();
      h.flush();
      expect(entry.kept()).toEqual({ transition: undefined, lastRequestAt: OFFSET + 100, lastResponseAt: OFFSET + 103, polls: 2, startedAt: OFFSET });
    });
  });

  it('an entry built from what was kept replays its transition at once, resumes the pace, and keeps counting', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'STARTED'), reply('(r|)', 'SUCCESS', { status: 'SUCCESS' })]);
      const host = hostOf(s, { transport: script.transport });
      const started = { taskId: ID, from: 'pending', to: 'started', state: { phase: 'started', status: 'STARTED' }, at: 0, polls: 2 } as TaskTransition;
      // A request at OFFSET − 40, never answered: the next one 100 after it, at 60.
      const kept: Kept = { transition: started, lastRequestAt: OFFSET - 40, lastResponseAt: Number.NEGATIVE_INFINITY, polls: 2, startedAt: OFFSET - 900 };
      const entry = new TaskEntry(ID, ID, host, kept);
      expect(entry.kept()).toEqual(kept);
      h.expectObservable(status$(entry)).toBe('a 59ms - 99ms (b|)', {
        a: started,
        b: expect.objectContaining({ from: 'started', to: 'succeeded', polls: 4 }),
      });
      h.flush();
      expect(script.sentAt).toEqual([60, 160]);
      expect(entry.end()).toMatchObject({ outcome: 'succeeded', polls: 4, elapsed: 900 + 160 });
    });
  });
});

describe('TaskEntry: what a returning subscriber waits', () => {
  // The server's own pace (`Retry-After`, DESIGN "Stream semantics" 5) must survive a resume:
  // otherwise subscribe/unsubscribe churn polls a server that asked for 30 s every `interval`.
  const cases: Array<[string, Step]> = [
    ['a 200 with Retry-After', { marble: '(r|)', values: { r: { ...status(ID, 'PENDING'), headers: { 'content-type': 'application/json', 'retry-after': '30' } } } }],
    ['a 429 with Retry-After', { marble: '(r|)', values: { r: http(429, { 'retry-after': '30' }) } }],
  ];
  /** When the requests went: the subscriber stays, or leaves at 1000 and is back (a new entry from what was kept) at 2000. */
  const sentAt = (first: Step, leave: boolean): number[] => {
    const s = newScheduler();
    let sent: number[] = [];
    s.run((h) => {
      const script = scripted(s, h, [first, reply('(r|)', 'PENDING')]);
      const host = hostOf(s, { transport: script.transport, options: { interval: 2500, retry: { jitter: 'none', maxRetryAfter: 60_000 } } });
      const entry = new TaskEntry(ID, ID, host);
      const sub = status$(entry).subscribe({ error: () => undefined });
      if (leave) {
        s.schedule(() => sub.unsubscribe(), 1000);
        s.schedule(() => {
          const again = status$(new TaskEntry(ID, ID, host, entry.kept())).subscribe({ error: () => undefined });
          s.schedule(() => again.unsubscribe(), 29_000); // at 31 000
        }, 2000);
      } else {
        s.schedule(() => sub.unsubscribe(), 31_000);
      }
      h.flush();
      sent = script.sentAt;
    });
    return sent;
  };
  it.each(cases)('the next request after %s, left and resumed, waits what the server asked', (_, first) => {
    expect(sentAt(first, false)).toEqual([0, 30_000]); // the loop, followed throughout
    expect(sentAt(first, true)).toEqual([0, 30_000]); // the same loop, left and resumed
  });
});

describe('TaskEntry: end()', () => {
  it("'unsubscribed' when every subscriber left a running task, with its polls, elapsed time (host clock) and scheduler time", () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING')]);
      const host = hostOf(s, { transport: script.transport });
      const entry = new TaskEntry(ID, ID, host);
      const sub = status$(entry).subscribe();
      s.schedule(() => sub.unsubscribe(), 50);
      h.flush();
      expect(entry.end()).toEqual({ type: 'task-end', taskId: ID, outcome: 'unsubscribed', polls: 1, elapsed: 50, at: 50 });
    });
  });

  it("'error' with the error's class name when the loop failed", () => {
    const s = newScheduler();
    s.run((h) => {
      const cases: Array<[Step, string]> = [
        [{ marble: '(r|)', values: { r: http(404) } }, 'HttpError'],
        [reply('(r|)', 'PENDING', undefined, '16fd2706-8baf-433b-82eb-8c7fada847da'), 'DecodeError'],
        [{ marble: '#', error: 'not an Error' }, 'Error'],
      ];
      for (const [step, name] of cases) {
        const host = hostOf(s, { transport: scripted(s, h, [step]).transport, options: { retry: false } });
        const entry = new TaskEntry(ID, ID, host);
        status$(entry).subscribe({ error: () => undefined });
        h.flush();
        expect(entry.end()).toMatchObject({ type: 'task-end', taskId: ID, outcome: 'error', error: name, polls: 1 });
      }
    });
  });

  it("'disposed' when the client was disposed (its entries errored by it), not 'error'", () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING')]);
      const host = hostOf(s, { transport: script.transport });
      const entry = new TaskEntry(ID, ID, host);
      const errors: unknown[] = [];
      status$(entry).subscribe({ error: (e: unknown) => errors.push(e) });
      s.schedule(() => {
        host.disposed = true;
        entry.error(new TaskClientDisposedError({ taskId: ID }));
      }, 30);
      h.flush();
      expect(errors).toEqual([expect.any(TaskClientDisposedError)]);
      expect(host.released).toEqual([entry]);
      const end = entry.end();
      expect(end).toEqual({ type: 'task-end', taskId: ID, outcome: 'disposed', polls: 1, elapsed: 30, at: 30 });
      expect(end).not.toHaveProperty('error');
    });
  });

  it('the terminal phase when the task ended, even on a disposed client', () => {
    const s = newScheduler();
    s.run((h) => {
      const outcomes: Record<string, Step> = {
        succeeded: reply('(r|)', 'SUCCESS', { status: 'SUCCESS' }),
        rejected: reply('(r|)', 'SUCCESS', { status: 'ERROR', errorCode: 'VALIDATION', errorMessage: 'invalid', details: [] }),
        failed: reply('(r|)', 'REVOKED'),
      };
      for (const [outcome, step] of Object.entries(outcomes)) {
        const host = hostOf(s, { transport: scripted(s, h, [reply('(r|)', 'PENDING'), step]).transport });
        const entry = new TaskEntry(ID, ID, host);
        status$(entry).subscribe();
        h.flush();
        expect(entry.end()).toMatchObject({ type: 'task-end', taskId: ID, outcome, polls: 2 });
        host.disposed = true;
        expect(entry.end()).toMatchObject({ outcome });
      }
    });
  });
});

describe('TaskEntry: poke()', () => {
  it('hands one hint to the loop and drops the rest until the next request', () => {
    const s = newScheduler();
    s.run((h) => {
      const steps = [reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED'), reply('(r|)', 'STARTED'), reply('(r|)', 'STARTED')];
      const script = scripted(s, h, steps);
      const host = hostOf(s, { transport: script.transport, pokeable: true, options: { interval: 1000, hintFloor: 30 } });
      const entry = new TaskEntry(ID, ID, host);
      expect(entry.hint).toBeDefined();
      const handed = jest.spyOn(entry.hint!, 'next');
      const sub = status$(entry).subscribe();
      s.schedule(() => {
        entry.poke('a'); // polls now (the first hinted poll: no floor yet)
        expect(entry.hintQueued).toBe(true);
        entry.poke('b'); // served by the same request
      }, 50);
      s.schedule(() => entry.poke('c'), 60); // waits for the floor: 30 after the hinted poll at 50
      s.schedule(() => {
        expect(entry.hintQueued).toBe(true);
        entry.poke('d'); // still queued: dropped
      }, 70);
      s.schedule(() => {
        expect(entry.hintQueued).toBe(false);
        entry.poke('e'); // a request went at 80: this one is handed on, polled at 110
      }, 90);
      s.schedule(() => sub.unsubscribe(), 200);
      h.flush();
      expect(handed.mock.calls.map(([reason]) => reason)).toEqual(['a', 'c', 'e']);
      expect(script.sentAt).toEqual([0, 50, 80, 110]);
    });
  });

  it('does nothing while no loop listens (before the first subscriber, after the last)', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED')]);
      const host = hostOf(s, { transport: script.transport, pokeable: true, options: { interval: 1000, hintFloor: 0 } });
      const entry = new TaskEntry(ID, ID, host);
      const handed = jest.spyOn(entry.hint!, 'next');
      entry.poke('early');
      expect(entry.hintQueued).toBe(false);
      const sub = status$(entry).subscribe();
      s.schedule(() => entry.poke('heard'), 20);
      s.schedule(() => sub.unsubscribe(), 40);
      s.schedule(() => entry.poke('late'), 50);
      h.flush();
      expect(handed.mock.calls.map(([reason]) => reason)).toEqual(['heard']);
      expect(script.sentAt).toEqual([0, 20]);
    });
  });

  it('does nothing when the host is not pokeable: the entry has no hint trigger', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING')]);
      const host = hostOf(s, { transport: script.transport, pokeable: false, options: { interval: 1000, hintFloor: 0 } });
      const entry = new TaskEntry(ID, ID, host);
      expect(entry.hint).toBeUndefined();
      const sub = status$(entry).subscribe();
      s.schedule(() => entry.poke('visible'), 20);
      s.schedule(() => sub.unsubscribe(), 500);
      h.flush();
      expect(entry.hintQueued).toBe(false);
      expect(script.sentAt).toEqual([0]);
    });
  });
});

describe('TaskEntry: the shared retry budget', () => {
  it('allowRetry takes each retry’s cost from the RetryBudget; an exhausted budget says false and reports budget-exhausted', () => {
    const s = newScheduler();
    s.run((h) => {
      const quota = new RetryBudget({ capacity: 12, retryCost: 5, timeoutRetryCost: 10, noRetryIncrement: 1 });
      const host = hostOf(s, { transport: scripted(s, h, []).transport, quota });
      const events = eventsOf(host);
      const entry = new TaskEntry(ID, ID, host);
      const unavailable = new HttpError(503, { taskId: ID });
      s.schedule(() => {
        expect(entry.allowRetry(unavailable)).toBe(true);
        expect(quota.available).toBe(7);
        expect(entry.allowRetry(new NetworkError('reset', { taskId: ID }))).toBe(false); // costs 10
        expect(entry.allowRetry(unavailable)).toBe(true);
        expect(quota.available).toBe(2);
        expect(entry.allowRetry(unavailable)).toBe(false);
      }, 40);
      h.flush();
      expect(events).toEqual([
        { type: 'budget-exhausted', taskId: ID, error: 'NetworkError', available: 7, at: 40 },
        { type: 'budget-exhausted', taskId: ID, error: 'HttpError', available: 2, at: 40 },
      ]);
    });
  });

  it('onSuccess refunds the cost of the poll’s last retry, else adds the no-retry increment (never above capacity)', () => {
    const quota = new RetryBudget({ capacity: 12, retryCost: 5, noRetryIncrement: 1 });
    const s = newScheduler();
    const host = hostOf(s, { transport: () => of(status(ID, 'PENDING')), quota });
    const entry = new TaskEntry(ID, ID, host);
    entry.allowRetry(new HttpError(503, { taskId: ID }));
    entry.allowRetry(new HttpError(503, { taskId: ID }));
    expect(quota.available).toBe(2);
    entry.onSuccess(); // refunds the last retry's 5
    expect(quota.available).toBe(7);
    entry.onSuccess(); // no retry since: the increment
    expect(quota.available).toBe(8);
    for (let i = 0; i < 10; i++) entry.onSuccess();
    expect(quota.available).toBe(12);
  });

  it('without a quota every retry is allowed and onSuccess does nothing', () => {
    const s = newScheduler();
    const host = hostOf(s, { transport: () => of(status(ID, 'PENDING')) });
    const events = eventsOf(host);
    const entry = new TaskEntry(ID, ID, host);
    for (let i = 0; i < 100; i++) expect(entry.allowRetry(new HttpError(503, { taskId: ID }))).toBe(true);
    expect(() => entry.onSuccess()).not.toThrow();
    expect(events).toEqual([]);
  });

  it('in the loop: once the budget is spent a transient failure surfaces at once', () => {
    const s = newScheduler();
    s.run((h) => {
      const unavailable: Step = { marble: '(r|)', values: { r: http(503) } };
      const script = scripted(s, h, [unavailable, unavailable]);
      const quota = new RetryBudget({ capacity: 5, retryCost: 5 });
      const host = hostOf(s, { transport: script.transport, quota });
      const events = eventsOf(host);
      const entry = new TaskEntry(ID, ID, host);
      const errors: unknown[] = [];
      status$(entry).subscribe({ error: (e: unknown) => errors.push(e) });
      h.flush();
      expect(script.sentAt).toEqual([0, 5]); // one retry (5 ms backoff), not maxRetries 3
      expect(errors).toEqual([expect.any(HttpError)]);
      expect(events.map((e) => e.type)).toEqual(['request-start', 'request-end', 'retry', 'request-start', 'request-end', 'budget-exhausted']);
      expect(events[5]).toEqual({ type: 'budget-exhausted', taskId: ID, error: 'HttpError', available: 0, at: 5 });
      expect(entry.end()).toMatchObject({ outcome: 'error', error: 'HttpError', polls: 2 });
    });
  });
});

describe('TaskEntry: around each request', () => {
  it('each request waits for a slot of the client’s gate; busy counts the entry’s queued and in-flight requests', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('50ms (r|)', 'PENDING'), reply('5ms (r|)', 'PENDING')]);
      const host = hostOf(s, { transport: script.transport, gate: new ConcurrencyGate(1, s), options: { interval: 1000 } });
      const events = eventsOf(host);
      const a = new TaskEntry(ID, ID, host);
      const b = new TaskEntry(ID, ID, host);
      status$(a).subscribe();
      s.schedule(() => status$(b).subscribe(), 10);
      s.schedule(() => {
        expect([a.busy, b.busy]).toEqual([1, 1]); // a in flight, b queued
        expect(host.gate.queued).toBe(1);
      }, 20);
      s.schedule(() => expect([a.busy, b.busy]).toEqual([0, 0]), 60);
      s.schedule(() => host.gate.close(), 500);
      h.flush();
      expect(script.sentAt).toEqual([0, 50]);
      const starts = events.filter((e) => e.type === 'request-start');
      expect(starts).toEqual([
        { type: 'request-start', taskId: ID, polls: 1, waited: 0, at: 0 },
        { type: 'request-start', taskId: ID, polls: 1, waited: 40, at: 50 },
      ]);
    });
  });

  it('with a fleet budget each request waits for one permit first', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'SUCCESS', { status: 'SUCCESS' })]);
      const permits: number[] = [];
      const fleet: TaskHubBudget = {
        permit: () => {
          permits.push(s.now());
          return h.cold('30ms (xy)'); // a second permit value must not send a second request
        },
        close: () => undefined,
      };
      const host = hostOf(s, { transport: script.transport, fleet });
      status$(new TaskEntry(ID, ID, host)).subscribe();
      h.flush();
      expect(permits).toEqual([0, 130]);
      expect(script.sentAt).toEqual([30, 160]);
    });
  });

  it('requests go through the client’s interceptors, one added after the entry was built included', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'STARTED'), reply('(r|)', 'SUCCESS', { status: 'SUCCESS' })]);
      const host = hostOf(s, { transport: script.transport });
      const seen: TaskRequestInfo[] = [];
      const entry = new TaskEntry(ID, ID, host);
      status$(entry).subscribe();
      s.schedule(() => host.interceptors.add((info, send) => (seen.push(info), send)), 50);
      h.flush();
      expect(seen.map((info) => info.polls)).toEqual([2, 3]);
      expect(seen[0]).toEqual({ taskId: ID, method: 'GET', url: expect.stringContaining(ID), polls: 2, resend: 0 });
    });
  });

  it('reports each transition on events$ (phase, Celery status, progress, polls, elapsed on the host clock)', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', 'PENDING'), reply('(r|)', 'PROGRESS', { current: 1, total: 4 })]);
      const host = hostOf(s, { transport: script.transport });
      const events = eventsOf(host);
      const sub = status$(new TaskEntry(ID, ID, host)).subscribe();
      s.schedule(() => sub.unsubscribe(), 150);
      h.flush();
      expect(events.filter((e) => e.type === 'transition')).toEqual([
        { type: 'transition', taskId: ID, from: null, to: 'pending', celeryStatus: 'PENDING', polls: 1, elapsed: 0, at: 0 },
        { type: 'transition', taskId: ID, from: 'pending', to: 'started', celeryStatus: 'PROGRESS', progress: 0.25, polls: 2, elapsed: 100, at: 100 },
      ]);
    });
  });
});

describe('TaskEntry: content bytes', () => {
  it('each subscriber gets its own copy of a success’s content bytes', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('10ms (r|)', 'SUCCESS', { status: 'SUCCESS', content_b64: PDF.toString('base64') })]);
      const host = hostOf(s, { transport: script.transport });
      const entry = new TaskEntry(ID, ID, host);
      const got: Uint8Array[] = [];
      // The first subscriber zero-fills its bytes as soon as it has them (after saving them, say).
      status$(entry).subscribe((t) => {
        got.push(contentOf(t));
        contentOf(t).fill(0);
      });
      status$(entry).subscribe((t) => got.push(contentOf(t)));
      status$(entry).subscribe((t) => got.push(contentOf(t)));
      h.flush();
      expect(script.sentAt).toEqual([0]);
      expect(got).toHaveLength(3);
      expect(Buffer.from(got[1]!)).toEqual(PDF);
      expect(Buffer.from(got[2]!)).toEqual(PDF);
      const buffers = [...got, contentOf(host.cache.peek(ID))].map((bytes) => bytes.buffer);
      expect(new Set(buffers).size).toBe(4);
    });
  });
});
