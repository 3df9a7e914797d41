import type { PollEvent } from '../../lib/poll-events.js';
import type { TaskClientEvent } from '../../lib/client/task-client-event.js';
import { TaskClientMetrics, type TaskClientGauges } from '../../lib/client/task-client-metrics.js';

const taskId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const start = (polls: number): PollEvent => ({ type: 'request-start', taskId, polls, waited: 0, at: polls * 10 });
const end: PollEvent = { type: 'request-end', taskId, status: 503, duration: 4, at: 14 };
const retry: PollEvent = { type: 'retry', taskId, attempt: 1, delay: 1000, error: 'HttpError', status: 503, at: 14 };
const stale: PollEvent = { type: 'stale-response', taskId, phase: 'started', received: 'pending', polls: 2, at: 30 };
const gauges: TaskClientGauges = { tasks: 2, inFlight: 1, queued: 3, cached: 4, retryTokens: 7 };

function listen(metrics: TaskClientMetrics): { events: TaskClientEvent[]; completed: () => boolean; stop: () => void } {
  const events: TaskClientEvent[] = [];
  let done = false;
  const subscription = metrics.events$.subscribe({ next: (e) => events.push(e), complete: () => (done = true) });
  return { events, completed: () => done, stop: () => subscription.unsubscribe() };
}

describe('TaskClientMetrics', () => {
  it('counts each request-start as a request and each retry as a retry, nothing else', () => {
    const metrics = new TaskClientMetrics();
    for (const event of [start(1), end, retry, start(2), stale, end, retry, start(3)]) metrics.poll(event);
    expect([metrics.requests, metrics.retries]).toEqual([3, 2]);
    expect(metrics.stats(gauges)).toMatchObject({ requests: 3, retries: 2 });
  });

  it('counts while nobody listens to events$ (stats() does not depend on a listener)', () => {
    const metrics = new TaskClientMetrics();
    expect(metrics.observed).toBe(false);
    metrics.poll(start(1));
    metrics.poll(retry);
    expect([metrics.requests, metrics.retries]).toEqual([1, 1]);
  });

  it('forwards every poll event to events$, in order', () => {
    const metrics = new TaskClientMetrics();
    const { events } = listen(metrics);
    const sent = [start(1), end, retry, start(2), stale];
    for (const event of sent) metrics.poll(event);
    expect(events).toEqual(sent);
  });

  it('is observed only while events$ has a subscriber', () => {
    const metrics = new TaskClientMetrics();
    expect(metrics.observed).toBe(false);
    const first = listen(metrics);
    const second = listen(metrics);
    expect(metrics.observed).toBe(true);
    first.stop();
    expect(metrics.observed).toBe(true);
    second.stop();
    expect(metrics.observed).toBe(false);
  });

  it('drops what is emitted while nobody listens: events$ is hot', () => {
    const metrics = new TaskClientMetrics();
    metrics.emit({ type: 'cache-hit', taskId, at: 1 });
    metrics.poll(start(1));
    const late = listen(metrics);
    const hit: TaskClientEvent = { type: 'cache-hit', taskId, at: 2 };
    metrics.emit(hit);
    expect(late.events).toEqual([hit]);
  });

  it('delivers each event to every subscriber while they listen, and no more after one leaves', () => {
    const metrics = new TaskClientMetrics();
    const a = listen(metrics);
    const b = listen(metrics);
    const first: TaskClientEvent = { type: 'visibility', hidden: true, at: 5 };
    const second: TaskClientEvent = { type: 'visibility', hidden: false, at: 9 };
    metrics.emit(first);
    a.stop();
    metrics.emit(second);
    expect(a.events).toEqual([first]);
    expect(b.events).toEqual([first, second]);
  });

  it('has an `emit` that works detached from the instance (it is passed around as a callback)', () => {
    const metrics = new TaskClientMetrics();
    const { events } = listen(metrics);
    const { emit } = metrics;
    const hit: TaskClientEvent = { type: 'cache-hit', taskId, at: 3 };
    emit(hit);
    expect(events).toEqual([hit]);
  });

  it('combines its counters with the gauges given in stats()', () => {
    const metrics = new TaskClientMetrics();
    metrics.poll(start(1));
    metrics.poll(retry);
    metrics.poll(start(2));
    metrics.subscribers = 5;
    metrics.cacheHits = 6;
    expect(metrics.stats(gauges)).toStrictEqual({
      tasks: 2,
      subscribers: 5,
      inFlight: 1,
      queued: 3,
      requests: 2,
      retries: 1,
      cacheHits: 6,
      cached: 4,
      retryTokens: 7,
    });
  });

  it('reports retryTokens undefined when the retry budget is off, and reads the gauges afresh each time', () => {
    const metrics = new TaskClientMetrics();
    const off = metrics.stats({ tasks: 0, inFlight: 0, queued: 0, cached: 0, retryTokens: undefined });
    expect(off).toHaveProperty('retryTokens', undefined);
    expect(off).toMatchObject({ tasks: 0, subscribers: 0, requests: 0, retries: 0, cacheHits: 0 });
    expect(metrics.stats({ ...gauges, inFlight: 9 })).toMatchObject({ inFlight: 9, tasks: 2 });
  });

  it('completes events$ on complete(), for subscribers present and to come, and emits nothing after', () => {
    const metrics = new TaskClientMetrics();
    const before = listen(metrics);
    metrics.complete();
    expect(before.completed()).toBe(true);
    const after = listen(metrics);
    expect(after.completed()).toBe(true);
    expect(metrics.observed).toBe(false);
    expect(() => metrics.emit({ type: 'cache-hit', taskId, at: 4 })).not.toThrow();
    metrics.poll(start(1));
    expect(before.events).toEqual([]);
    expect(after.events).toEqual([]);
  });
});
