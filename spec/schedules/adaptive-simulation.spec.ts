/**
 * The adaptive schedule's learning, in virtual time: tasks with seeded log-normal durations are
 * followed one after the other the way the pipeline does (first request at subscribe, `next`
 * after each running response, `complete` at the terminal one), and the requests and detection
 * delays (real end → the response that shows it) are compared with a constant 2.5 s.
 *
 * Durations: median 8 s, σ 0.7 (5th–95th percentile 2.5–25 s). At that spread, no schedule can
 * send more than ~14 % fewer requests than a constant 2.5 s at an equal p95 delay (see
 * poll-plan.spec.ts); the adaptive schedule gets ≈ 11 % on average over seeds.
 */
import { adaptiveSchedule, type AdaptiveScheduleConfig } from '../../lib/schedules/adaptive-schedule.js';
import { constantSchedule } from '../../lib/schedules/constant-schedule.js';
import { logNormal, mulberry32 } from '../helpers/lognormal.js';
import { percentile, simulatePolls, type SimulatedTask, type SimulationResult } from './simulate-polls.js';

const LEARN = 50;
const EVALUATE = 800;

const logNormalTasks = (n: number, seed: number, sigma = 0.7): SimulatedTask[] =>
  Array.from({ length: n }, logNormal({ median: 8000, sigma, seed })).map((end) => ({ end }));

/** Runs the first `LEARN` tasks through a fresh adaptive schedule, then measures the rest. */
function afterLearning(tasks: readonly SimulatedTask[], config: AdaptiveScheduleConfig = {}): SimulationResult {
  const schedule = adaptiveSchedule(config);
  simulatePolls(schedule, tasks.slice(0, LEARN));
  return simulatePolls(schedule, tasks.slice(LEARN));
}
const saving = (adaptive: SimulationResult, constant: SimulationResult): number => 1 - adaptive.requestsPerTask / constant.requestsPerTask;

describe('adaptiveSchedule learning (simulation, log-normal durations, median 8 s, σ 0.7)', () => {
  const tasks = logNormalTasks(LEARN + EVALUATE, 1);
  const constant = simulatePolls(constantSchedule(2500), tasks.slice(LEARN));

  it('is exactly the constant 2.5 s schedule before it has seen 20 tasks', () => {
    const first = tasks.slice(0, 19);
    const adaptive = simulatePolls(adaptiveSchedule(), first);
    const reference = simulatePolls(constantSchedule(2500), first);
    expect(adaptive.requests).toBe(reference.requests);
    expect(adaptive.delays).toEqual(reference.delays);
  });

  it('after 50 tasks, sends ≥ 10 % fewer requests per task than a constant 2.5 s at an equal or better p95 delay', () => {
    const adaptive = afterLearning(tasks);
    expect(saving(adaptive, constant)).toBeGreaterThanOrEqual(0.1);
    expect(adaptive.p95).toBeLessThanOrEqual(constant.p95);
    expect(adaptive.p50).toBeLessThanOrEqual(constant.p50 + 250);
  });

  it('is no worse than the constant while it learns from its first tasks (20–50, pooled over 20 seeds)', () => {
    const adaptiveDelays: number[] = [];
    const constantDelays: number[] = [];
    let adaptiveRequests = 0;
    let constantRequests = 0;
    for (let seed = 100; seed < 120; seed += 1) {
      const run = logNormalTasks(LEARN, seed);
      const schedule = adaptiveSchedule();
      simulatePolls(schedule, run.slice(0, 20));
      const adaptive = simulatePolls(schedule, run.slice(20));
      const reference = simulatePolls(constantSchedule(2500), run.slice(20));
      adaptiveDelays.push(...adaptive.delays);
      constantDelays.push(...reference.delays);
      adaptiveRequests += adaptive.requests;
      constantRequests += reference.requests;
    }
    const sort = (values: number[]): number[] => values.sort((a, b) => a - b);
    expect(adaptiveRequests).toBeLessThan(constantRequests);
    expect(percentile(sort(adaptiveDelays), 0.95)).toBeLessThanOrEqual(percentile(sort(constantDelays), 0.95));
  });

  it('trades promptness for requests when told to: targetDelay 3 s, ≥ 20 % fewer requests, p95 within 3 s', () => {
    const adaptive = afterLearning(tasks, { targetDelay: 3000 });
    expect(saving(adaptive, constant)).toBeGreaterThanOrEqual(0.2);
    expect(adaptive.p95).toBeLessThanOrEqual(3000);
  });
});

describe('adaptiveSchedule learning (simulation, a queue wait then a steadier run)', () => {
  // Tasks wait in a queue (exponential, mean 10 s), then run for log-normal(4 s, σ 0.3).
  const random = mulberry32(2024);
  const run = logNormal({ median: 4000, sigma: 0.3, seed: 2025 });
  const tasks: SimulatedTask[] = Array.from({ length: LEARN + EVALUATE }, () => {
    const start = -Math.log(1 - random()) * 10_000;
    return { start, end: start + run() };
  });
  const constant = simulatePolls(constantSchedule(2500), tasks.slice(LEARN));

  it('uses the STARTED phase: ≥ 20 % fewer requests than a constant 2.5 s and ≥ 10 % fewer than without phases, p95 no worse', () => {
    const aware = afterLearning(tasks);
    const blind = afterLearning(tasks.map(({ end }) => ({ end })));
    expect(saving(aware, constant)).toBeGreaterThanOrEqual(0.2);
    expect(saving(aware, blind)).toBeGreaterThanOrEqual(0.1);
    expect(aware.p95).toBeLessThanOrEqual(constant.p95);
  });
});
