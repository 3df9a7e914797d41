import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { LatestShare } from '../../lib/client/share-latest.js';

/** What a share's owner hears (the subclass's methods, as options). */
interface Tap<T> {
  beforeNext?(value: T): void;
  onError?(error: unknown): void;
  forSubscriber?(value: T): T;
}

/** A share of `source`, its methods from `tap`: what a client's task entry does with its loop. */
function shareOf<T>(source: Observable<T>, tap: Tap<T> = {}): LatestShare<T> {
  return new (class extends LatestShare<T> {
    protected open(): Observable<T> {
      return source;
    }
    protected override beforeNext(value: T): void {
      tap.beforeNext?.(value);
    }
    protected override onError(error: unknown): void {
      tap.onError?.(error);
    }
    protected override forSubscriber(value: T): T {
      return tap.forSubscriber === undefined ? value : tap.forSubscriber(value);
    }
  })();
}

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** An Observable whose subscribers join `share`. */
const joined = <T>(share: LatestShare<T>): Observable<T> => new Observable<T>((subscriber) => share.add(subscriber));

describe('LatestShare', () => {
  it('shares one subscription and replays the latest value to a late subscriber', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-|');
      const share = shareOf(source);
      const shared = joined(share);
      expectObservable(shared).toBe('a-b-c-|');
      expectObservable(shared, '---^').toBe('---bc-|');
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('resets when the last subscriber leaves: the next one starts afresh, with no replay', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d-|');
      const shared = joined(shareOf(source));
      expectObservable(shared, '^--!').toBe('a-b');
      expectObservable(shared, '-----^').toBe('-----a-b-c-d-|');
      expectSubscriptions(source.subscriptions).toBe(['^--!', '-----^-------!']);
    });
  });

  it('resets on error and on complete: a subscriber after the end reconnects', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-#');
      const shared = joined(shareOf(source));
      expectObservable(shared).toBe('a-#');
      expectObservable(shared, '----^').toBe('----a-#');
      expectSubscriptions(source.subscriptions).toBe(['^-!', '----^-!']);
    });
  });

  it('replays a seed before connecting, the source replacing it; a seed once connected is ignored', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const share = shareOf<string>(cold('--b|'));
      share.seed('s');
      const shared = joined(share);
      expectObservable(shared).toBe('s-b|');
      expectObservable(shared, '-^').toBe('-sb|');
    });
    const share = shareOf(new Observable<string>(() => undefined));
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
    const share = shareOf(source);
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
    const share = shareOf(new Observable<string>((s) => s.next('v')), { beforeNext: (v) => order.push(`tap ${v}`) });
    joined(share).subscribe((v) => order.push(`got ${v}`));
    expect(order).toEqual(['tap v', 'got v']);
  });

  it('ignores the values of a connection that was replaced (a source ending while subscribed)', () => {
    const share = shareOf(
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

  it('gives each subscriber what forSubscriber makes of a value, the replay included', () => {
    const share = shareOf(new Observable<{ n: number }>((s) => s.next({ n: 1 })), { forSubscriber: (v) => ({ ...v }) });
    const a: Array<{ n: number }> = [];
    const b: Array<{ n: number }> = [];
    joined(share).subscribe((v) => a.push(v));
    joined(share).subscribe((v) => b.push(v)); // the replay
    expect(a).toEqual([{ n: 1 }]);
    expect(b).toEqual([{ n: 1 }]);
    expect(a[0]).not.toBe(b[0]);
  });

  it('tells onError of a source error before its subscribers get it, and not of error()', () => {
    const order: string[] = [];
    const failing = shareOf(new Observable<string>((s) => s.error(new Error('boom'))), {
      onError: (e) => order.push(`tap ${(e as Error).message}`),
    });
    joined(failing).subscribe({ error: (e: Error) => order.push(`got ${e.message}`) });
    expect(order).toEqual(['tap boom', 'got boom']);

    const open = shareOf(new Observable<string>(() => undefined), { onError: () => order.push('tap dispose') });
    joined(open).subscribe({ error: (e: Error) => order.push(`got ${e.message}`) });
    open.error(new Error('disposed'));
    expect(order).toEqual(['tap boom', 'got boom', 'got disposed']);
  });

  it('unsubscribes the source when the last subscriber is removed, and ends the source subscription when it ends', () => {
    newScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const source = cold('a---b-|');
      const share = shareOf(source);
      const first = joined(share).subscribe();
      const second = joined(share).subscribe();
      first.unsubscribe();
      second.unsubscribe();
      const again = cold('a-|');
      const ending = shareOf(again);
      joined(ending).subscribe();
      flush();
      expectSubscriptions(source.subscriptions).toBe('(^!)');
      expectSubscriptions(again.subscriptions).toBe('^-!');
    });
  });
});
