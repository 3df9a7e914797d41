import { createSeededRandom, hashSeed } from '../../lib/simulator/seeded-random.js';

describe('createSeededRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const take = (seed: number | string): number[] => {
      const r = createSeededRandom(seed);
      return Array.from({ length: 20 }, () => r.next());
    };
    expect(take(42)).toEqual(take(42));
    expect(take('run-1')).toEqual(take('run-1'));
    expect(take(42)).not.toEqual(take(43));
  });

  it('stays in [0, 1) and int(n) in [0, n)', () => {
    const r = createSeededRandom(7);
    const xs = Array.from({ length: 2000 }, () => r.next());
    expect(xs.filter((x) => !(x >= 0 && x < 1))).toEqual([]);
    const ns = Array.from({ length: 2000 }, () => r.int(5));
    expect(new Set(ns)).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('makes version-4 UUIDs, reproducibly', () => {
    const a = createSeededRandom(1);
    const b = createSeededRandom(1);
    for (let i = 0; i < 50; i++) {
      const id = a.uuid();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(b.uuid()).toBe(id);
    }
  });

  it('forks independent streams without advancing the parent', () => {
    const a = createSeededRandom(5);
    const b = createSeededRandom(5);
    const fork1 = a.fork('x');
    expect(a.next()).toBe(b.next());
    expect(fork1.next()).toBe(createSeededRandom(5).fork('x').next());
    expect(a.fork('x').seed).not.toBe(a.fork('y').seed);
  });

  it('refuses to pick from an empty list', () => {
    expect(() => createSeededRandom(1).pick([])).toThrow(RangeError);
  });
});

describe('hashSeed', () => {
  it('is stable and sensitive to every part', () => {
    expect(hashSeed('demo')).toBe(hashSeed('demo'));
    expect(hashSeed(1, 'a')).not.toBe(hashSeed(1, 'b'));
    expect(hashSeed('1a')).not.toBe(hashSeed(1, 'a'));
  });
});
