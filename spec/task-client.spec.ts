import { Subject, map, of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createTaskClient, type TaskClient, type TaskClientStats } from '../lib/task-client.js';
import type { TaskClientOptions } from '../lib/client/task-client-options.js';
import type { TaskClientEvent } from '../lib/client/task-client-event.js';
import { TaskClientDisposedError } from '../lib/client/task-client-disposed-error.js';
import { followTasks } from '../lib/client/follow.js';
import { HttpError, TaskFailedError, TaskRejectedError } from '../lib/errors/index.js';
import type { TaskSucceeded, TaskTransition } from '../lib/transitions.js';
import { http, scripted, status, type Step } from './helpers/marble-transport.js';
import { taskScript } from './client/task-script.js';
import { FakeDocument } from './helpers/fake-document.js';

const A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const B = '16fd2706-8baf-433b-82eb-8c7fada847da';
const C = 'a8098c1a-f86e-41e1-bb6f-22a4e4ab9b5e';
const D = '6ba7b810-9dad-41d1-80b4-00c04fd430c8';
const PDF = Buffer.from('%PDF-1.4 tiny').toString('base64');

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const base = (scheduler: TestScheduler, extra: Partial<TaskClientOptions> = {}): TaskClientOptions => ({
  scheduler,
  interval: 10,
  retry: { initialInterval: 5, maxInterval: 40, maxRetries: 3, jitter: 'none', maxRetryAfter: 50 },
  ...extra,
});

const phases = map((t: TaskTransition) => t.to);
const P = { p: 'pending', s: 'started', d: 'succeeded', r: 'rejected', f: 'failed' };
const reply = (marble: string, r: ReturnType<typeof status>): Step => ({ marble, values: { r } });
const pending = (marble = '(r|)'): Step => reply(marble, status(A, 'PENDING'));
const started = (marble = '(r|)'): Step => reply(marble, status(A, 'STARTED'));
const done = (marble = '(r|)'): Step => reply(marble, status(A, 'SUCCESS', { status: 'SUCCESS' }));

describe('TaskClient.status$: one shared poll loop per task', () => {
  it('sends one request per poll however many subscribers', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [pending(), started(), done()]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      for (let i = 0; i < 3; i++) h.expectObservable(client.status$(A).pipe(phases)).toBe('p 9ms s 9ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual([0, 10, 20]);
      expect(client.stats()).toMatchObject({ tasks: 0, subscribers: 0, requests: 3 });
    });
  });

  it('gives a late subscriber the latest transition at once, `from` as it was, then the rest', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [pending(), started(), done()]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('p 9ms s 9ms (d|)', P);
      h.expectObservable(client.status$(A), '-----^').toBe('-----a 4ms b 9ms (c|)', {
        a: expect.objectContaining({ from: null, to: 'pending', at: 0, polls: 1 }),
        b: expect.objectContaining({ from: 'pending', to: 'started', at: 10 }),
        c: expect.objectContaining({ from: 'started', to: 'succeeded', at: 20, polls: 3 }),
      });
      h.expectObservable(client.status$(A).pipe(phases), '---------------^').toBe('---------------s 4ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual([0, 10, 20]);
    });
  });

  it('treats ids case-insensitively: A and its upper case share one loop', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [pending(), done()]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('p 9ms (d|)', P);
      h.expectObservable(client.status$(A.toUpperCase()).pipe(phases)).toBe('p 9ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual([0, 10]);
    });
  });

  it('stops the loop when the last subscriber leaves (aborting its request) and restarts when one returns', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [pending(), pending('10ms (r|)'), pending(), done()]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      const stats: TaskClientStats[] = [];
      h.expectObservable(client.status$(A).pipe(phases), '^ 9ms !').toBe('p', P);
      h.expectObservable(client.status$(A).pipe(phases), '^ 14ms !').toBe('p', P);
      s.schedule(() => stats.push(client.stats()), 12);
      s.schedule(() => stats.push(client.stats()), 20);
      h.expectObservable(client.status$(A).pipe(phases), '30ms ^').toBe('30ms p 9ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual([0, 10, 30, 40]);
      h.expectSubscriptions(script.colds[1]!.subscriptions).toBe('10ms ^ 4ms !');
      expect(stats[0]).toMatchObject({ tasks: 1, subscribers: 1, inFlight: 1 });
      expect(stats[1]).toMatchObject({ tasks: 0, subscribers: 0, inFlight: 0, queued: 0 });
    });
    expect(s.actions.length).toBe(0);
  });

  it('throws a TypeError naming taskId at call time for an id that is not a UUID', () => {
    const client = createTaskClient({ transport: () => of(status(A, 'PENDING')) });
    expect(() => client.status$('42')).toThrow(TypeError);
    expect(() => client.status$('42')).toThrow(/taskId/);
    expect(() => client.result$('../admin')).toThrow(/taskId/);
  });
});

