import fc from 'fast-check';
import {
  MAX_TIMER_DELAY,
  applyJitter,
  exponentialBackoffDelay,
  getDelay,
  retryDelay,
} from '../../lib/operators/backoff-delay.js';
import type { Jitter } from '../../lib/operators/backoff-delay.js';

describe('exponentialBackoffDelay', () => {
  it.each([
    [0, 500, 500],
    [1, 500, 1000],
    [2, 500, 2000],
    [5, 500, 16_000],
    [0, 0, 0],
    [10, 1, 1024],
  ])('iteration %i, initialInterval %i → %i ms', (iteration, initialInterval, expected) => {
    expect(exponentialBackoffDelay(iteration, initialInterval)).toBe(expected);
  });
});

describe('getDelay', () => {
  it.each([
    [500, 1000, 500],
    [2000, 1000, 1000],
    [1000, 1000, 1000],
    [Infinity, 30_000, 30_000],
    [4000, Infinity, 4000],
  ])('min(%d, %d) = %d', (delay, maxInterval, expected) => {
    expect(getDelay(delay, maxInterval)).toBe(expected);
  });
});

describe('applyJitter', () => {
  const fixed = (value: number) => () => value;

  it.each<[string, number, Jitter, number, number]>([
    ["'none' keeps the delay", 1000, 'none', 0.3, 1000],
    ["'full' scales by random()", 1000, 'full', 0.25, 250],
    ["'full' with random() = 0 gives 0", 1000, 'full', 0, 0],
    ["'full' stays below the delay", 1000, 'full', 0.999, 999],
    ['a custom jitter is used', 1000, (delay) => delay / 2, 0, 500],
    ['a custom jitter gets the random source', 1000, (delay, random) => delay * random(), 0.1, 100],
    ['a custom jitter above the delay is clamped to it', 1000, (delay) => delay * 3, 0, 1000],
    ['a negative custom jitter gives 0', 1000, () => -5, 0, 0],
    ['a NaN custom jitter gives 0', 1000, () => Number.NaN, 0, 0],
    ['a random() above 1 is clamped to the delay', 1000, 'full', 7, 1000],
    ['a negative random() gives 0', 1000, 'full', -1, 0],
    ['a NaN delay gives 0', Number.NaN, 'none', 0.5, 0],
    ['a negative delay gives 0', -100, 'full', 0.5, 0],
    ["'full' of an infinite delay stays infinite", Infinity, 'full', 0, Infinity],
  ])('%s', (_, delay, jitter, random, expected) => {
    expect(applyJitter(delay, jitter, fixed(random))).toBe(expected);
  });

  it("does not call random for 'none'", () => {
    const random = jest.fn(() => 0.5);
    applyJitter(1000, 'none', random);
    expect(random).not.toHaveBeenCalled();
  });
});

describe('retryDelay', () => {
  it.each<[string, number, Parameters<typeof retryDelay>[1], number]>([
    ['retry 0 waits initialInterval', 0, { initialInterval: 500 }, 500],
    ['retry 3 waits 2^3 · initialInterval', 3, { initialInterval: 500 }, 4000],
    ['the cap applies', 10, { initialInterval: 500, maxInterval: 30_000 }, 30_000],
    ['below the cap nothing changes', 2, { initialInterval: 500, maxInterval: 30_000 }, 2000],
    ['a custom backoffDelay is used', 4, { initialInterval: 100, backoffDelay: (i, init) => (i + 1) * init }, 500],
    ['the jitter applies after the cap', 10, { initialInterval: 500, maxInterval: 1000, jitter: 'full', random: () => 0.5 }, 500],
    ['a NaN backoffDelay gives 0', 1, { initialInterval: 500, backoffDelay: () => Number.NaN }, 0],
    ['a negative backoffDelay gives 0', 1, { initialInterval: 500, backoffDelay: () => -1 }, 0],
    ['an unbounded curve is kept under the timer limit', 2000, { initialInterval: 500 }, MAX_TIMER_DELAY],
  ])('%s', (_, k, options, expected) => {
    expect(retryDelay(k, options)).toBe(expected);
  });

  it('requires a random source when a jitter is asked for', () => {
    expect(() => retryDelay(0, { initialInterval: 500, jitter: 'full' })).toThrow(TypeError);
    expect(() => retryDelay(0, { initialInterval: 500, jitter: 'full' })).toThrow(/random/);
  });

  const jitterArb: fc.Arbitrary<Jitter> = fc.oneof(
    fc.constant<Jitter>('none'),
    fc.constant<Jitter>('full'),
    fc.double().map((factor): Jitter => (delay) => delay * factor),
    fc.double().map((value): Jitter => () => value),
  );

  it('every delay is within [0, maxInterval] for any config (property)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 5000 }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.oneof(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.constant(Infinity)),
        fc.option(fc.double(), { nil: undefined }),
        jitterArb,
        fc.double(),
        (k, initialInterval, maxInterval, curveValue, jitter, randomValue) => {
          const delay = retryDelay(k, {
            initialInterval,
            maxInterval,
            ...(curveValue === undefined ? {} : { backoffDelay: () => curveValue }),
            jitter,
            random: () => randomValue,
          });
          expect(Number.isNaN(delay)).toBe(false);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(maxInterval, MAX_TIMER_DELAY));
        },
      ),
    );
  });

  it("without jitter, follows min(2^k · initialInterval, maxInterval) (property)", () => {
    fc.assert(
      fc.property(fc.nat({ max: 30 }), fc.nat({ max: 10_000 }), fc.nat({ max: 1_000_000 }), (k, initialInterval, maxInterval) => {
        expect(retryDelay(k, { initialInterval, maxInterval })).toBe(Math.min(2 ** k * initialInterval, maxInterval));
      }),
    );
  });

  it("with 'full' jitter, never exceeds the un-jittered delay (property)", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 40 }),
        fc.nat({ max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (k, initialInterval, r) => {
          const full = retryDelay(k, { initialInterval });
          const jittered = retryDelay(k, { initialInterval, jitter: 'full', random: () => r });
          expect(jittered).toBeGreaterThanOrEqual(0);
          expect(jittered).toBeLessThanOrEqual(full);
        },
      ),
    );
  });
});
