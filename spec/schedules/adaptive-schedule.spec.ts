import { adaptiveSchedule, type AdaptiveScheduleConfig } from '../../lib/schedules/adaptive-schedule.js';
import type { PollContext } from '../../lib/schedules/poll-schedule.js';
import type { TaskPhase } from '../../lib/transitions.js';
import { logNormal, mulberry32 } from '../helpers/lognormal.js';
import { simulatePolls } from './simulate-polls.js';

const ctx = (elapsed: number, over: Partial<PollContext> = {}): PollContext => ({
  taskId: 'probe',
  polls: 2,
  elapsed,
  phase: 'pending',
  inPhase: elapsed,
  ...over,
});

/** Teaches `schedule` tasks ending at the given times (ms after subscribe), seen running 100 ms before. */
function teach(schedule: ReturnType<typeof adaptiveSchedule>, ends: readonly number[], kind?: string): void {
  ends.forEach((end, i) => {
    const taskId = `learn-${kind ?? ''}-${i}`;
    schedule.next({ taskId, polls: 1, elapsed: Math.max(0, end - 100), phase: 'pending', inPhase: 0, kind });
    schedule.complete({ taskId, phase: 'succeeded', elapsed: end, polls: 2, kind });
  });
}
const lognormalEnds = (n: number, median: number, sigma: number, seed: number): number[] =>
  Array.from({ length: n }, logNormal({ median, sigma, seed }));