describe('TaskClient terminal-result cache', () => {
  it('serves a finished task from the cache: no request, a hit counted', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [done()]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      const events: TaskClientEvent[] = [];
      client.events$.subscribe((e) => events.push(e));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('(d|)', P);
      h.expectObservable(client.status$(A), '50ms ^').toBe('50ms (c|)', { c: expect.objectContaining({ from: null, to: 'succeeded', at: 0 }) });
      h.expectObservable(client.result$(A).pipe(map((r) => r.taskId)), '60ms ^').toBe('60ms (a|)', { a: A });
      h.flush();
      expect(script.sentAt).toEqual([0]);
      expect(client.stats()).toMatchObject({ cacheHits: 2, cached: 1, requests: 1 });
      expect(events.filter((e) => e.type === 'cache-hit')).toEqual([
        { type: 'cache-hit', taskId: A, at: 50 },
        { type: 'cache-hit', taskId: A, at: 60 },
      ]);
    });
  });

  it('forgets a result after cacheTtl', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [done(), done()]);
      const client = createTaskClient(base(s, { transport: script.transport, cacheTtl: 100 }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('(d|)', P);
      h.expectObservable(client.status$(A).pipe(phases), '99ms ^').toBe('99ms (d|)', P);
      h.expectObservable(client.status$(A).pipe(phases), '100ms ^').toBe('100ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual([0, 100]);
      expect(client.stats().cacheHits).toBe(1);
    });
  });

  it('evicts the least recently used result past cacheSize', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = taskScript(s, h, { [A]: [done(), done()], [B]: [done()], [C]: [done()] });
      const client = createTaskClient(base(s, { transport: script.transport, cacheSize: 2 }));
      const t = (id: string, at: number): void => void s.schedule(() => client.status$(id).subscribe(), at);
      t(A, 0);
      t(B, 1);
      t(A, 2); // hit: A becomes the most recent
      t(C, 3); // evicts B
      t(A, 4); // hit
      h.flush();
      expect(client.stats()).toMatchObject({ cacheHits: 2, cached: 2 });
      expect(script.sentAt).toEqual({ [A]: [0], [B]: [1], [C]: [3] });
    });
  });

  it('does not cache errors: the next subscriber polls again (at the pace: `interval` after the last response)', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [{ marble: '(r|)', values: { r: http(404) } }, done()]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      h.expectObservable(client.status$(A)).toBe('#', undefined, expect.any(HttpError));
      h.expectObservable(client.status$(A).pipe(phases), '5ms ^').toBe('10ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual([0, 10]);
      expect(client.stats().cacheHits).toBe(0);
    });
  });

  it('turns the cache off with cacheSize 0', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [done(), done()]);
      const client = createTaskClient(base(s, { transport: script.transport, cacheSize: 0 }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('(d|)', P);
      // Polled again, at the pace (`interval` after the last response), not at once.
      h.expectObservable(client.status$(A).pipe(phases), '5ms ^').toBe('10ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual([0, 10]);
    });
  });
});

