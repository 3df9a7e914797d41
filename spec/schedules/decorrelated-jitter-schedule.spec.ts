import { decorrelatedJitterSchedule } from '../../lib/schedules/decorrelated-jitter-schedule.js';
import type { PollContext } from '../../lib/schedules/poll-schedule.js';
import { mulberry32 } from '../helpers/lognormal.js';

const at = (taskId: string, polls: number): PollContext => ({ taskId, polls, elapsed: 0, phase: 'pending', inPhase: 0 });
const almostOne = 1 - 1e-12;

describe('decorrelatedJitterSchedule', () => {
  it.each<[string, () => number, number[]]>([
    ['random 0: always base', () => 0, [1000, 1000, 1000, 1000]],
    ['random → 1: previous × 3, capped at max', () => almostOne, [3000, 9000, 10_000, 10_000]],
    ['random 0.5: halfway between base and previous × 3', () => 0.5, [2000, 3500, 5750, 9125, 10_000]],
  ])('%s', (_, random, expected) => {
    const schedule = decorrelatedJitterSchedule({ base: 1000, max: 10_000, random });
    expect(expected.map((__, i) => schedule.next(at('a', i + 1)))).toEqual(expected.map((e) => expect.closeTo(e, 3)));
  });

  it('keeps one chain per task, so interleaved tasks do not disturb each other', () => {
    const schedule = decorrelatedJitterSchedule({ base: 1000, max: 100_000, random: () => almostOne });
    expect(schedule.next(at('a', 1))).toBeCloseTo(3000, 3);
    expect(schedule.next(at('b', 1))).toBeCloseTo(3000, 3);
    expect(schedule.next(at('a', 2))).toBeCloseTo(9000, 3);
    expect(schedule.next(at('b', 2))).toBeCloseTo(9000, 3);
    expect(schedule.tracked).toBe(2);
  });

  it('drops a task on complete and restarts a task followed afresh', () => {
    const schedule = decorrelatedJitterSchedule({ base: 1000, max: 100_000, random: () => almostOne });
    schedule.next(at('a', 1));
    schedule.next(at('a', 2));
    schedule.complete({ taskId: 'a', phase: 'succeeded', elapsed: 12_000, polls: 3 });
    expect(schedule.tracked).toBe(0);
    expect(schedule.next(at('a', 1))).toBeCloseTo(3000, 3);
    schedule.next(at('a', 2));
    expect(schedule.next(at('a', 1))).toBeCloseTo(3000, 3); // poll count went back: a new subscription
  });

  it('holds at most maxTasks chains', () => {
    const schedule = decorrelatedJitterSchedule({ maxTasks: 3, random: () => 0.5 });
    for (let i = 0; i < 10; i += 1) schedule.next(at(`t${i}`, 1));
    expect(schedule.tracked).toBe(3);
  });

  it('is deterministic given the random source, and stays within [base, max]', () => {
    const run = (): number[] => {
      const schedule = decorrelatedJitterSchedule({ base: 500, max: 8000, random: mulberry32(7) });
      return Array.from({ length: 200 }, (_, i) => schedule.next(at(`t${i % 5}`, Math.floor(i / 5) + 1)));
    };
    const waits = run();
    expect(run()).toEqual(waits);
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(500);
      expect(w).toBeLessThanOrEqual(8000);
    }
  });

  it('clamps a random source that strays out of [0, 1)', () => {
    for (const value of [-3, 7, NaN]) {
      const w = decorrelatedJitterSchedule({ base: 1000, max: 10_000, random: () => value }).next(at('a', 1));
      expect(Number.isFinite(w) && w >= 1000 && w <= 10_000).toBe(true);
    }
  });

  it.each<[object, RegExp]>([
    [{ base: 0 }, /\bbase: must be /],
    [{ base: NaN }, /\bbase: must be /],
    [{ base: 5000, max: 1000 }, /\bmax: must be /],
    [{ random: 0.5 }, /\brandom: must be /],
    [{ maxTasks: 0 }, /\bmaxTasks: must be /],
    [{ maxTasks: 1.5 }, /\bmaxTasks: must be /],
  ])('refuses %p with a TypeError naming the option', (config, name) => {
    expect(() => decorrelatedJitterSchedule(config)).toThrow(TypeError);
    expect(() => decorrelatedJitterSchedule(config)).toThrow(name);
  });
});
