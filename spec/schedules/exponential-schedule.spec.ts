import { exponentialSchedule, type ExponentialScheduleConfig } from '../../lib/schedules/exponential-schedule.js';
import type { PollContext } from '../../lib/schedules/poll-schedule.js';

const at = (polls: number): PollContext => ({ taskId: 't', polls, elapsed: 0, phase: 'pending', inPhase: 0 });

describe('exponentialSchedule', () => {
  it.each<[string, ExponentialScheduleConfig | undefined, number[]]>([
    ['defaults: the FactPulse SDK helper (1 s × 1.5 up to 10 s)', undefined, [1000, 1500, 2250, 3375, 5062.5, 7593.75, 10_000, 10_000]],
    ['the SDK setting spelled out', { initial: 1000, factor: 1.5, max: 10_000 }, [1000, 1500, 2250, 3375, 5062.5, 7593.75, 10_000, 10_000]],
    ['doubling from 500 ms up to 3 s', { initial: 500, factor: 2, max: 3000 }, [500, 1000, 2000, 3000, 3000]],
    ['factor 1 is a constant', { initial: 2500, factor: 1, max: 2500 }, [2500, 2500, 2500]],
  ])('%s', (_, config, expected) => {
    const schedule = exponentialSchedule(config);
    expect(expected.map((_, i) => schedule.next(at(i + 1)))).toEqual(expected);
  });

  it('stays at max, finite, however many polls', () => {
    const schedule = exponentialSchedule({ initial: 1000, factor: 3, max: 60_000 });
    for (const polls of [100, 1e4, 1e9, Number.MAX_SAFE_INTEGER]) expect(schedule.next(at(polls))).toBe(60_000);
  });

  it('treats an odd poll count as the first poll', () => {
    const schedule = exponentialSchedule();
    expect(schedule.next(at(0))).toBe(1000);
    expect(schedule.next(at(NaN))).toBe(1000);
  });

  it.each<[ExponentialScheduleConfig, RegExp]>([
    [{ initial: 0 }, /\binitial: must be /],
    [{ initial: -5 }, /\binitial: must be /],
    [{ factor: 0.5 }, /\bfactor: must be /],
    [{ factor: NaN }, /\bfactor: must be /],
    [{ max: Infinity }, /\bmax: must be /],
    [{ initial: 5000, max: 1000 }, /\bmax: must be /],
  ])('refuses %p with a TypeError naming the option', (config, name) => {
    expect(() => exponentialSchedule(config)).toThrow(TypeError);
    expect(() => exponentialSchedule(config)).toThrow(name);
  });
});
