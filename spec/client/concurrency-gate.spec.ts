import { Observable, of, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConcurrencyGate } from '../../lib/client/concurrency-gate.js';
import { TokenBucket } from '../../lib/client/token-bucket.js';

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('ConcurrencyGate', () => {
  it('keeps at most `limit` requests in flight and serves the rest first come first served', () => {
    const s = newScheduler();
    s.run((h) => {
      const gate = new ConcurrencyGate(2, s);
      const a = h.cold('30ms (a|)');
      const b = h.cold('10ms (b|)');
      const c = h.cold('10ms (c|)');
      const d = h.cold('10ms (d|)');
      // d asks at 1 ms, before c at 2 ms: d is served first.
      h.expectObservable(gate.wrap(a)).toBe('30ms (a|)');
      h.expectObservable(gate.wrap(b)).toBe('10ms (b|)');
      h.expectObservable(gate.wrap(c), '--^').toBe('--- 27ms (c|)');
      h.expectObservable(gate.wrap(d), '-^').toBe('- 19ms (d|)');
      h.flush();
      h.expectSubscriptions(a.subscriptions).toBe('^ 29ms !');
      h.expectSubscriptions(b.subscriptions).toBe('^ 9ms !');
      h.expectSubscriptions(d.subscriptions).toBe('10ms ^ 9ms !');
      h.expectSubscriptions(c.subscriptions).toBe('20ms ^ 9ms !');
      expect([gate.inFlight, gate.queued]).toEqual([0, 0]);
    });
  });

  it('lets a waiting request leave the queue without freeing a slot it never held', () => {
    const s = newScheduler();
    s.run((h) => {
      const gate = new ConcurrencyGate(1, s);
      const a = h.cold('20ms (a|)');
      const b = h.cold('5ms (b|)');
      const c = h.cold('5ms (c|)');
      h.expectObservable(gate.wrap(a)).toBe('20ms (a|)');
      h.expectObservable(gate.wrap(b), '^ 4ms !').toBe('');
      h.expectObservable(gate.wrap(c)).toBe('25ms (c|)');
      s.schedule(() => expect([gate.inFlight, gate.queued]).toEqual([1, 2]), 1);
      s.schedule(() => expect([gate.inFlight, gate.queued]).toEqual([1, 1]), 6);
      h.flush();
      expect(b.subscriptions).toEqual([]);
      h.expectSubscriptions(c.subscriptions).toBe('20ms ^ 4ms !');
    });
  });

  it('releases the slot when the request errors or is unsubscribed while in flight', () => {
    const s = newScheduler();
    s.run((h) => {
      const gate = new ConcurrencyGate(1, s);
      const a = h.cold('10ms #');
      const b = h.cold('50ms (b|)');
      const c = h.cold('(c|)');
      h.expectObservable(gate.wrap(a)).toBe('10ms #');
      h.expectObservable(gate.wrap(b), '^ 19ms !').toBe('');
      h.expectObservable(gate.wrap(c)).toBe('20ms (c|)');
      h.flush();
      h.expectSubscriptions(b.subscriptions).toBe('10ms ^ 9ms !');
      expect(gate.inFlight).toBe(0);
    });
  });

  it('does not count the wait in the queue against a timeout that sits inside the request', () => {
    const s = newScheduler();
    s.run((h) => {
      const gate = new ConcurrencyGate(1, s);
      const first = h.cold('15ms (a|)');
      const second = h.cold('15ms (b|)');
      let sentAt = -1;
      const timed = new Observable<string>((subscriber) => {
        sentAt = s.now();
        return second.subscribe(subscriber);
      });
      h.expectObservable(gate.wrap(first)).toBe('15ms (a|)');
      h.expectObservable(gate.wrap(timed)).toBe('30ms (b|)');
      h.flush();
      expect(sentAt).toBe(15);
    });
  });

  it('serves synchronous requests from a long queue without deep recursion', () => {
    const s = newScheduler();
    const gate = new ConcurrencyGate(1, s);
    gate.pause();
    let done = 0;
    const subs: Subscription[] = [];
    for (let i = 0; i < 20_000; i++) subs.push(gate.wrap(of(i)).subscribe({ complete: () => done++ }));
    expect(gate.queued).toBe(20_000);
    gate.resume();
    expect(done).toBe(20_000);
    expect([gate.inFlight, gate.queued]).toEqual([0, 0]);
  });

  it('starts nothing while paused and resumes in order', () => {
    const s = newScheduler();
    s.run((h) => {
      const gate = new ConcurrencyGate(4, s);
      gate.pause();
      const a = h.cold('(a|)');
      const b = h.cold('(b|)');
      h.expectObservable(gate.wrap(a)).toBe('10ms (a|)');
      h.expectObservable(gate.wrap(b), '--^').toBe('10ms (b|)');
      s.schedule(() => gate.resume(), 10);
    });
  });

  it('spaces requests out with a token bucket, first come first served', () => {
    const s = newScheduler();
    s.run((h) => {
      const gate = new ConcurrencyGate(Infinity, s, new TokenBucket(10, s, 2));
      const sent: number[] = [];
      const request = new Observable<number>((subscriber) => {
        sent.push(s.now());
        subscriber.complete();
      });
      for (let i = 0; i < 5; i++) gate.wrap(request).subscribe();
      h.flush();
      // a burst of 2, then one every 100 ms
      expect(sent).toEqual([0, 0, 100, 200, 300]);
    });
  });

  it('starts nothing once closed and cancels its rate timer', () => {
    const s = newScheduler();
    s.run((h) => {
      const gate = new ConcurrencyGate(1, s, new TokenBucket(1, s));
      const a = h.cold('(a|)');
      const b = h.cold('(b|)');
      h.expectObservable(gate.wrap(a)).toBe('(a|)');
      h.expectObservable(gate.wrap(b)).toBe('');
      s.schedule(() => gate.close(), 5);
      h.flush();
      expect(b.subscriptions).toEqual([]);
    });
    expect(s.actions.length).toBe(0);
  });
});