describe('adaptiveSchedule', () => {
  describe('before it has learned', () => {
    it.each<[string, PollContext]>([
      ['first response', ctx(0)],
      ['young pending task', ctx(3000, { polls: 3 })],
      ['started task', ctx(12_000, { phase: 'started', inPhase: 2000, polls: 6 })],
      ['retrying task', ctx(30_000, { phase: 'retrying', polls: 13 })],
    ])('waits exactly `interval`: %s', (_, context) => {
      const schedule = adaptiveSchedule();
      teach(schedule, lognormalEnds(19, 8000, 0.7, 1));
      expect(schedule.stats().learned).toBe(false);
      expect(schedule.next(context)).toBe(2500);
      expect(adaptiveSchedule({ interval: 3000 }).next(context)).toBe(3000);
    });
  });

  describe('once it has learned log-normal durations (median 8 s, σ 0.7)', () => {
    const ends = lognormalEnds(200, 8000, 0.7, 2);
    const learned = (config: AdaptiveScheduleConfig = {}) => {
      const schedule = adaptiveSchedule(config);
      teach(schedule, ends);
      return schedule;
    };
    let schedule: ReturnType<typeof adaptiveSchedule>;
    beforeAll(() => {
      schedule = learned();
    });

    it.each<[string, number, (wait: number) => boolean]>([
      ['waits long at first: tasks almost never end that young', 0, (w) => w >= 4000],
      ['polls targetDelay (2375 ms) apart where tasks usually end', 8000, (w) => w >= 2000 && w <= 2400],
      ['polls targetDelay apart around the 90th percentile too', 19_000, (w) => w >= 2000 && w <= 2400],
      ['backs off to maxDelay (3 × interval) far past anything seen', 10 * 60_000, (w) => w === 7500],
    ])('%s (elapsed %p ms)', (_, elapsed, ok) => {
      expect(ok(schedule.next(ctx(elapsed)))).toBe(true);
    });

    it('never waits less than minInterval nor more than maxDelay', () => {
      const bounded = learned({ minInterval: 2200, maxDelay: 4000, targetDelay: 2300 });
      const phases: TaskPhase[] = ['pending', 'started', 'retrying'];
      for (let elapsed = 0; elapsed < 200_000; elapsed += 777) {
        for (const phase of phases) {
          const wait = bounded.next(ctx(elapsed, { phase, inPhase: elapsed / 3, taskId: `t${elapsed}` }));
          expect(wait).toBeGreaterThanOrEqual(2200);
          expect(wait).toBeLessThanOrEqual(4000);
        }
      }
    });

    it('reports what it learned and plans', () => {
      const stats = schedule.stats();
      expect(stats).toMatchObject({ samples: 200, learned: true });
      expect(stats.p50).toBeGreaterThan(6000);
      expect(stats.p50).toBeLessThan(11_000);
      // It spends the 5 % late allowance but for a margin of 3.8 / √(tasks learned, faded): 200
      // tasks (faded weight ≈ 167) leave it 1 − 3.8 / √167 ≈ 71 % of the allowance to spend.
      const weight = (1 - 2 ** (-200 / 500)) / (1 - 2 ** (-1 / 500));
      expect(stats.plannedLate).toBeLessThanOrEqual(0.05 * (1 - 3.8 / Math.sqrt(weight)) + 1e-9);
      expect(stats.plannedLate).toBeGreaterThan(0.05 * 0.6);
      expect(stats.plan?.[0]).toBe(0);
      expect(stats.plan?.[1]).toBeGreaterThan(4000);
    });

    it('is deterministic: the same calls give the same waits', () => {
      const run = (): number[] => {
        const fresh = learned();
        return Array.from({ length: 60 }, (_, i) => fresh.next(ctx(i * 1000, { taskId: `t${i % 7}`, polls: i + 2 })));
      };
      expect(run()).toEqual(run());
    });
  });

  it('learns the response latency: from the first response, then from each response against the wait it asked for', () => {
    const schedule = adaptiveSchedule();
    expect(schedule.stats().latency).toBe(0);
    const first = schedule.next(ctx(150, { taskId: 'a', polls: 1 })); // the first request went out at subscribe
    expect(schedule.stats().latency).toBe(150);
    schedule.next(ctx(150 + first + 130, { taskId: 'a', polls: 2 }));
    schedule.next(ctx(0 + 170, { taskId: 'b', polls: 1 }));
    expect(schedule.stats().latency).toBe(150); // the median of 150, 130, 170
  });

  it("aims at the constant interval's real p95, latency included: with 100 ms responses, polls 2.6 s × 0.95 + 100 ms − 2 × 100 ms apart where tasks end", () => {
    const schedule = adaptiveSchedule();
    simulatePolls(schedule, lognormalEnds(300, 8000, 0.7, 11).map((end) => ({ end })), 100);
    expect(schedule.stats().latency).toBe(100);
    // target 0.95 × (2500 + 100) + 100 = 2570 ms from the end to the response; responses 2470 ms
    // apart, so waits of 2370 ms (to the planning grid, 2470 / 16 ms).
    for (const elapsed of [8000, 10_000, 12_000]) {
      const wait = schedule.next(ctx(elapsed, { taskId: `dense-${elapsed}` }));
      expect(wait).toBeLessThanOrEqual(2370 + 1e-6);
      expect(wait).toBeGreaterThanOrEqual(2370 - 2470 / 16);
    }
  });

  it('paces a task reporting progress by its estimated end: sparse while far, dense near it, within the bound', () => {
    const schedule = adaptiveSchedule();
    // 1 % a second from 1 s: ends at 101 s.
    const waits: Array<[number, number]> = [];
    let t = 100;
    for (let polls = 1; polls < 100 && t < 101_000; polls += 1) {
      const ratio = Math.max(0, Math.min(1, (t - 1000) / 100_000));
      const state: PollContext['state'] = { phase: 'started', status: 'PROGRESS', meta: { current: ratio * 100, total: 100 }, progress: { current: ratio * 100, total: 100, ratio } };
      const wait = schedule.next(ctx(t, { polls, phase: 'started', inPhase: t, state }));
      waits.push([t, wait]);
      t += wait;
    }
    const far = waits.filter(([at]) => at > 20_000 && at < 60_000).map(([, w]) => w);
    const near = waits.filter(([at]) => at > 95_000).map(([, w]) => w);
    expect(Math.min(...far)).toBeGreaterThan(5000); // more than a learned plan's maxDelay…
    expect(Math.max(...far)).toBeLessThanOrEqual(15_000); // …never more than 6 × interval
    expect(near.length).toBeGreaterThan(0);
    for (const w of near) expect(w).toBeLessThanOrEqual(4000); // dense near the end…
    expect(t - 101_000).toBeLessThanOrEqual(2570); // …so the end is seen within the target
    expect(waits.length).toBeLessThan(20); // a constant 2.5 s would send 40
  });

  it('paces a started task by the learned started-to-end times', () => {
    // Tasks wait in a queue for 0–30 s, then run for 10 s ± 10 %.
    const schedule = adaptiveSchedule();
    const random = mulberry32(5);
    const run = logNormal({ median: 10_000, sigma: 0.1, seed: 6 });
    for (let i = 0; i < 100; i += 1) {
      const taskId = `q${i}`;
      const start = random() * 30_000;
      const end = start + run();
      let t = 0;
      let polls = 1;
      let seenStarted: number | undefined;
      while (t < end) {
        const phase = t >= start ? 'started' : 'pending';
        if (phase === 'started') seenStarted ??= t;
        t += schedule.next({ taskId, polls, elapsed: t, phase, inPhase: phase === 'started' ? t - (seenStarted ?? t) : t });
        polls += 1;
      }
      schedule.complete({ taskId, phase: 'succeeded', elapsed: t, polls, ...(seenStarted !== undefined ? { startedAt: seenStarted } : {}) });
    }
    expect(schedule.stats().startedSamples).toBeGreaterThan(80);
    // Just seen started at 20 s (pending at 17.5 s): at least ~8 s of run ahead, so a long wait;
    schedule.next(ctx(17_500, { taskId: 'x', polls: 5 }));
    expect(schedule.next(ctx(20_000, { taskId: 'x', polls: 6, phase: 'started', inPhase: 0 }))).toBeGreaterThanOrEqual(4500);
    // 8 s into its run, it is about to end: polls are dense.
    expect(schedule.next(ctx(28_750, { taskId: 'x', polls: 7, phase: 'started', inPhase: 8750 }))).toBeLessThanOrEqual(2400);
    // Still waiting in the queue: it cannot end within a run's time, so it waits long too.
    expect(schedule.next(ctx(12_000, { taskId: 'y', polls: 5 }))).toBeGreaterThanOrEqual(4500);
  });

  it('learns per kind when asked, falls back to the pooled distribution, and holds at most maxKinds', () => {
    const schedule = adaptiveSchedule({ perKind: true, maxKinds: 2 });
    teach(schedule, lognormalEnds(40, 60_000, 0.1, 3), 'slow');
    teach(schedule, lognormalEnds(40, 1000, 0.1, 4), 'fast');
    const first = (kind: string): number => schedule.next(ctx(0, { taskId: `first-${kind}`, kind, polls: 1 }));
    expect(first('slow')).toBeGreaterThan(0.95 * 5000); // maxDelay, to the planning grid
    expect(first('fast')).toBeLessThan(3500);
    expect(schedule.stats('slow').samples).toBe(40);
    expect(schedule.stats().samples).toBe(80);
    // An unknown kind uses the pooled distribution (half the tasks end within a second or so).
    expect(first('other')).toBe(first('pooled-probe'));
    teach(schedule, lognormalEnds(5, 9000, 0.1, 5), 'third');
    expect(schedule.stats().kinds).toBe(2);
  });

  it('forgets running tasks beyond maxTasks and on complete', () => {
    const schedule = adaptiveSchedule({ maxTasks: 5 });
    for (let i = 0; i < 20; i += 1) schedule.next(ctx(0, { taskId: `t${i}`, polls: 1 }));
    expect(schedule.stats().tracked).toBe(5);
    schedule.complete({ taskId: 't19', phase: 'failed', elapsed: 3000, polls: 2 });
    expect(schedule.stats().tracked).toBe(4);
  });

  it('jitters learned waits downwards only, never below minInterval, with the given random source', () => {
    const random = jest.fn(mulberry32(9));
    const plain = adaptiveSchedule();
    const jittery = adaptiveSchedule({ jitter: 0.5, random });
    const ends = lognormalEnds(50, 8000, 0.7, 7);
    teach(plain, ends);
    teach(jittery, ends);
    for (let elapsed = 0; elapsed < 60_000; elapsed += 1500) {
      const wait = jittery.next(ctx(elapsed));
      expect(wait).toBeLessThanOrEqual(plain.next(ctx(elapsed)));
      expect(wait).toBeGreaterThanOrEqual(2000);
    }
    expect(random).toHaveBeenCalled();
    const unused = jest.fn(() => 0.5);
    const steady = adaptiveSchedule({ random: unused });
    teach(steady, ends);
    steady.next(ctx(0));
    expect(unused).not.toHaveBeenCalled();
  });

  it.each<[AdaptiveScheduleConfig, RegExp]>([
    [{ interval: -1 }, /\binterval: must be /],
    [{ minInterval: 3000 }, /\bminInterval: must be /],
    [{ maxDelay: 1000 }, /\bmaxDelay: must be /],
    [{ targetQuantile: 1 }, /\btargetQuantile: must be /],
    [{ targetQuantile: 0 }, /\btargetQuantile: must be /],
    [{ targetDelay: 0 }, /\btargetDelay: must be /],
    [{ minSamples: 0 }, /\bminSamples: must be /],
    [{ perKind: 'yes' as unknown as boolean }, /\bperKind: must be /],
    [{ maxKinds: 0 }, /\bmaxKinds: must be /],
    [{ halfLife: -1 }, /\bhalfLife: must be /],
    [{ maxTasks: 2.5 }, /\bmaxTasks: must be /],
    [{ jitter: 1 }, /\bjitter: must be /],
    [{ random: 4 as unknown as () => number }, /\brandom: must be /],
  ])('refuses %p with a TypeError naming the option', (config, name) => {
    expect(() => adaptiveSchedule(config)).toThrow(TypeError);
    expect(() => adaptiveSchedule(config)).toThrow(name);
  });
});
