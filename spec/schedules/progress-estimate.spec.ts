import { addProgressSample, estimateProgress, latestEnd, MAX_PROGRESS_SAMPLES, progressRatio, type ProgressSample } from '../../lib/schedules/progress-estimate.js';
import { mulberry32 } from '../helpers/lognormal.js';

/** Feeds reports `[at, ratio]` through addProgressSample, as the schedule does. */
const history = (reports: ReadonlyArray<readonly [number, number]>): readonly ProgressSample[] =>
  reports.reduce<readonly ProgressSample[]>((h, [at, ratio]) => addProgressSample(h, at, ratio), []);

/** Reports every `every` ms from `from` to `to` of a task whose ratio at t is `ratioAt(t)`. */
const reportsOf = (ratioAt: (t: number) => number, from: number, to: number, every = 2500): Array<[number, number]> => {
  const out: Array<[number, number]> = [];
  for (let t = from; t <= to; t += every) out.push([t, Math.round(Math.min(1, Math.max(0, ratioAt(t))) * 100) / 100]);
  return out;
};

describe('progress estimator', () => {
  const random = mulberry32(77);
  const noise = (): number => 0.02 * (random() + random() + random() - 1.5) * 2; // ≈ N(0, 0.02)

  // Tasks of 40 s starting at 3 s (their end: 43 s); the estimate is read at 20 s.
  it.each<[string, Array<[number, number]>, (remaining: number) => boolean]>([
    // The estimate allows for reports 3 points off, so it is a little early even without noise.
    ['linear: ends at 43 s, seen at 20 s → about 23 s left, a little early', reportsOf((t) => (t - 3000) / 40_000, 5000, 20_000), (r) => r <= 23_000 && r >= 23_000 * 0.85],
    ['noisy (sd 2 points): early rather than late, within 40 %', reportsOf((t) => (t - 3000) / 40_000 + noise(), 5000, 20_000), (r) => r <= 23_000 * 1.1 && r >= 23_000 * 0.6],
    // Ran at 1/40 000 per ms until 12 s, then stalled: the pace before the stall is kept, so the
    // estimate is what the task needs once it resumes (31 s of work left), not a slower average.
    ['stalled since 12 s: the pace before the stall is kept', reportsOf((t) => (Math.min(t, 12_000) - 3000) / 40_000, 5000, 30_000), (r) => r <= 31_000 * 1.05 && r >= 31_000 * 0.8],
    // A jump of 0.3 at 15 s: the end comes earlier, and so does the estimate.
    ['jumped by 0.3 at 15 s: the estimate moves earlier', reportsOf((t) => (t - 3000) / 40_000 + (t >= 15_000 ? 0.3 : 0), 5000, 20_000), (r) => r < 23_000 * 0.7],
    ['at 100 % but not done: nothing left', [[5000, 0.5], [10_000, 1]], (r) => r === 0],
  ])('%s', (_, reports, ok) => {
    const estimate = estimateProgress(history(reports), 2500);
    expect(estimate).toBeDefined();
    expect(ok(estimate?.remaining ?? NaN)).toBe(true);
  });

  it.each<[string, Array<[number, number]>]>([
    ['no reports', []],
    ['one report', [[5000, 0.2]]],
    ['reports closer than the shortest window', [[5000, 0.2], [6000, 0.25]]],
    ['no progress between reports', [[5000, 0.2], [10_000, 0.2], [15_000, 0.2]]],
    ['only zeros (not started)', [[5000, 0], [10_000, 0]]],
  ])('cannot tell from %s', (_, reports) => {
    expect(estimateProgress(history(reports), 2500)).toBeUndefined();
  });

  it('keeps the first report and the latest ones, ignores reports out of order, restarts on a drop', () => {
    let h = history(reportsOf((t) => t / 100_000, 1000, 60_000, 1000));
    expect(h).toHaveLength(MAX_PROGRESS_SAMPLES);
    expect(h[0]?.at).toBe(1000);
    expect(h[h.length - 1]?.at).toBe(60_000);
    expect(addProgressSample(h, 59_000, 0.7)).toBe(h);
    h = addProgressSample(h, 61_000, 0.1); // from 0.6 to 0.1: a restart
    expect(h).toEqual([{ at: 61_000, ratio: 0.1 }]);
    expect(addProgressSample(h, 62_000, Number.NaN)).toBe(h);
  });

  it.each<[string, unknown, number | undefined]>([
    ['state.progress', { phase: 'started', status: 'PROGRESS', meta: { current: 3, total: 4 }, progress: { current: 3, total: 4, ratio: 0.75 } }, 0.75],
    ['meta only', { phase: 'started', status: 'PROGRESS', meta: { current: 1, total: 4 } }, 0.25],
    ['over 100 %', { phase: 'started', status: 'PROGRESS', meta: { current: 9, total: 4 } }, 1],
    ['total 0', { phase: 'started', status: 'PROGRESS', meta: { current: 0, total: 0 } }, undefined],
    ['plain STARTED', { phase: 'started', status: 'STARTED', meta: { pid: 1, hostname: 'w' } }, undefined],
    ['strings', { phase: 'started', status: 'PROGRESS', meta: { current: '1', total: '2' } }, undefined],
    ['no state', undefined, undefined],
    ['a primitive', 42, undefined],
  ])('reads the ratio from %s', (_, state, ratio) => {
    expect(progressRatio(state)).toBe(ratio);
  });
});

describe('latestEnd (one report)', () => {
  it.each<[string, number, ProgressSample | undefined, number | undefined]>([
    ['40 % after 4 s: at least that pace, so at most 6 s more', 1000, { at: 5000, ratio: 0.4 }, 6000],
    ['90 % after 9 s: at most 1 s more', 0, { at: 9000, ratio: 0.9 }, 1000],
    ['no report', 0, undefined, undefined],
    ['a report at the idle time', 5000, { at: 5000, ratio: 0.4 }, undefined],
  ])('%s', (_, idleAt, first, expected) => {
    const latest = latestEnd(idleAt, first);
    if (expected === undefined) expect(latest).toBeUndefined();
    else expect(latest).toBeCloseTo(expected, 6);
  });
});