describe('TaskClient.result$', () => {
  it('emits one TaskSucceeded with the decoded content, then completes, sharing the status$ loop', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [pending(), reply('(r|)', status(A, 'SUCCESS', { status: 'SUCCESS', content_b64: PDF, invoice: 'F-1' }))]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      const seen: TaskSucceeded[] = [];
      let completed = false;
      client.result$(A).subscribe({ next: (r) => seen.push(r), complete: () => (completed = true) });
      h.expectObservable(client.status$(A).pipe(phases)).toBe('p 9ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual([0, 10]);
      expect(completed).toBe(true);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.taskId).toBe(A);
      expect(Buffer.from(seen[0]!.content!).toString()).toBe('%PDF-1.4 tiny');
      expect(seen[0]!.result).toEqual({ status: 'SUCCESS', invoice: 'F-1' });
    });
  });

  it('errors with TaskRejectedError carrying the business error, and TaskFailedError carrying the failure', () => {
    const s = newScheduler();
    s.run((h) => {
      const details = [{ item: 'BT-1', reason: 'missing', level: 'Error', source: 'schematron', code: 'BR-02' }];
      const script = taskScript(s, h, {
        [A]: [reply('(r|)', status(A, 'SUCCESS', { status: 'ERROR', errorCode: 'VALIDATION', errorMessage: 'invalid', details }))],
        [B]: [reply('(r|)', status(B, 'FAILURE', { exc_type: 'ValueError', exc_message: 'boom' }))],
      });
      const client = createTaskClient(base(s, { transport: script.transport }));
      h.expectObservable(client.result$(A)).toBe(
        '#',
        undefined,
        expect.objectContaining({ name: 'TaskRejectedError', taskId: A, state: expect.objectContaining({ error: expect.objectContaining({ errorCode: 'VALIDATION', details }) }) }),
      );
      h.expectObservable(client.result$(B)).toBe('#', undefined, expect.objectContaining({ name: 'TaskFailedError', taskId: B }));
      const errors: unknown[] = [];
      s.schedule(() => client.result$(A).subscribe({ error: (e: unknown) => errors.push(e) }), 5);
      s.schedule(() => client.result$(B).subscribe({ error: (e: unknown) => errors.push(e) }), 5);
      h.flush();
      expect(errors[0]).toBeInstanceOf(TaskRejectedError);
      expect(errors[1]).toBeInstanceOf(TaskFailedError);
      expect((errors[1] as TaskFailedError).state.error.message).toBe('boom');
    });
  });
});

describe('TaskClient.follow and followTasks', () => {
  it('follows the id named last, dropping the previous task (and aborting its request)', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = taskScript(s, h, { [A]: [pending(), pending('10ms (r|)')], [B]: [pending(), done()] });
      const client = createTaskClient(base(s, { transport: script.transport }));
      const ids = h.hot('a 14ms b', { a: A, b: B });
      h.expectObservable(client.follow(ids).pipe(map((t) => `${t.taskId === A ? 'A' : 'B'}:${t.to}`))).toBe('a 14ms b 9ms c', {
        a: 'A:pending',
        b: 'B:pending',
        c: 'B:succeeded',
      });
      h.flush();
      h.expectSubscriptions(script.colds[A]![1]!.subscriptions).toBe('10ms ^ 4ms !');
      expect(script.sentAt).toEqual({ [A]: [0, 10], [B]: [15, 25] });
      expect(client.stats().tasks).toBe(0);
    });
  });

  it('works as a standalone operator and errors on an id that is not a UUID', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = taskScript(s, h, { [A]: [pending(), pending()] });
      const client = createTaskClient(base(s, { transport: script.transport }));
      const ids = h.hot('a 14ms x', { a: A, x: 'not-a-uuid' });
      h.expectObservable(ids.pipe(followTasks(client), phases)).toBe('p 9ms - 4ms #', P, expect.any(TypeError));
    });
  });
});

