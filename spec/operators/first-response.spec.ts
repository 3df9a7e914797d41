import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { firstResponse } from '../../lib/operators/first-response.js';

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const empty = (): Error => new Error('no answer');

describe('firstResponse', () => {
  it('takes the first value and unsubscribes the source at once', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--|');
      expectObservable(source.pipe(firstResponse({ onEmpty: empty }))).toBe('--(a|)');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it("errors with onEmpty's error when the source completes without a value", () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('---|').pipe(firstResponse({ onEmpty: empty }))).toBe('---#', undefined, new Error('no answer'));
    });
  });

  it('tells settled of the value, or of the error (the source’s or the empty one), once', () => {
    const seen: unknown[] = [];
    const settled = (value: string | undefined, error?: unknown): number => seen.push(value ?? `error: ${(error as Error).message}`);
    newScheduler().run(({ cold, flush }) => {
      cold('-a-b|').pipe(firstResponse({ onEmpty: empty, settled })).subscribe({ error: () => undefined });
      cold('-#', undefined, new Error('boom')).pipe(firstResponse({ onEmpty: empty, settled })).subscribe({ error: () => undefined });
      cold('-|').pipe(firstResponse({ onEmpty: empty, settled })).subscribe({ error: () => undefined });
      flush();
    });
    expect(seen).toEqual(['a', 'error: boom', 'error: no answer']);
  });

  it('passes the value through clean; a throwing clean or settled is the stream’s error', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|').pipe(firstResponse({ onEmpty: empty, clean: (v) => v.toUpperCase() }))).toBe('-(A|)');
      const bad = new Error('unreadable');
      const throwing = (): never => {
        throw bad;
      };
      expectObservable(cold('-a|').pipe(firstResponse<string>({ onEmpty: empty, clean: throwing }))).toBe('-#', undefined, bad);
      expectObservable(cold('-a|').pipe(firstResponse<string>({ onEmpty: empty, settled: throwing }))).toBe('-#', undefined, bad);
    });
  });

  it('takes a synchronous first value and tears the source down', () => {
    let unsubscribed = false;
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1);
      subscriber.next(2);
      return () => (unsubscribed = true);
    });
    const seen: number[] = [];
    let completed = false;
    source.pipe(firstResponse({ onEmpty: empty })).subscribe({ next: (v) => seen.push(v), complete: () => (completed = true) });
    expect([seen, completed, unsubscribed]).toEqual([[1], true, true]);
  });
});
