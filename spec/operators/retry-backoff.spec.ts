import { Observable, VirtualTimeScheduler, defer, of, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { RunHelpers } from 'rxjs/testing';
import { retryBackoff } from '../../lib/operators/retry-backoff.js';
import type { RetryBackoffConfig } from '../../lib/operators/retry-backoff.js';
import { mulberry32 } from '../helpers/lognormal.js';

function createScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A seeded PRNG (mulberry32) quantised to eighths, so jittered delays stay whole frames. */
function seededRandom(seed: number): () => number {
  const random = mulberry32(seed);
  return () => Math.floor(random() * 8) / 8;
}

/** Subscribes to `sources[i]` on the i-th subscription. */
function attempts<T>(sources: ReadonlyArray<Observable<T>>): Observable<T> {
  let index = 0;
  return defer(() => {
    const source = sources[Math.min(index, sources.length - 1)];
    index += 1;
    if (source === undefined) throw new Error('no sources');
    return source;
  });
}

describe('retryBackoff', () => {
  describe('timing without jitter (backoff-rxjs compatible)', () => {
    it('waits 2^k · initialInterval before retry k, then errors after maxRetries', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#');
        // retries after 10, 20 and 40 ms; the fourth error goes through
        expectObservable(source.pipe(retryBackoff({ initialInterval: 10, maxRetries: 3 }))).toBe('78ms #');
        expectSubscriptions(source.subscriptions).toBe(['^-!', '12ms ^-!', '34ms ^-!', '76ms ^-!']);
      });
    });

    it('accepts a number as initialInterval and retries forever by default', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('a-#');
        expectObservable(source.pipe(retryBackoff(10)), '100ms !').toBe('a 11ms a 21ms a 41ms a');
        expectSubscriptions(source.subscriptions).toBe(['^-!', '12ms ^-!', '34ms ^-!', '76ms ^-!']);
      });
    });

    it('caps each delay at maxInterval', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#');
        // delays 10, 20, then min(40, 25) = 25 and min(80, 25) = 25
        expectObservable(source.pipe(retryBackoff({ initialInterval: 10, maxInterval: 25, maxRetries: 4 }))).toBe(
          '90ms #',
        );
        expectSubscriptions(source.subscriptions).toBe(['^-!', '12ms ^-!', '34ms ^-!', '61ms ^-!', '88ms ^-!']);
      });
    });

    it('uses a custom backoffDelay, numbering retries from 0', () => {
      const backoffDelay = jest.fn((iteration: number, initialInterval: number) => (iteration + 1) * initialInterval);
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#');
        expectObservable(source.pipe(retryBackoff({ initialInterval: 5, maxRetries: 2, backoffDelay }))).toBe('21ms #');
        expectSubscriptions(source.subscriptions).toBe(['^-!', '7ms ^-!', '19ms ^-!']);
      });
      expect(backoffDelay.mock.calls).toEqual([
        [0, 5],
        [1, 5],
      ]);
    });

    it('retries immediately (on the scheduler) when the delay is 0', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        expectObservable(source.pipe(retryBackoff({ initialInterval: 0, maxRetries: 2 }))).toBe('---#');
        expectSubscriptions(source.subscriptions).toBe(['^!', '-^!', '--^!']);
      });
    });

    it('passes values and completion through and never resubscribes after completion', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b-|');
        expectObservable(source.pipe(retryBackoff(10))).toBe('-a-b-|');
        expectSubscriptions(source.subscriptions).toBe('^----!');
      });
    });

    it('errors at once when maxRetries is 0, without asking shouldRetry', () => {
      const shouldRetry = jest.fn(() => true);
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#');
        expectObservable(source.pipe(retryBackoff({ initialInterval: 10, maxRetries: 0, shouldRetry }))).toBe('--#');
        expectSubscriptions(source.subscriptions).toBe('^-!');
      });
      expect(shouldRetry).not.toHaveBeenCalled();
    });

    it('keeps a separate retry count per subscription', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const retrying = cold('--#').pipe(retryBackoff({ initialInterval: 10, maxRetries: 1 }));
        expectObservable(retrying).toBe('14ms #');
        expectObservable(retrying, '5ms ^').toBe('19ms #');
      });
    });
  });

  describe('resetOnSuccess', () => {
    const sources = (cold: RunHelpers['cold']) =>
      ['--#', '--#', 'a-#', '--#', '--#', '--#'].map((marbles) => cold(marbles));

    it('when true, a value resets the count and the delay: maxRetries counts consecutive failures', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const [s0, s1, s2, s3, s4] = sources(cold);
        const source = attempts([s0!, s1!, s2!, s3!, s4!]);
        expectObservable(source.pipe(retryBackoff({ initialInterval: 10, maxRetries: 2, resetOnSuccess: true }))).toBe(
          '34ms a 35ms #',
        );
        expectSubscriptions(s0!.subscriptions).toBe('^-!');
        expectSubscriptions(s1!.subscriptions).toBe('12ms ^-!');
        expectSubscriptions(s2!.subscriptions).toBe('34ms ^-!');
        // the failure after "a" waits initialInterval again
        expectSubscriptions(s3!.subscriptions).toBe('46ms ^-!');
        expectSubscriptions(s4!.subscriptions).toBe('68ms ^-!');
      });
    });

    it('when false (the default), values do not reset the count', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const [s0, s1, s2, s3] = sources(cold);
        const source = attempts([s0!, s1!, s2!, s3!]);
        expectObservable(source.pipe(retryBackoff({ initialInterval: 10, maxRetries: 2 }))).toBe('34ms a-#');
        expectSubscriptions(s2!.subscriptions).toBe('34ms ^-!');
        expectSubscriptions(s3!.subscriptions).toBe([]);
      });
    });
  });

  describe('shouldRetry', () => {
    it('passes the error on at once when it returns false', () => {
      const shouldRetry = jest.fn((error: unknown) => error !== 'fatal');
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#', undefined, 'fatal');
        expectObservable(source.pipe(retryBackoff({ initialInterval: 10, shouldRetry }))).toBe('--#', undefined, 'fatal');
        expectSubscriptions(source.subscriptions).toBe('^-!');
      });
      expect(shouldRetry).toHaveBeenCalledWith('fatal');
    });

    it('retries transient errors and stops on the first fatal one', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const transient = cold('--#', undefined, 'transient');
        const fatal = cold('--#', undefined, 'fatal');
        const source = attempts([transient, transient, fatal]);
        const retrying = source.pipe(
          retryBackoff({ initialInterval: 10, shouldRetry: (error: string) => error === 'transient' }),
        );
        expectObservable(retrying).toBe('36ms #', undefined, 'fatal');
        expectSubscriptions(transient.subscriptions).toBe(['^-!', '12ms ^-!']);
        expectSubscriptions(fatal.subscriptions).toBe('34ms ^-!');
      });
    });

    it('accepts a typed predicate, as backoff-rxjs does', () => {
      class HttpLikeError extends Error {
        constructor(readonly status: number) {
          super(`status ${status}`);
        }
      }
      const config: RetryBackoffConfig = {
        initialInterval: 10,
        shouldRetry: (error: HttpLikeError) => error.status >= 500,
      };
      createScheduler().run(({ expectObservable }) => {
        const failing = throwError(() => new HttpLikeError(404));
        expectObservable(failing.pipe(retryBackoff(config))).toBe('#', undefined, new HttpLikeError(404));
      });
    });

    it('passes on an exception thrown by shouldRetry', () => {
      const boom = new Error('predicate failed');
      createScheduler().run(({ cold, expectObservable }) => {
        const retrying = cold('--#').pipe(
          retryBackoff({
            initialInterval: 10,
            shouldRetry: () => {
              throw boom;
            },
          }),
        );
        expectObservable(retrying).toBe('--#', undefined, boom);
      });
    });
  });

  describe('jitter', () => {
    it("'full' with a seeded random waits random() · 2^k · initialInterval, reproducibly", () => {
      const expectedDraws = [0.5, 0.375, 0.75];
      const draws = seededRandom(42);
      expect([draws(), draws(), draws()]).toEqual(expectedDraws);

      for (let run = 0; run < 2; run += 1) {
        const random = jest.fn(seededRandom(42));
        createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
          const source = cold('--#');
          // delays 0.5·80 = 40, 0.375·160 = 60, 0.75·320 = 240
          expectObservable(
            source.pipe(retryBackoff({ initialInterval: 80, maxRetries: 3, jitter: 'full', random })),
          ).toBe('348ms #');
          expectSubscriptions(source.subscriptions).toBe(['^-!', '42ms ^-!', '104ms ^-!', '346ms ^-!']);
        });
        expect(random).toHaveBeenCalledTimes(3);
      }
    });

    it("'full' jitter is applied after the maxInterval cap", () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#');
        const retrying = source.pipe(
          retryBackoff({ initialInterval: 40, maxInterval: 50, maxRetries: 2, jitter: 'full', random: () => 0.5 }),
        );
        // delays 0.5·40 = 20, then 0.5·min(80, 50) = 25
        expectObservable(retrying).toBe('51ms #');
        expectSubscriptions(source.subscriptions).toBe(['^-!', '22ms ^-!', '49ms ^-!']);
      });
    });

    it('a custom jitter function gets the capped delay and the random source', () => {
      const jitter = jest.fn((delay: number, random: () => number) => delay - 10 * random());
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#');
        expectObservable(
          source.pipe(retryBackoff({ initialInterval: 20, maxRetries: 2, jitter, random: () => 0.5 })),
        ).toBe('56ms #');
        expectSubscriptions(source.subscriptions).toBe(['^-!', '17ms ^-!', '54ms ^-!']);
      });
      expect(jitter.mock.calls.map(([delay]) => delay)).toEqual([20, 40]);
    });

    it("uses Math.random by default for 'full' jitter", () => {
      const spy = jest.spyOn(Math, 'random').mockReturnValue(0.25);
      try {
        createScheduler().run(({ cold, expectObservable }) => {
          const source = cold('--#');
          expectObservable(source.pipe(retryBackoff({ initialInterval: 40, maxRetries: 1, jitter: 'full' }))).toBe(
            '14ms #',
          );
        });
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('teardown and scheduler', () => {
    it('unsubscribing during a delay cancels the pending retry', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#');
        expectObservable(source.pipe(retryBackoff(10)), '20ms !').toBe('');
        // one retry at 12 (errors at 14); the second one (due at 34) never happens
        expectSubscriptions(source.subscriptions).toBe(['^-!', '12ms ^-!']);
      });
    });

    it('runs its delays on the given scheduler', () => {
      const scheduler = new VirtualTimeScheduler();
      let subscriptions = 0;
      const source = defer(() => {
        subscriptions += 1;
        return subscriptions < 3 ? throwError(() => new Error('transient')) : of('ok');
      });
      const values: string[] = [];
      source.pipe(retryBackoff({ initialInterval: 100, scheduler })).subscribe((value) => values.push(value));
      expect(subscriptions).toBe(1);
      scheduler.flush();
      expect(subscriptions).toBe(3);
      expect(values).toEqual(['ok']);
      expect(scheduler.now()).toBe(300);
    });
  });

  describe('config validation (at call time)', () => {
    it.each<[string, unknown, RegExp]>([
      ['a negative initialInterval', { initialInterval: -1 }, /initialInterval/],
      ['a NaN initialInterval', Number.NaN, /initialInterval/],
      ['an infinite initialInterval', { initialInterval: Infinity }, /initialInterval/],
      ['a missing initialInterval', {}, /initialInterval/],
      ['a string initialInterval', { initialInterval: '10' }, /initialInterval/],
      ['a fractional maxRetries', { initialInterval: 1, maxRetries: 1.5 }, /maxRetries/],
      ['a negative maxRetries', { initialInterval: 1, maxRetries: -1 }, /maxRetries/],
      ['a null maxRetries', { initialInterval: 1, maxRetries: null }, /maxRetries/],
      ['a NaN maxInterval', { initialInterval: 1, maxInterval: Number.NaN }, /maxInterval/],
      ['a negative maxInterval', { initialInterval: 1, maxInterval: -5 }, /maxInterval/],
      ['a non-function shouldRetry', { initialInterval: 1, shouldRetry: true }, /shouldRetry/],
      ['a non-boolean resetOnSuccess', { initialInterval: 1, resetOnSuccess: 'yes' }, /resetOnSuccess/],
      ['a non-function backoffDelay', { initialInterval: 1, backoffDelay: 2 }, /backoffDelay/],
      ['an unknown jitter', { initialInterval: 1, jitter: 'equal' }, /jitter/],
      ['a non-function random', { initialInterval: 1, random: 0.5 }, /random/],
      ['a non-scheduler scheduler', { initialInterval: 1, scheduler: {} }, /scheduler/],
      ['a null config', null, /config/],
      ['a string config', '500', /config/],
    ])('throws a TypeError for %s', (_, config, field) => {
      const call = () => retryBackoff(config as RetryBackoffConfig);
      expect(call).toThrow(TypeError);
      expect(call).toThrow(field);
    });

    it('accepts the defaults, Infinity limits and 0', () => {
      expect(() => retryBackoff(0)).not.toThrow();
      expect(() => retryBackoff({ initialInterval: 0, maxRetries: Infinity, maxInterval: Infinity })).not.toThrow();
      expect(() => retryBackoff({ initialInterval: 1, maxRetries: 0, maxInterval: 0 })).not.toThrow();
    });

    it('does not echo a string option in the message', () => {
      expect(() => retryBackoff({ initialInterval: 'secret-token' as unknown as number })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('secret-token') }),
      );
    });
  });
});
