// Seeded randomness for the poll-efficiency scenario: the same PRNG and log-normal generator the
// specs use — one implementation, spec/helpers/lognormal.cjs (plain CommonJS, so the benchmark
// needs no TypeScript runner).
export { mulberry32, logNormal } from '../spec/helpers/lognormal.cjs';

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank];
}