describe('TaskClient concurrency budget', () => {
  const ids = [A, B, C, D];

  it('keeps at most maxConcurrent requests in flight and serves waiting ones first come first served', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = taskScript(s, h, Object.fromEntries(ids.map((id) => [id, [done('10ms (r|)')]])));
      const client = createTaskClient(base(s, { transport: script.transport, maxConcurrent: 2 }));
      for (const id of ids) h.expectObservable(client.status$(id).pipe(phases)).toBe(id === A || id === B ? '10ms (d|)' : '20ms (d|)', P);
      const stats: TaskClientStats[] = [];
      s.schedule(() => stats.push(client.stats()), 5);
      h.flush();
      expect(script.order).toEqual(ids);
      expect(script.sentAt).toEqual({ [A]: [0], [B]: [0], [C]: [10], [D]: [10] });
      expect(stats[0]).toMatchObject({ tasks: 4, inFlight: 2, queued: 2 });
    });
  });

  it('starts requestTimeout when the request is sent, not while it waits for a slot', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = taskScript(s, h, { [A]: [done('12ms (r|)')], [B]: [done('12ms (r|)')] });
      const client = createTaskClient(base(s, { transport: script.transport, maxConcurrent: 1, requestTimeout: 15 }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('12ms (d|)', P);
      h.expectObservable(client.status$(B).pipe(phases)).toBe('24ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual({ [A]: [0], [B]: [12] });
    });
  });

  it('drops a waiting request whose subscriber left, without freeing a slot it never held', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = taskScript(s, h, { [A]: [done('20ms (r|)')], [B]: [], [C]: [done()] });
      const client = createTaskClient(base(s, { transport: script.transport, maxConcurrent: 1 }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('20ms (d|)', P);
      h.expectObservable(client.status$(B), '^ 4ms !').toBe('');
      h.expectObservable(client.status$(C).pipe(phases)).toBe('20ms (d|)', P);
      const stats: TaskClientStats[] = [];
      s.schedule(() => stats.push(client.stats()), 2);
      s.schedule(() => stats.push(client.stats()), 10);
      h.flush();
      expect(stats.map((x) => [x.inFlight, x.queued, x.tasks])).toEqual([
        [1, 2, 3],
        [1, 1, 2],
      ]);
      expect(script.sentAt).toEqual({ [A]: [0], [B]: [], [C]: [20] });
    });
  });

  it('spaces requests out with maxRequestsPerSecond', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = taskScript(s, h, Object.fromEntries(ids.map((id) => [id, [done()]])));
      const client = createTaskClient(base(s, { transport: script.transport, maxRequestsPerSecond: 2 }));
      for (const id of ids) client.status$(id).subscribe();
      h.flush();
      expect(ids.map((id) => script.sentAt[id]![0])).toEqual([0, 0, 500, 1000]);
    });
  });
});

