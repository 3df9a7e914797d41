import type { PollContext } from '../../lib/schedules/poll-schedule.js';
import { TaskTracker } from '../../lib/schedules/task-tracker.js';

const ctx = (polls: number, elapsed: number, phase: PollContext['phase'] = 'pending', extra: Partial<PollContext> = {}): PollContext => ({
  taskId: 'a',
  polls,
  elapsed,
  phase,
  inPhase: 0,
  ...extra,
});

describe('TaskTracker', () => {
  it('a first poll is fresh and gives its elapsed time as a latency sample', () => {
    const tracker = new TaskTracker(10);
    const seen = tracker.observe(ctx(1, 120));
    expect(seen).toMatchObject({ taskId: 'a', elapsed: 120, held: undefined, latency: 120, startedAt: undefined, progress: [], idleAt: 120 });
  });

  it('remembers a task between polls: the next poll sees it, and its latency is what the wait does not explain', () => {
    const tracker = new TaskTracker(10);
    tracker.record(tracker.observe(ctx(1, 100)), 1, 2000);
    const seen = tracker.observe(ctx(2, 2150));
    expect(seen.held).toMatchObject({ alive: 100, polls: 1, wait: 2000 });
    expect(seen.latency).toBe(50);
    expect(tracker.size).toBe(1);
  });

  it('a poll count that did not grow, or time that went back, means the task is followed afresh', () => {
    const tracker = new TaskTracker(10);
    tracker.record(tracker.observe(ctx(3, 5000)), 3, 1000);
    expect(tracker.observe(ctx(3, 6000)).held).toBeUndefined();
    expect(tracker.observe(ctx(4, 4000)).held).toBeUndefined();
  });

  it('places the start between the last waiting response and the first started one', () => {
    const tracker = new TaskTracker(10);
    tracker.record(tracker.observe(ctx(1, 1000)), 1, 2000);
    expect(tracker.observe(ctx(2, 3000, 'started', { inPhase: 0 })).startedAt).toBe(2000);
    const fresh = new TaskTracker(10);
    expect(fresh.observe(ctx(1, 3000, 'started', { inPhase: 500 })).startedAt).toBe(2500);
  });

  it('collects progress reports and keeps the last idle response before them', () => {
    const tracker = new TaskTracker(10);
    tracker.record(tracker.observe(ctx(1, 1000, 'started')), 1, 1000);
    const running = { phase: 'started', status: 'PROGRESS', meta: { current: 1, total: 4 } } as const;
    const seen = tracker.observe(ctx(2, 2000, 'started', { state: running }));
    expect(seen.ratio).toBe(0.25);
    expect(seen.progress).toHaveLength(1);
    expect(seen.idleAt).toBe(1000);
  });

  it('take hands a finished task over and forgets it; past maxTasks the least recently polled goes', () => {
    const tracker = new TaskTracker(2);
    for (const id of ['a', 'b', 'c']) tracker.record(tracker.observe(ctx(1, 10, 'pending', { taskId: id })), 1, 100);
    expect(tracker.size).toBe(2);
    expect(tracker.take('a')).toBeUndefined();
    expect(tracker.take('b')).toMatchObject({ polls: 1, wait: 100 });
    expect(tracker.size).toBe(1);
  });
});
