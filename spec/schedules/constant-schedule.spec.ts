import { constantSchedule } from '../../lib/schedules/constant-schedule.js';
import type { PollContext } from '../../lib/schedules/poll-schedule.js';

const context = (over: Partial<PollContext> = {}): PollContext => ({ taskId: 't', polls: 1, elapsed: 0, phase: 'pending', inPhase: 0, ...over });

describe('constantSchedule', () => {
  it.each([
    [2500, context()],
    [2500, context({ polls: 40, elapsed: 120_000, phase: 'started', inPhase: 3000 })],
    [0, context({ phase: 'retrying' })],
    [1234.5, context({ polls: 2, elapsed: 1234.5 })],
  ])('waits %p ms whatever the context (%#)', (ms, ctx) => {
    const schedule = constantSchedule(ms);
    expect(schedule.next(ctx)).toBe(ms);
    expect(schedule.interval).toBe(ms);
  });

  it.each([[-1], [NaN], [Infinity], ['2500'], [undefined]])('refuses ms = %p with a TypeError naming `ms`', (bad) => {
    expect(() => constantSchedule(bad as number)).toThrow(TypeError);
    expect(() => constantSchedule(bad as number)).toThrow(/\bms: must be /);
  });
});
