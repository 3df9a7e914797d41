/**
 * The adaptive schedule's learning, in virtual time: tasks with seeded log-normal durations are
 * followed one after the other the way the pipeline does (first request at subscribe, `next`
 * after each running response, `complete` at the terminal one; responses take 100 ms), and the
 * requests and detection delays (real end → the response that shows it) are compared with a
 * constant 2.5 s and with the oracle: the optimal schedule knowing the true law (oracle.ts),
 * allowed exactly the constant's p95 on the same tasks.
 *
 * Durations: median 8 s, σ 0.6–0.8 (at σ 0.7 the 5th–95th percentiles are 2.5–25 s). At that
 * spread even the oracle saves only 9–19 % of a constant 2.5 s's requests at an equal p95.
 */
import { adaptiveSchedule, type AdaptiveScheduleConfig } from '../../lib/schedules/adaptive-schedule.js';
import { constantSchedule } from '../../lib/schedules/constant-schedule.js';
import { logNormal, mulberry32 } from '../helpers/lognormal.js';
import { oracleSchedule } from './oracle.js';
import { percentile, simulatePolls, type SimulatedTask, type SimulationResult } from './simulate-polls.js';

const LEARN = 50;
const EVALUATE = 1000;
const LATENCY = 100;
const SEEDS = [1, 2, 3];

const logNormalTasks = (n: number, seed: number, sigma = 0.7, earlyStarted = false): SimulatedTask[] => {
  const random = mulberry32(seed * 4099 + 17);
  return Array.from({ length: n }, logNormal({ median: 8000, sigma, seed })).map((end) =>
    earlyStarted ? { end, start: Math.min(end, 100 + 400 * random()) } : { end },
  );
};

/** Runs the first `LEARN` tasks through a fresh adaptive schedule, then measures the rest. */
function afterLearning(tasks: readonly SimulatedTask[], config: AdaptiveScheduleConfig = {}, latency = LATENCY): SimulationResult {
  const schedule = adaptiveSchedule(config);
  simulatePolls(schedule, tasks.slice(0, LEARN), latency);
  return simulatePolls(schedule, tasks.slice(LEARN), latency);
}
const saving = (run: SimulationResult, constant: SimulationResult): number => 1 - run.requestsPerTask / constant.requestsPerTask;
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
const pooledP95 = (runs: readonly SimulationResult[]): number => percentile(runs.flatMap((r) => r.delays).sort((a, b) => a - b), 0.95);

describe('adaptiveSchedule learning (simulation, log-normal durations, median 8 s, responses in 100 ms)', () => {
  it('is exactly the constant 2.5 s schedule before it has seen 20 tasks', () => {
    const first = logNormalTasks(19, 1);
    const adaptive = simulatePolls(adaptiveSchedule(), first, LATENCY);
    const reference = simulatePolls(constantSchedule(2500), first, LATENCY);
    expect(adaptive.requests).toBe(reference.requests);
    expect(adaptive.delays).toEqual(reference.delays);
  });

  describe.each([
    [0.6, false],
    [0.7, false],
    [0.8, false],
    [0.6, true],
    [0.7, true],
    [0.8, true],
  ])('σ %p, early STARTED %p (3 seeds × 1000 tasks after 50 learned)', (sigma, earlyStarted) => {
    const runs = SEEDS.map((seed) => {
      const tasks = logNormalTasks(LEARN + EVALUATE, seed, sigma, earlyStarted);
      const evaluated = tasks.slice(LEARN);
      const constant = simulatePolls(constantSchedule(2500), evaluated, LATENCY);
      const oracle = simulatePolls(oracleSchedule({ median: 8000, sigma, latency: LATENCY, delay: constant.p95, seed }), evaluated, LATENCY);
      const adaptive = afterLearning(tasks);
      return { constant, oracle, adaptive };
    });

    it("saves ≥ 90 % of what the oracle saves (median over seeds), at a p95 delay no worse than the constant's", () => {
      const share = median(runs.map((r) => saving(r.adaptive, r.constant) / saving(r.oracle, r.constant)));
      expect(share).toBeGreaterThanOrEqual(0.9);
      expect(pooledP95(runs.map((r) => r.adaptive))).toBeLessThanOrEqual(pooledP95(runs.map((r) => r.constant)));
    });

    it('spends the delay the target allows: its p95 is within 1.5 % of the constant’s, not far below', () => {
      expect(pooledP95(runs.map((r) => r.adaptive))).toBeGreaterThanOrEqual(0.985 * pooledP95(runs.map((r) => r.constant)));
    });
  });

  it('keeps its bound while it learns (tasks 20–50, pooled over 40 seeds): fewer requests, p95 no worse', () => {
    for (const sigma of [0.6, 0.7, 0.8]) {
      const adaptive: SimulationResult[] = [];
      const constant: SimulationResult[] = [];
      for (let seed = 100; seed < 140; seed += 1) {
        const run = logNormalTasks(LEARN, seed, sigma);
        const schedule = adaptiveSchedule();
        simulatePolls(schedule, run.slice(0, 20), LATENCY);
        adaptive.push(simulatePolls(schedule, run.slice(20), LATENCY));
        constant.push(simulatePolls(constantSchedule(2500), run.slice(20), LATENCY));
      }
      const requests = (rs: SimulationResult[]): number => rs.reduce((sum, r) => sum + r.requests, 0);
      expect(requests(adaptive)).toBeLessThan(requests(constant));
      expect(pooledP95(adaptive)).toBeLessThanOrEqual(pooledP95(constant));
    }
  });

  it('trades promptness for requests when told to: targetDelay 3 s, ≥ 20 % fewer requests, p95 within 3 s (3 seeds pooled)', () => {
    const runs = SEEDS.map((seed) => {
      const tasks = logNormalTasks(LEARN + EVALUATE, seed);
      return { constant: simulatePolls(constantSchedule(2500), tasks.slice(LEARN), LATENCY), adaptive: afterLearning(tasks, { targetDelay: 3000 }) };
    });
    expect(median(runs.map((r) => saving(r.adaptive, r.constant)))).toBeGreaterThanOrEqual(0.2);
    expect(pooledP95(runs.map((r) => r.adaptive))).toBeLessThanOrEqual(3000);
  });
});

describe('adaptiveSchedule learning (simulation, a queue wait then a steadier run)', () => {
  // Tasks wait in a queue (exponential, mean 10 s), then run for log-normal(4 s, σ 0.3).
  const random = mulberry32(2024);
  const run = logNormal({ median: 4000, sigma: 0.3, seed: 2025 });
  const tasks: SimulatedTask[] = Array.from({ length: LEARN + 800 }, () => {
    const start = -Math.log(1 - random()) * 10_000;
    return { start, end: start + run() };
  });
  const constant = simulatePolls(constantSchedule(2500), tasks.slice(LEARN));

  it('uses the STARTED phase: ≥ 20 % fewer requests than a constant 2.5 s and ≥ 10 % fewer than without phases, p95 no worse', () => {
    const aware = afterLearning(tasks, {}, 0);
    const blind = afterLearning(
      tasks.map(({ end }) => ({ end })),
      {},
      0,
    );
    expect(saving(aware, constant)).toBeGreaterThanOrEqual(0.2);
    expect(saving(aware, blind)).toBeGreaterThanOrEqual(0.1);
    expect(aware.p95).toBeLessThanOrEqual(constant.p95);
  });
});