describe('TaskClient retry budget', () => {
  const manyIds = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
  const failing = () => of(http(503));

  it('bounds the retries of a thousand failing tasks (500 tokens / 5 per retry = 100 retries)', () => {
    const s = newScheduler();
    s.run((h) => {
      const client = createTaskClient(
        base(s, { transport: failing, maxConcurrent: Infinity, retry: { maxRetries: 5, initialInterval: 1, jitter: 'none' } }),
      );
      const events: TaskClientEvent[] = [];
      client.events$.subscribe((e) => events.push(e));
      const errors: unknown[] = [];
      for (const id of manyIds) client.status$(id).subscribe({ error: (e: unknown) => errors.push(e) });
      h.flush();
      expect(errors).toHaveLength(1000);
      expect(errors.every((e) => e instanceof HttpError && e.status === 503)).toBe(true);
      expect(client.stats()).toMatchObject({ retries: 100, requests: 1100, retryTokens: 0, tasks: 0 });
      const exhausted = events.filter((e) => e.type === 'budget-exhausted');
      expect(exhausted).toHaveLength(1000);
      expect(exhausted[0]).toEqual({ type: 'budget-exhausted', taskId: expect.any(String), error: 'HttpError', available: 0, at: expect.any(Number) });
    });
  });

  it('without a budget (retryBudget: false) every task retries maxRetries times', () => {
    const s = newScheduler();
    s.run((h) => {
      const client = createTaskClient(
        base(s, { transport: failing, maxConcurrent: Infinity, retryBudget: false, retry: { maxRetries: 5, initialInterval: 1, jitter: 'none' } }),
      );
      for (const id of manyIds.slice(0, 100)) client.status$(id).subscribe({ error: () => undefined });
      h.flush();
      expect(client.stats()).toMatchObject({ retries: 500, requests: 600, retryTokens: undefined });
    });
  });

  it('refunds a retry’s cost when it leads to a good response', () => {
    const s = newScheduler();
    s.run((h) => {
      const fail = { marble: '(r|)', values: { r: http(503) } };
      const script = scripted(s, h, [fail, pending(), fail, done()]);
      const client = createTaskClient(base(s, { transport: script.transport, retryBudget: { capacity: 5 } }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('5ms p 14ms (d|)', P);
      h.flush();
      expect(client.stats()).toMatchObject({ retries: 2, retryTokens: 5 });
    });
  });
});

describe('TaskClient hints', () => {
  it('polls the task a hint names at once, and only that task', () => {
    const s = newScheduler();
    s.run((h) => {
      const hints = h.hot('---x--y--z', {
        x: { event_type: 'generation.completed', data: { task_id: A } },
        y: C,
        z: { taskId: B.toUpperCase() },
      });
      const script = taskScript(s, h, { [A]: [pending(), done()], [B]: [pending(), pending()] });
      const client = createTaskClient(base(s, { transport: script.transport, interval: 100, hints }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('p--(d|)', P);
      h.expectObservable(client.status$(B).pipe(phases), '^ 50ms !').toBe('p', P);
      h.flush();
      expect(script.sentAt).toEqual({ [A]: [0, 3], [B]: [0, 9] });
    });
  });

  it('listens to hints only while it follows a task', () => {
    const hints = new Subject<unknown>();
    const client = createTaskClient({ transport: () => of(status(A, 'PENDING')), hints, interval: 60_000 });
    expect(hints.observed).toBe(false);
    const sub = client.status$(A).subscribe();
    expect(hints.observed).toBe(true);
    sub.unsubscribe();
    expect(hints.observed).toBe(false);
  });
});

describe('TaskClient Page Visibility pause', () => {
  let doc: FakeDocument;
  beforeEach(() => {
    doc = new FakeDocument();
    (globalThis as { document?: unknown }).document = doc;
  });
  afterEach(() => {
    delete (globalThis as { document?: unknown }).document;
  });

  it('starts no poll while the page is hidden and sends the due one at once when shown', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [pending(), done()]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      const events: TaskClientEvent[] = [];
      client.events$.subscribe((e) => events.push(e));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('p 29ms (d|)', P);
      const stats: TaskClientStats[] = [];
      s.schedule(() => doc.set('hidden'), 5);
      s.schedule(() => stats.push(client.stats()), 20);
      s.schedule(() => doc.set('visible'), 30);
      h.flush();
      expect(script.sentAt).toEqual([0, 30]);
      expect(stats[0]).toMatchObject({ queued: 1, inFlight: 0 });
      expect(events.filter((e) => e.type === 'visibility')).toEqual([
        { type: 'visibility', hidden: true, at: 5 },
        { type: 'visibility', hidden: false, at: 30 },
      ]);
    });
  });

  it('polls a task waiting for its next poll at once when the page is shown again', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [pending(), done()]);
      const client = createTaskClient(base(s, { transport: script.transport, interval: 100 }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('p 19ms (d|)', P);
      s.schedule(() => doc.set('hidden'), 5);
      s.schedule(() => doc.set('visible'), 20);
      h.flush();
      expect(script.sentAt).toEqual([0, 20]);
    });
  });

  it('waits for the page to be shown before the first poll when subscribed while hidden', () => {
    const s = newScheduler();
    s.run((h) => {
      doc.visibilityState = 'hidden';
      const script = scripted(s, h, [done()]);
      const client = createTaskClient(base(s, { transport: script.transport }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('40ms (d|)', P);
      s.schedule(() => doc.set('visible'), 40);
      h.flush();
      expect(script.sentAt).toEqual([40]);
    });
  });

  it('does nothing with pauseWhenHidden: false', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [pending(), done()]);
      const client = createTaskClient(base(s, { transport: script.transport, pauseWhenHidden: false }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('p 9ms (d|)', P);
      s.schedule(() => doc.set('hidden'), 5);
      h.flush();
      expect(doc.listeners).toBe(0);
    });
  });

  it('listens only while it follows a task', () => {
    const client = createTaskClient({ transport: () => of(status(A, 'PENDING')), interval: 60_000 });
    expect(doc.listeners).toBe(0);
    const sub = client.status$(A).subscribe();
    expect(doc.listeners).toBe(1);
    sub.unsubscribe();
    expect(doc.listeners).toBe(0);
  });
});

