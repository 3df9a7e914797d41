'use strict';
// Seeded randomness for simulations and benchmarks: a small PRNG and a log-normal duration
// generator, so a run is the same every time. The one implementation: the specs import it through
// spec/helpers/lognormal.ts (types in lognormal.d.cts), the benchmarks through bench/lognormal.mjs.
// Plain CommonJS so that both can load it without a TypeScript runner.

/** mulberry32: a fast 32-bit seeded PRNG returning numbers in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded log-normal generator (Box–Muller): each call returns one duration. */
function logNormal({ median, sigma, seed }) {
  const random = typeof seed === 'function' ? seed : mulberry32(seed);
  const mu = Math.log(median);
  let spare;
  return () => {
    let z;
    if (spare !== undefined) {
      z = spare;
      spare = undefined;
    } else {
      const u = 1 - random(); // (0, 1]
      const v = random();
      const r = Math.sqrt(-2 * Math.log(u));
      z = r * Math.cos(2 * Math.PI * v);
      spare = r * Math.sin(2 * Math.PI * v);
    }
    return Math.exp(mu + sigma * z);
  };
}

module.exports = { mulberry32, logNormal };
