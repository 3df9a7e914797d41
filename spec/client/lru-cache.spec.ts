import { LruCache } from '../../lib/client/lru-cache.js';

describe('LruCache', () => {
  let time = 0;
  const now = (): number => time;
  beforeEach(() => (time = 0));

  it('forgets an entry `ttl` ms after it was stored, reading still does not extend it', () => {
    const cache = new LruCache<string>(10, 100, now);
    cache.set('a', 'A');
    time = 99;
    expect(cache.get('a')).toBe('A');
    time = 100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size()).toBe(0);
  });

  it('evicts the least recently used entry past its size', () => {
    const cache = new LruCache<string>(2, 1000, now);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('a')).toBe('A'); // a is now the most recent
    cache.set('c', 'C');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
    expect(cache.size()).toBe(2);
  });

  it('overwrites in place and stores nothing when size or ttl is 0', () => {
    const cache = new LruCache<string>(2, 1000, now);
    cache.set('a', 'A');
    cache.set('a', 'A2');
    expect([cache.get('a'), cache.size()]).toEqual(['A2', 1]);
    const off = new LruCache<string>(0, 1000, now);
    off.set('a', 'A');
    expect(off.get('a')).toBeUndefined();
    const noTtl = new LruCache<string>(5, 0, now);
    noTtl.set('a', 'A');
    expect(noTtl.size()).toBe(0);
  });

  it('size() drops expired entries; clear() drops all', () => {
    const cache = new LruCache<string>(5, 100, now);
    cache.set('a', 'A');
    time = 50;
    cache.set('b', 'B');
    time = 120;
    expect(cache.size()).toBe(1);
    cache.clear();
    expect(cache.size()).toBe(0);
  });

  it('keeps entries for ever without a ttl (the size bound only), never reading the clock', () => {
    const clock = jest.fn(() => 0);
    const cache = new LruCache<number>(2, Infinity, clock);
    cache.set('a', 1);
    cache.set('b', 2);
    expect([cache.get('a'), cache.get('b'), cache.size()]).toEqual([1, 2, 2]);
    cache.set('c', 3); // a was used least recently
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([false, true, true]);
    expect(clock).not.toHaveBeenCalled();
    expect(new LruCache<number>(1).size()).toBe(0);
  });

  it('peek and has read without counting as a use; delete says whether there was an entry', () => {
    const cache = new LruCache<string>(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.peek('a')).toBe('A');
    expect(cache.has('a')).toBe(true);
    cache.set('c', 'C'); // a is still the least recently used: peek and has did not touch it
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
  });

  it('peek and has see an expired entry as absent', () => {
    const cache = new LruCache<string>(10, 100, now);
    cache.set('a', 'A');
    time = 100;
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.has('a')).toBe(false);
  });
});
