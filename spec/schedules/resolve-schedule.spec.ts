import fc from 'fast-check';
import { adaptiveSchedule } from '../../lib/schedules/adaptive-schedule.js';
import { constantSchedule } from '../../lib/schedules/constant-schedule.js';
import { decorrelatedJitterSchedule } from '../../lib/schedules/decorrelated-jitter-schedule.js';
import { exponentialSchedule } from '../../lib/schedules/exponential-schedule.js';
import type { PollContext, PollOutcome, PollSchedule } from '../../lib/schedules/poll-schedule.js';
import { resolveSchedule } from '../../lib/schedules/resolve-schedule.js';
import type { TaskPhase } from '../../lib/transitions.js';
import { mulberry32 } from '../helpers/lognormal.js';

const ctx: PollContext = { taskId: 't', polls: 3, elapsed: 5000, phase: 'started', inPhase: 1000 };
const outcome: PollOutcome = { taskId: 't', phase: 'succeeded', elapsed: 9000, polls: 4 };

describe('resolveSchedule', () => {
  it('turns a number into a constant wait with a no-op complete', () => {
    const schedule = resolveSchedule(2500);
    expect(schedule.next(ctx)).toBe(2500);
    expect(() => schedule.complete(outcome)).not.toThrow();
  });

  it('calls a function schedule with the context', () => {
    const fn = jest.fn((c: PollContext) => c.polls * 1000);
    const schedule = resolveSchedule(fn);
    expect(schedule.next(ctx)).toBe(3000);
    expect(fn).toHaveBeenCalledWith(ctx);
    expect(() => schedule.complete(outcome)).not.toThrow();
  });

  it('calls an object schedule as methods (this is the object), complete included', () => {
    const seen: PollOutcome[] = [];
    const object = {
      base: 700,
      next(this: { base: number }, c: PollContext) {
        return this.base + c.polls;
      },
      complete(this: { base: number }, o: PollOutcome) {
        seen.push({ ...o, polls: this.base });
      },
    };
    const schedule = resolveSchedule(object);
    expect(schedule.next(ctx)).toBe(703);
    schedule.complete(outcome);
    expect(seen).toEqual([{ ...outcome, polls: 700 }]);
  });

  it('accepts an object without complete', () => {
    const schedule = resolveSchedule({ next: () => 1234 });
    expect(schedule.next(ctx)).toBe(1234);
    expect(() => schedule.complete(outcome)).not.toThrow();
  });

  it.each([[-10], [NaN], [Infinity], [-Infinity], ['12' as unknown as number], [undefined as unknown as number]])(
    'turns a schedule returning %p into 0',
    (bad) => {
      expect(resolveSchedule(() => bad).next(ctx)).toBe(0);
      expect(resolveSchedule({ next: () => bad }).next(ctx)).toBe(0);
    },
  );

  it.each<[string, unknown]>([
    ['a negative number', -1],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a string', '2500'],
    ['null', null],
    ['an object without next', { complete: () => undefined }],
    ['an object whose next is not a function', { next: 5 }],
    ['an object whose complete is not a function', { next: () => 1, complete: 'no' }],
  ])('refuses %s with a TypeError naming `interval`', (_, bad) => {
    expect(() => resolveSchedule(bad as PollSchedule)).toThrow(TypeError);
    expect(() => resolveSchedule(bad as PollSchedule)).toThrow(/\binterval(\.complete)?: must be /);
  });

  it('yields finite waits ≥ 0 from every schedule on offer, whatever the context', () => {
    const adaptive = adaptiveSchedule({ minSamples: 5, jitter: 0.2, random: mulberry32(3) });
    for (let i = 0; i < 20; i += 1) adaptive.complete({ taskId: `seed-${i}`, phase: 'succeeded', elapsed: 3000 + i * 700, polls: 3 });
    const schedules = [
      resolveSchedule(2500),
      resolveSchedule(constantSchedule(0)),
      resolveSchedule(exponentialSchedule()),
      resolveSchedule(decorrelatedJitterSchedule({ random: mulberry32(1) })),
      resolveSchedule(adaptive),
    ];
    const phases: TaskPhase[] = ['pending', 'started', 'retrying'];
    fc.assert(
      fc.property(
        fc.record({
          taskId: fc.constantFrom('a', 'b', 'c'),
          polls: fc.integer({ min: 1, max: 10_000 }),
          elapsed: fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.constantFrom(NaN, -1, Infinity)),
          phase: fc.constantFrom(...phases),
          inPhase: fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.constantFrom(NaN, -5)),
        }),
        (context) => {
          for (const schedule of schedules) {
            const wait = schedule.next(context);
            expect(Number.isFinite(wait) && wait >= 0).toBe(true);
          }
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});
