import { normalCdf } from '../../lib/schedules/duration-histogram.js';
import { planPolls, type PollPlanConfig } from '../../lib/schedules/poll-plan.js';

const logNormalCdf = (median: number, sigma: number) => (t: number) => (t > 0 ? normalCdf(Math.log(t / median) / sigma) : 0);
const base: PollPlanConfig = { minGap: 2000, maxGap: 5000, targetDelay: 2375, budget: 0.05 };

/** Expected requests of a constant interval under `cdf`: 1 + Σ S(k·interval). */
const constantRequests = (cdf: (t: number) => number, interval: number): number => {
  let requests = 1;
  for (let t = 0; t < 1e6; t += interval) requests += 1 - cdf(t);
  return requests;
};

describe('planPolls', () => {
  it.each([
    // σ, at least this much fewer requests than a constant 2.5 s (the optimum at p95 parity)
    [0.6, 0.15],
    [0.7, 0.13],
    [0.8, 0.09],
  ])('log-normal σ %p: keeps late detections within budget with ≥ %p fewer requests than 2.5 s', (sigma, saving) => {
    const cdf = logNormalCdf(8000, sigma);
    const plan = planPolls(cdf, 8000 * Math.exp(3.1 * sigma), base);
    expect(plan.late).toBeLessThanOrEqual(base.budget);
    expect(plan.requests).toBeLessThanOrEqual((1 - saving) * constantRequests(cdf, 2500));
  });

  it('waits long while tasks are young, then polls targetDelay apart where they end', () => {
    const plan = planPolls(logNormalCdf(8000, 0.7), 50_000, base);
    const gaps = plan.times.slice(1).map((t, i) => t - (plan.times[i] ?? 0));
    expect(gaps[0]).toBeGreaterThan(4000);
    for (const gap of gaps.slice(1, 8)) expect(gap).toBeCloseTo(2375, 0);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(2000);
      expect(gap).toBeLessThanOrEqual(5000);
    }
  });

  it('with no budget, never leaves a gap where a task could end more than targetDelay before the next poll', () => {
    const cdf = logNormalCdf(8000, 0.7);
    const plan = planPolls(cdf, 60_000, { ...base, budget: 0 });
    expect(plan.late).toBeLessThan(1e-6);
    plan.times.forEach((t, i) => {
      const next = plan.times[i + 1];
      if (next !== undefined) expect(cdf(next - 2375) - cdf(t)).toBeLessThan(1e-6);
    });
  });

  it('spaces polls by maxGap where no task ends (a gap between two kinds of task)', () => {
    // Half the tasks end around 3 s, half around 60 s.
    const fast = logNormalCdf(3000, 0.1);
    const slow = logNormalCdf(60_000, 0.1);
    const plan = planPolls((t) => (fast(t) + slow(t)) / 2, 90_000, { ...base, budget: 0.01 });
    const between = plan.times.filter((t) => t > 8000 && t < 40_000);
    expect(between.length).toBeGreaterThan(4);
    between.slice(1).forEach((t, i) => {
      const gap = t - (between[i] ?? 0);
      expect(gap).toBeGreaterThan(0.95 * 5000); // maxGap, to the grid step
      expect(gap).toBeLessThanOrEqual(5000);
    });
  });

  it('gives the optimal wait from any time, and nothing past the horizon', () => {
    const plan = planPolls(logNormalCdf(8000, 0.7), 50_000, base);
    const second = plan.times[1] ?? 0;
    expect((plan.gapAt(0) ?? 0)).toBeCloseTo(second, 6);
    expect(plan.gapAt(plan.horizon + 1)).toBeUndefined();
    expect(plan.gapAt(10_000)).toBeGreaterThan(0);
  });
});
