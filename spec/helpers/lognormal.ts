/**
 * Seeded randomness for simulations and benchmarks: a small PRNG and a log-normal duration
 * generator, so a run is the same every time. The implementation is lognormal.cjs, shared with
 * the benchmarks (bench/lognormal.mjs), so the specs and the benchmark draw the same durations.
 */
export { mulberry32, logNormal, type LogNormalOptions } from './lognormal.cjs';