describe('TaskClient events$ and stats()', () => {
  it('reports request start/end with duration and status, and retries, never the token', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [{ marble: '3ms (r|)', values: { r: http(503) } }, done('2ms (r|)')]);
      const client = createTaskClient(base(s, { transport: script.transport, token: 'secret-token-123' }));
      const events: TaskClientEvent[] = [];
      client.events$.subscribe((e) => events.push(e));
      client.status$(A).subscribe();
      h.flush();
      expect(events).toEqual([
        { type: 'task-start', taskId: A, resumed: false, at: 0 },
        { type: 'request-start', taskId: A, polls: 1, waited: 0, at: 0 },
        { type: 'request-end', taskId: A, status: 503, duration: 3, at: 3 },
        { type: 'retry', taskId: A, attempt: 1, delay: 5, error: 'HttpError', status: 503, at: 3 },
        { type: 'request-start', taskId: A, polls: 2, waited: 0, at: 8 },
        { type: 'request-end', taskId: A, status: 200, duration: 2, at: 10 },
        { type: 'transition', taskId: A, from: null, to: 'succeeded', celeryStatus: 'SUCCESS', polls: 2, elapsed: 10, at: 10 },
        { type: 'task-end', taskId: A, outcome: 'succeeded', polls: 2, elapsed: 10, at: 10 },
      ]);
      expect(JSON.stringify(events)).not.toContain('secret');
      expect(client.stats()).toEqual({
        tasks: 0,
        subscribers: 0,
        inFlight: 0,
        queued: 0,
        requests: 2,
        retries: 1,
        cacheHits: 0,
        cached: 1,
        retryTokens: 500,
      });
    });
  });
});

describe('TaskClient.dispose', () => {
  it('ends every stream with TaskClientDisposedError, aborts requests, drops queued ones, leaves no timer', () => {
    const s = newScheduler();
    let client: TaskClient | undefined;
    s.run((h) => {
      const script = taskScript(s, h, { [A]: [pending(), pending('50ms (r|)')], [B]: [pending()] });
      client = createTaskClient(base(s, { transport: script.transport, maxConcurrent: 1 }));
      const disposed = expect.any(TaskClientDisposedError);
      h.expectObservable(client.status$(A).pipe(phases)).toBe('p 19ms #', P, disposed);
      h.expectObservable(client.status$(A).pipe(phases)).toBe('p 19ms #', P, disposed);
      h.expectObservable(client.status$(B).pipe(phases)).toBe('p 19ms #', P, disposed);
      let eventsDone = false;
      client.events$.subscribe({ complete: () => (eventsDone = true) });
      const stats: TaskClientStats[] = [];
      s.schedule(() => stats.push(client!.stats()), 15);
      s.schedule(() => client!.dispose(), 20);
      h.flush();
      h.expectSubscriptions(script.colds[A]![1]!.subscriptions).toBe('10ms ^ 9ms !');
      expect(script.sentAt).toEqual({ [A]: [0, 10], [B]: [0] });
      expect(stats[0]).toMatchObject({ inFlight: 1, queued: 1 });
      expect(client.stats()).toMatchObject({ tasks: 0, subscribers: 0, inFlight: 0, queued: 0 });
      expect(eventsDone).toBe(true);
    });
    expect(s.actions.length).toBe(0);
    expect(() => client!.status$(A)).toThrow(TaskClientDisposedError);
    expect(() => client!.result$(A)).toThrow(TaskClientDisposedError);
    expect(() => client!.follow(of(A))).toThrow(TaskClientDisposedError);
    expect(() => client!.dispose()).not.toThrow();
  });

  it('errors a stream obtained before dispose and subscribed after', () => {
    const client = createTaskClient({ transport: () => of(status(A, 'PENDING')) });
    const later = client.status$(A);
    client.dispose();
    const errors: unknown[] = [];
    later.subscribe({ error: (e: unknown) => errors.push(e) });
    expect(errors).toEqual([expect.any(TaskClientDisposedError)]);
  });
});

