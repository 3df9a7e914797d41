import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { LatestShare } from '../../lib/client/share-latest.js';

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** An Observable whose subscribers join `share`. */
const joined = <T>(share: LatestShare<T>): Observable<T> => new Observable<T>((subscriber) => share.add(subscriber));

describe('LatestShare', () => {
  it('shares one subscription and replays the latest value to a late subscriber', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-|');
      const share = new LatestShare(source);
      const shared = joined(share);
      expectObservable(shared).toBe('a-b-c-|');
      expectObservable(shared, '---^').toBe('---bc-|');
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('resets when the last subscriber leaves: the next one starts afresh, with no replay', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d-|');
      const shared = joined(new LatestShare(source));
      expectObservable(shared, '^--!').toBe('a-b');
      expectObservable(shared, '-----^').toBe('-----a-b-c-d-|');
      expectSubscriptions(source.subscriptions).toBe(['^--!', '-----^-------!']);
    });
  });

  it('resets on error and on complete: a subscriber after the end reconnects', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-#');
      const shared = joined(new LatestShare(source));
      expectObservable(shared).toBe('a-#');
      expectObservable(shared, '----^').toBe('----a-#');
      expectSubscriptions(source.subscriptions).toBe(['^-!', '----^-!']);
    });
  });

  it('replays a seed before connecting, the source replacing it; a seed once connected is ignored', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const share = new LatestShare<string>(cold('--b|'));
      share.seed('s');
      const shared = joined(share);
      expectObservable(shared).toBe('s-b|');
      expectObservable(shared, '-^').toBe('-sb|');
    });
    const share = new LatestShare(new Observable<string>(() => undefined));
    const seen: string[] = [];
    joined(share).subscribe((v) => seen.push(v));
    share.seed('late');
    joined(share).subscribe((v) => seen.push(v));
    expect(seen).toEqual([]);
  });

  it('error() errors every subscriber and unsubscribes the source; before a connection it does nothing', () => {
    let unsubscribed = 0;
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1);
      return () => (unsubscribed += 1);
    });
    const share = new LatestShare(source);
    share.error(new Error('nothing connected'));
    const errors: unknown[] = [];
    joined(share).subscribe({ error: (e) => errors.push(e) });
    joined(share).subscribe({ error: (e) => errors.push(e) });
    const disposed = new Error('disposed');
    share.error(disposed);
    expect(errors).toEqual([disposed, disposed]);
    expect(unsubscribed).toBe(1);
  });

  it('calls the tap before the subscribers get each value', () => {
    const order: string[] = [];
    const share = new LatestShare(new Observable<string>((s) => s.next('v')), { beforeNext: (v) => order.push(`tap ${v}`) });
    joined(share).subscribe((v) => order.push(`got ${v}`));
    expect(order).toEqual(['tap v', 'got v']);
  });

  it('ignores the values of a connection that was replaced (a source ending while subscribed)', () => {
    const share = new LatestShare(
      new Observable<number>((subscriber) => {
        subscriber.next(1);
        subscriber.complete();
        subscriber.next(2); // after complete: RxJS drops it, and so would the stale connection
      }),
    );
    const seen: number[] = [];
    let completed = false;
    joined(share).subscribe({ next: (v) => seen.push(v), complete: () => (completed = true) });
    expect(seen).toEqual([1]);
    expect(completed).toBe(true);
  });
});
