import { VirtualTimeScheduler } from 'rxjs';
import { TokenBucket } from '../../lib/client/token-bucket.js';

/** A scheduler whose clock the test sets by hand. */
function clock(): { scheduler: VirtualTimeScheduler; at: (ms: number) => void } {
  const scheduler = new VirtualTimeScheduler();
  return { scheduler, at: (ms) => (scheduler.frame = ms) };
}

describe('TokenBucket', () => {
  it('allows a burst of `ratePerSecond` tokens, then one per 1000/rate ms', () => {
    const { scheduler, at } = clock();
    const bucket = new TokenBucket(4, scheduler);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0, 0]);
    expect(bucket.take()).toBe(250);
    at(100);
    expect(bucket.take()).toBe(150);
    at(250);
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(250);
  });

  it('never holds more than its burst, however long it was idle', () => {
    const { scheduler, at } = clock();
    const bucket = new TokenBucket(2, scheduler, 3);
    at(60_000);
    expect(bucket.available()).toBe(3);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(500);
  });

  it('handles rates below one per second and fractional rates without drift', () => {
    const { scheduler, at } = clock();
    const slow = new TokenBucket(0.5, scheduler);
    expect(slow.take()).toBe(0);
    expect(slow.take()).toBe(2000);
    at(2000);
    expect(slow.take()).toBe(0);

    const odd = clock();
    const bucket = new TokenBucket(3, odd.scheduler, 1);
    let sent = 0;
    for (let t = 0; t <= 10_000; t++) {
      odd.at(t);
      if (bucket.take() === 0) sent++;
    }
    // one at 0, then one every 333.3 ms: 31 in 10 s
    expect(sent).toBe(31);
  });
});
