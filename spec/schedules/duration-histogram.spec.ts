import { DurationHistogram } from '../../lib/schedules/duration-histogram.js';
import { logNormal } from '../helpers/lognormal.js';

/** Relative closeness: the histogram's buckets are ≈ 4.4 % wide. */
const near = (actual: number, expected: number, tolerance = 0.05): void => {
  expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(tolerance);
};

describe('DurationHistogram', () => {
  it('is empty at first', () => {
    const h = new DurationHistogram();
    expect(h.count).toBe(0);
    expect(h.cdf(1000)).toBe(0);
    expect(h.quantile(0.5)).toBe(0);
  });

  it.each([
    [0.05, 8000 * Math.exp(-1.6449 * 0.7)],
    [0.5, 8000],
    [0.95, 8000 * Math.exp(1.6449 * 0.7)],
  ])('recovers the %p quantile of a log-normal sample within a bucket or two', (p, expected) => {
    const h = new DurationHistogram({ halfLife: Infinity });
    const next = logNormal({ median: 8000, sigma: 0.7, seed: 11 });
    for (let i = 0; i < 20_000; i += 1) h.add(next());
    near(h.quantile(p), expected, 0.06);
    near(h.cdf(h.quantile(p)), p, 0.02);
  });

  it('spreads an interval evenly when no prior is given', () => {
    const h = new DurationHistogram();
    h.addInterval(4000, 8000);
    expect(h.count).toBe(1);
    near(h.cdf(5000), 0.25, 0.03);
    near(h.cdf(6000), 0.5, 0.03);
    // Within a bucket (≈ 4.4 % wide) the position of weight is not kept.
    expect(h.cdf(8000 * 1.05)).toBeCloseTo(1, 9);
    expect(h.cdf(4000 / 1.05)).toBe(0);
  });

  it('spreads an interval by the prior when one is given', () => {
    const h = new DurationHistogram();
    // A prior that puts everything above 6 s: the sample lands in (6 s, 8 s].
    h.addInterval(0, 8000, (lo, hi) => Math.max(0, Math.min(hi, 8000) - Math.max(lo, 6000)));
    expect(h.cdf(6000 / 1.05)).toBe(0);
    near(h.cdf(7000), 0.5, 0.05);
  });

  it('lets old samples fade with the half-life', () => {
    const h = new DurationHistogram({ halfLife: 10 });
    for (let i = 0; i < 200; i += 1) h.add(1000);
    for (let i = 0; i < 10; i += 1) h.add(10_000);
    // 10 new samples: the old ones weigh half as much as they did, about as much as the new ones.
    near(h.cdf(5000), 0.5, 0.05);
    expect(h.count).toBe(210);
    expect(h.weight).toBeLessThan(40);
  });

  it('ignores non-finite samples and clamps negatives to 0', () => {
    const h = new DurationHistogram();
    h.add(NaN);
    h.add(Infinity);
    expect(h.count).toBe(0);
    h.add(-5);
    expect(h.count).toBe(1);
    expect(h.cdf(0.5)).toBeGreaterThan(0);
  });

  it('keeps very long durations in its last bucket (bounded memory)', () => {
    const h = new DurationHistogram();
    h.add(1e15);
    expect(Number.isFinite(h.quantile(1))).toBe(true);
    expect(h.cdf(1e16)).toBe(1);
  });

  it('smooths in log space without losing weight', () => {
    const h = new DurationHistogram();
    for (let i = 0; i < 50; i += 1) h.add(8000);
    const sharp = h.smoothedCdf(0);
    const smooth = h.smoothedCdf(0.3);
    expect(sharp(7000)).toBe(0);
    expect(smooth(7000)).toBeGreaterThan(0.2);
    near(smooth(8000), 0.5, 0.1);
    expect(smooth(1e12)).toBeCloseTo(1, 9);
  });

  it('refuses a bad halfLife with a TypeError naming it', () => {
    expect(() => new DurationHistogram({ halfLife: 0 })).toThrow(/\bhalfLife: must be /);
  });
});