describe('TaskClient hub seam', () => {
  it('lets a hub wrap each loop (serving transitions with no request) and routes its hints', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = taskScript(s, h, { [A]: [], [B]: [pending(), done()] });
      const fromElsewhere = h.cold('5ms (d|)', { d: { taskId: A, from: null, to: 'succeeded', state: { phase: 'succeeded', status: 'SUCCESS', result: { status: 'SUCCESS' } }, at: 5, polls: 1 } as TaskTransition });
      const hub = {
        hints: h.hot('--x', { x: { data: { taskId: B } } }),
        follow: (taskId: string, poll$: Observable<TaskTransition>) => (taskId === A ? fromElsewhere : poll$),
      };
      const client = createTaskClient(base(s, { transport: script.transport, interval: 100, hub }));
      h.expectObservable(client.status$(A).pipe(phases)).toBe('5ms (d|)', P);
      h.expectObservable(client.status$(B).pipe(phases)).toBe('p-(d|)', P);
      h.expectObservable(client.status$(A).pipe(phases), '10ms ^').toBe('10ms (d|)', P);
      h.flush();
      expect(script.sentAt).toEqual({ [A]: [], [B]: [0, 2] });
      expect(client.stats().cacheHits).toBe(1);
    });
  });
});

describe('createTaskClient option validation', () => {
  const transport = () => of(status(A, 'PENDING'));
  it.each([
    [{ maxConcurrent: 0 }, /maxConcurrent/],
    [{ maxConcurrent: 1.5 }, /maxConcurrent/],
    [{ maxRequestsPerSecond: 0 }, /maxRequestsPerSecond/],
    [{ maxRequestsPerSecond: Infinity }, /maxRequestsPerSecond/],
    [{ cacheTtl: -1 }, /cacheTtl/],
    [{ cacheSize: -1 }, /cacheSize/],
    [{ hints: 'soon' }, /hints/],
    [{ hub: 42 }, /hub/],
    [{ hub: { follow: 'x' } }, /hub\.follow/],
    [{ retryBudget: 5 }, /retryBudget/],
    [{ retryBudget: { capacity: -5 } }, /retryBudget\.capacity/],
    [{ pauseWhenHidden: 'yes' }, /pauseWhenHidden/],
    [{ interval: -1 }, /interval/],
    [{ baseUrl: 'http://api.example.com', token: 't' }, /allowInsecureHttp/],
  ])('refuses %j', (options, message) => {
    expect(() => createTaskClient({ transport, ...(options as TaskClientOptions) })).toThrow(TypeError);
    expect(() => createTaskClient({ transport, ...(options as TaskClientOptions) })).toThrow(message);
  });

  it('works on Node with no document and the default options', () => {
    expect((globalThis as { document?: unknown }).document).toBeUndefined();
    const client = createTaskClient({ transport });
    const sub = client.status$(A).subscribe();
    expect(client.stats()).toMatchObject({ tasks: 1, subscribers: 1 });
    sub.unsubscribe();
    client.dispose();
  });
});
