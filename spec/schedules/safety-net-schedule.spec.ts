import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { PollContext, PollOutcome } from '../../lib/schedules/poll-schedule.js';
import { safetyNetSchedule } from '../../lib/schedules/safety-net-schedule.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

function clock(): SchedulerLike & { t: number } {
  return {
    t: 0,
    now() {
      return this.t;
    },
    schedule: asyncScheduler.schedule.bind(asyncScheduler),
  };
}

const ctx = (taskId = A): PollContext => ({ taskId, polls: 1, elapsed: 0, phase: 'pending', inPhase: 0 });
const outcome = (taskId: string): PollOutcome => ({ taskId, phase: 'succeeded', elapsed: 1000, polls: 2 });
const hook = (taskId: string): unknown => ({ event_type: 'generation.completed', data: { taskId } });

describe('safetyNetSchedule', () => {
  it('polls on interval until a webhook is heard, then at the safety-net pace', () => {
    const scheduler = clock();
    const s = safetyNetSchedule({ interval: 100, safetyNet: 5000, scheduler });
    expect(s.isLive()).toBe(false);
    expect(s.next(ctx())).toBe(100);
    s.heard(hook(B));
    expect(s.isLive()).toBe(true);
    expect(s.next(ctx())).toBe(5000);
  });

  it('keeps a base wait longer than the safety net', () => {
    const s = safetyNetSchedule({ interval: (c) => (c.polls > 3 ? 9000 : 100), safetyNet: 5000, scheduler: clock() });
    s.heard();
    expect(s.next(ctx())).toBe(5000);
    expect(s.next({ ...ctx(), polls: 4 })).toBe(9000);
  });

  it('goes back to interval once no webhook was heard for freshFor ms', () => {
    const scheduler = clock();
    const s = safetyNetSchedule({ interval: 100, safetyNet: 5000, freshFor: 60_000, scheduler });
    s.heard();
    scheduler.t = 59_999;
    expect(s.next(ctx())).toBe(5000);
    scheduler.t = 60_000;
    expect(s.isLive()).toBe(false);
    expect(s.next(ctx())).toBe(100);
    s.heard();
    expect(s.next(ctx())).toBe(5000);
  });

  it('with assumeLive, starts at the safety-net pace (for freshFor)', () => {
    const scheduler = clock();
    const s = safetyNetSchedule({ interval: 100, safetyNet: 5000, freshFor: 1000, assumeLive: true, scheduler });
    expect(s.next(ctx())).toBe(5000);
    scheduler.t = 1000;
    expect(s.next(ctx())).toBe(100);
  });

  it('reverts to interval when a task ends that no webhook named (a missed webhook)', () => {
    const s = safetyNetSchedule({ interval: 100, safetyNet: 5000, scheduler: clock() });
    s.heard(hook(A));
    s.heard({ event_type: 'generation.completed', data: { task_id: B.toUpperCase() } });
    s.complete(outcome(A)); // its webhook came: still live
    expect(s.isLive()).toBe(true);
    s.complete(outcome(B)); // named as task_id, another case: still live
    expect(s.isLive()).toBe(true);
    s.complete(outcome(C)); // ended without a webhook
    expect(s.isLive()).toBe(false);
    expect(s.next(ctx())).toBe(100);
    s.heard(hook(C)); // the late webhook makes it live again
    expect(s.isLive()).toBe(true);
  });

  it('does not revert with revertOnMiss: false', () => {
    const s = safetyNetSchedule({ interval: 100, safetyNet: 5000, revertOnMiss: false, scheduler: clock() });
    s.heard(hook(A));
    s.complete(outcome(C));
    expect(s.isLive()).toBe(true);
  });

  it('forgets the oldest named tasks beyond maxRemembered', () => {
    const s = safetyNetSchedule({ interval: 100, safetyNet: 5000, maxRemembered: 2, scheduler: clock() });
    s.heard(hook(A));
    s.heard(hook(B));
    s.heard(hook(C)); // A forgotten
    s.complete(outcome(B));
    s.complete(outcome(C));
    expect(s.isLive()).toBe(true);
    s.complete(outcome(A));
    expect(s.isLive()).toBe(false);
  });

  it('passes outcomes on to a learning base schedule', () => {
    const outcomes: PollOutcome[] = [];
    const base = { next: () => 250, complete: (o: PollOutcome) => outcomes.push(o) };
    const s = safetyNetSchedule({ interval: base, scheduler: clock() });
    expect(s.next(ctx())).toBe(250);
    s.complete(outcome(A));
    expect(outcomes).toEqual([outcome(A)]);
  });

  it('heard works detached from the schedule (as a webhook handler’s onEvent)', () => {
    const s = safetyNetSchedule({ interval: 100, safetyNet: 5000, scheduler: clock() });
    const onEvent: (event: unknown, req: unknown) => void = s.heard;
    onEvent(hook(A), {});
    expect(s.isLive()).toBe(true);
    s.complete(outcome(A));
    expect(s.isLive()).toBe(true);
  });

  it('defaults to 2500 ms, and 30 s while live', () => {
    const s = safetyNetSchedule();
    expect(s.next(ctx())).toBe(2500);
    s.heard();
    expect(s.next(ctx())).toBe(30_000);
  });

  it('validates its options when called', () => {
    expect(() => safetyNetSchedule(5 as never)).toThrow(/\boptions: must be /);
    expect(() => safetyNetSchedule({ interval: -1 })).toThrow(/safetyNetSchedule: interval: must be /);
    expect(() => safetyNetSchedule({ safetyNet: Number.NaN })).toThrow(/\bsafetyNet: must be /);
    expect(() => safetyNetSchedule({ freshFor: Infinity })).toThrow(/\bfreshFor: must be /);
    expect(() => safetyNetSchedule({ maxRemembered: 0 })).toThrow(/\bmaxRemembered: must be /);
    expect(() => safetyNetSchedule({ assumeLive: 'yes' as never })).toThrow(/\bassumeLive: must be /);
    expect(() => safetyNetSchedule({ revertOnMiss: 1 as never })).toThrow(/\brevertOnMiss: must be /);
    expect(() => safetyNetSchedule({ scheduler: {} as never })).toThrow(/\bscheduler: must be /);
  });
});
