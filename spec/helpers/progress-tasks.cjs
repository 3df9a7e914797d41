// Progress-reporting tasks for the poll-efficiency simulations, shared by the specs
// (spec/schedules/adaptive-progress.spec.ts) and the benchmark (bench/schedules.mjs), so both
// draw the same tasks: a queue wait (exponential, mean 2 s), then a log-normal run (median 30 s,
// σ 0.5) whose reported ratio is linear with noise, stalls, or jumps. Plain CommonJS, so the
// benchmark needs no TypeScript runner.
'use strict';
const { logNormal, mulberry32 } = require('./lognormal.cjs');

/**
 * `n` tasks of one seed: `{ start, end, progress(t) }` (ms after subscribe; `progress` is the ratio
 * reported at `t`, below 0.99 until the end).
 */
function progressTasks(n, seed, kind) {
  const random = mulberry32(seed * 7 + 1);
  const run = logNormal({ median: 30_000, sigma: 0.5, seed: seed * 13 + 5 });
  const gauss = logNormal({ median: 1, sigma: 1, seed: seed * 17 + 3 }); // its log is N(0, 1)
  return Array.from({ length: n }, () => {
    const start = -Math.log(1 - random()) * 2000;
    const r = run();
    let end = start + r;
    let ratioAt;
    if (kind === 'linear') {
      ratioAt = (t) => (t - start) / r;
    } else if (kind === 'stall') {
      const at = 0.2 + 0.5 * random();
      const length = (0.2 + 0.4 * random()) * r;
      end += length;
      ratioAt = (t) => {
        const x = t - start;
        return x < at * r ? x / r : x < at * r + length ? at : (x - length) / r;
      };
    } else {
      const at = 0.2 + 0.4 * random();
      const skipped = 0.15 + 0.2 * random();
      end = start + r * (1 - skipped);
      ratioAt = (t) => {
        const x = (t - start) / r;
        return x < at ? x : x + skipped;
      };
    }
    return { start, end, progress: (t) => Math.min(0.99, Math.max(0, ratioAt(t) + 0.02 * Math.log(gauss()))) };
  });
}

module.exports = { progressTasks };
