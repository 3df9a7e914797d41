/**
 * Progress-aware pacing, in virtual time: tasks wait in a queue (exponential, mean 2 s), then run
 * for a log-normal time (median 30 s, σ 0.5) reporting PROGRESS `{ current, total: 100 }`:
 * linear with noise (sd 2 points), or with a stall (20–60 % of the run, somewhere between 20 and
 * 70 % of the work), or with a jump (15–35 % of the work skipped at once, between 20 and 60 %).
 * Responses take 100 ms. Same generator as bench/schedules.mjs.
 */
import { adaptiveSchedule } from '../../lib/schedules/adaptive-schedule.js';
import { constantSchedule } from '../../lib/schedules/constant-schedule.js';
import type { PollContext, PollOutcome, PollSchedule } from '../../lib/schedules/poll-schedule.js';
import { progressTasks, type ProgressKind } from '../helpers/progress-tasks.cjs';
import { percentile, simulatePolls, type SimulationResult } from './simulate-polls.js';

const LEARN = 50;
const EVALUATE = 1000;
const LATENCY = 100;
const SEEDS = [1, 2, 3];
/** The documented bound on a progress-paced wait: 6 × interval. */
const BOUND = 6 * 2500;

type Kind = ProgressKind;


/** A schedule that records the longest wait it returned for a task seen with progress. */
function recording(schedule: ReturnType<typeof adaptiveSchedule>): PollSchedule & { longest: number } {
  const spy = {
    longest: 0,
    next(context: PollContext): number {
      const wait = schedule.next(context);
      if (context.state !== undefined && 'progress' in context.state && context.state.progress !== undefined) spy.longest = Math.max(spy.longest, wait);
      return wait;
    },
    complete(outcome: PollOutcome): void {
      schedule.complete(outcome);
    },
  };
  return spy;
}

const pooledP95 = (runs: readonly SimulationResult[]): number => percentile(runs.flatMap((r) => r.delays).sort((a, b) => a - b), 0.95);
const saving = (run: SimulationResult, constant: SimulationResult): number => 1 - run.requestsPerTask / constant.requestsPerTask;

describe.each<[Kind, number, number]>([
  // kind, at least this much fewer requests than constant 2.5 s, p95 at most this × the constant's
  ['linear', 0.4, 1],
  ['stall', 0.4, 1.05],
  ['jump', 0.4, 1.05],
])('adaptiveSchedule on tasks reporting progress (%s; 3 seeds × 1000 tasks after 50 learned)', (kind, fewer, p95Ratio) => {
  const runs = SEEDS.map((seed) => {
    const tasks = progressTasks(LEARN + EVALUATE, seed, kind);
    const schedule = recording(adaptiveSchedule());
    simulatePolls(schedule, tasks.slice(0, LEARN), LATENCY);
    const adaptive = simulatePolls(schedule, tasks.slice(LEARN), LATENCY);
    const constant = simulatePolls(constantSchedule(2500), tasks.slice(LEARN), LATENCY);
    return { adaptive, constant, longest: schedule.longest };
  });

  it(`sends ≥ ${fewer * 100} % fewer requests than a constant 2.5 s, p95 delay ≤ ${p95Ratio} × the constant's`, () => {
    for (const run of runs) expect(saving(run.adaptive, run.constant)).toBeGreaterThanOrEqual(fewer);
    expect(pooledP95(runs.map((r) => r.adaptive))).toBeLessThanOrEqual(p95Ratio * pooledP95(runs.map((r) => r.constant)));
  });

  it('never waits longer than the documented bound (6 × interval) while paced by progress', () => {
    for (const run of runs) {
      expect(run.longest).toBeGreaterThan(2 * 2500); // it does wait long when the end is far…
      expect(run.longest).toBeLessThanOrEqual(BOUND); // …but never past the bound
    }
  });
});

describe('adaptiveSchedule without progress', () => {
  it('paces a task reporting plain STARTED exactly as one whose state is not given', () => {
    const tasks = progressTasks(300, 4, 'linear').map(({ start, end }) => ({ start, end }));
    const withState = adaptiveSchedule();
    const bare = adaptiveSchedule();
    const waits: number[][] = [[], []];
    const wrap = (schedule: ReturnType<typeof adaptiveSchedule>, into: number[], strip: boolean): PollSchedule => ({
      next: (context) => {
        const { state, ...rest } = context;
        const wait = schedule.next(strip ? rest : { ...rest, ...(state !== undefined ? { state } : {}) });
        into.push(wait);
        return wait;
      },
      complete: (outcome) => schedule.complete(outcome),
    });
    simulatePolls(wrap(withState, waits[0] ?? [], false), tasks, LATENCY);
    simulatePolls(wrap(bare, waits[1] ?? [], true), tasks, LATENCY);
    expect(waits[0]?.length).toBeGreaterThan(1000);
    expect(waits[0]).toEqual(waits[1]);
  });

  it('a stalled task is still polled at least every 6 × interval, however long it stalls', () => {
    const schedule = adaptiveSchedule();
    const taskId = 'stalled';
    const state = (ratio: number): PollContext['state'] => ({ phase: 'started', status: 'PROGRESS', meta: { current: ratio * 100, total: 100 }, progress: { current: ratio * 100, total: 100, ratio } });
    let t = 100;
    let polls = 1;
    const waits: number[] = [];
    for (; polls < 1000 && t < 3_600_000; polls += 1) {
      const ratio = Math.min(0.3, t / 100_000); // 1 % a second, then stuck at 30 % for an hour
      const wait = schedule.next({ taskId, polls, elapsed: t, phase: 'started', inPhase: t, state: state(ratio) });
      waits.push(wait);
      t += wait + LATENCY;
    }
    expect(t).toBeGreaterThanOrEqual(3_600_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(BOUND);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(2000); // minInterval
  });
});
