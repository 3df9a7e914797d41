import { VirtualTimeScheduler, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { intervalBackoff } from '../../lib/operators/interval-backoff.js';
import type { IntervalBackoffConfig } from '../../lib/operators/interval-backoff.js';

function createScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const iterations = { a: 0, b: 1, c: 2, d: 3, e: 4, f: 5 };

describe('intervalBackoff', () => {
  it('emits 0 at once, then each next number 2^i · initialInterval later', () => {
    createScheduler().run(({ expectObservable }) => {
      // 0 at 0, 1 at 10, 2 at 30, 3 at 70, 4 at 150
      expectObservable(intervalBackoff(10), '160ms !').toBe('a 9ms b 19ms c 39ms d 79ms e', iterations);
    });
  });

  it('caps each gap at maxInterval', () => {
    createScheduler().run(({ expectObservable }) => {
      // gaps 10, 20, then 25, 25, 25
      expectObservable(intervalBackoff({ initialInterval: 10, maxInterval: 25 }), '106ms !').toBe(
        'a 9ms b 19ms c 24ms d 24ms e 24ms f',
        iterations,
      );
    });
  });

  it('uses a custom backoffDelay', () => {
    const backoffDelay = jest.fn((iteration: number, initialInterval: number) => (iteration + 1) * initialInterval);
    createScheduler().run(({ expectObservable }) => {
      expectObservable(intervalBackoff({ initialInterval: 5, backoffDelay }).pipe(take(4))).toBe(
        'a 4ms b 9ms c 14ms (d|)',
        iterations,
      );
    });
    expect(backoffDelay.mock.calls.slice(0, 3)).toEqual([
      [0, 5],
      [1, 5],
      [2, 5],
    ]);
  });

  it('takes a negative initialInterval as 0, as backoff-rxjs does', () => {
    createScheduler().run(({ expectObservable }) => {
      expectObservable(intervalBackoff(-100).pipe(take(3))).toBe('(abc|)', iterations);
    });
  });

  it('applies a jitter with the given random source', () => {
    createScheduler().run(({ expectObservable }) => {
      const jittered = intervalBackoff({ initialInterval: 20, jitter: 'full', random: () => 0.5 }).pipe(take(4));
      // gaps 0.5·20, 0.5·40, 0.5·80
      expectObservable(jittered).toBe('a 9ms b 19ms c 39ms (d|)', iterations);
    });
  });

  it('restarts from 0 for each subscriber and stops on unsubscribe', () => {
    createScheduler().run(({ expectObservable }) => {
      const interval$ = intervalBackoff(10);
      expectObservable(interval$, '^ 30ms !').toBe('a 9ms b 19ms c', iterations);
      expectObservable(interval$, '5ms ^ 20ms !').toBe('5ms a 9ms b', iterations);
    });
  });

  it('runs its first emission and every gap on the given scheduler', () => {
    const scheduler = new VirtualTimeScheduler();
    const seen: Array<[number, number]> = [];
    const subscription = intervalBackoff({ initialInterval: 100, maxInterval: 400 }, scheduler).subscribe((value) =>
      seen.push([value, scheduler.now()]),
    );
    expect(seen).toEqual([]);
    scheduler.maxFrames = 1500;
    scheduler.flush();
    subscription.unsubscribe();
    expect(seen).toEqual([
      [0, 0],
      [1, 100],
      [2, 300],
      [3, 700],
      [4, 1100],
      [5, 1500],
    ]);
  });

  describe('config validation (at call time)', () => {
    it.each<[string, unknown, unknown, RegExp]>([
      ['a NaN initialInterval', Number.NaN, undefined, /initialInterval/],
      ['an infinite initialInterval', { initialInterval: Infinity }, undefined, /initialInterval/],
      ['a missing initialInterval', {}, undefined, /initialInterval/],
      ['a negative maxInterval', { initialInterval: 1, maxInterval: -1 }, undefined, /maxInterval/],
      ['a non-function backoffDelay', { initialInterval: 1, backoffDelay: 'exp' }, undefined, /backoffDelay/],
      ['an unknown jitter', { initialInterval: 1, jitter: 'half' }, undefined, /jitter/],
      ['a non-function random', { initialInterval: 1, random: 1 }, undefined, /random/],
      ['a non-scheduler', 10, { now: 1 }, /scheduler/],
      ['a null config', null, undefined, /config/],
    ])('throws a TypeError for %s', (_, config, scheduler, field) => {
      const call = () =>
        intervalBackoff(config as IntervalBackoffConfig, scheduler as VirtualTimeScheduler | undefined);
      expect(call).toThrow(TypeError);
      expect(call).toThrow(field);
    });
  });
});
