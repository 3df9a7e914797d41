import { createFaultSource, normaliseFaults, resolveFault } from '../../lib/simulator/faults.js';
import { createSeededRandom } from '../../lib/simulator/seeded-random.js';

describe('normaliseFaults', () => {
  it('applies defaults: no faults, only kinds a retrying client survives, status route only', () => {
    expect(normaliseFaults(undefined, 'faults')).toEqual({
      rate: 0,
      kinds: ['latency', 'server-error', 'rate-limit', 'reset', 'html'],
      script: [],
      seed: undefined,
      latencyMs: [100, 400],
      retryAfterSeconds: 1,
      routes: ['status'],
    });
  });

  it.each([
    [{ rate: 2 }, 'faults.rate'],
    [{ rate: -0.1 }, 'faults.rate'],
    [{ kinds: ['boom'] }, 'faults.kinds'],
    [{ rate: 0.5, kinds: [] }, 'faults.kinds'],
    [{ script: 'reset' }, 'faults.script'],
    [{ latencyMs: [10, 5] }, 'faults.latencyMs'],
    [{ retryAfterSeconds: -1 }, 'faults.retryAfterSeconds'],
    [{ routes: ['admin'] }, 'faults.routes'],
    [{ seed: {} }, 'faults.seed'],
    ['often', 'faults'],
  ])('refuses %j with a TypeError naming %s', (input, field) => {
    expect(() => normaliseFaults(input, 'faults')).toThrow(TypeError);
    expect(() => normaliseFaults(input, 'faults')).toThrow(field);
  });
});

describe('createFaultSource', () => {
  const draw = (seed: number, key: string, n = 40): Array<string | undefined> => {
    const source = createFaultSource(normaliseFaults({ rate: 0.5, seed }, 'faults'), key, 0);
    return Array.from({ length: n }, () => {
      const f = source.next();
      return f === undefined ? undefined : `${f.kind}:${f.status ?? f.delayMs ?? ''}`;
    });
  };

  it('is reproducible for a seed and a stream key, and differs across seeds and keys', () => {
    expect(draw(1, 'task-a')).toEqual(draw(1, 'task-a'));
    expect(draw(1, 'task-a')).not.toEqual(draw(2, 'task-a'));
    expect(draw(1, 'task-a')).not.toEqual(draw(1, 'task-b'));
  });

  it('injects at roughly the asked rate', () => {
    const hits = draw(9, 'x', 1000).filter((f) => f !== undefined).length;
    expect(hits).toBeGreaterThan(400);
    expect(hits).toBeLessThan(600);
  });

  it('plays the script first, in order, then nothing at rate 0', () => {
    const source = createFaultSource(normaliseFaults({ script: ['http-503', 'rate-limit', 'reset', 'latency'], latencyMs: 50 }, 'f'), 'k', 0);
    expect([source.next(), source.next(), source.next(), source.next(), source.next()]).toEqual([
      { kind: 'server-error', status: 503 },
      { kind: 'rate-limit', status: 429, retryAfterSeconds: 1 },
      { kind: 'reset' },
      { kind: 'latency', delayMs: 50 },
      undefined,
    ]);
  });
});

describe('resolveFault', () => {
  it('picks a 5xx for server-error and keeps latency within its range', () => {
    const settings = normaliseFaults({ latencyMs: [10, 20] }, 'f');
    const random = createSeededRandom(4);
    for (let i = 0; i < 100; i++) {
      expect([500, 502, 503, 504]).toContain(resolveFault('server-error', settings, random).status);
      const delay = resolveFault('latency', settings, random).delayMs ?? -1;
      expect(delay >= 10 && delay <= 20).toBe(true);
    }
    expect(resolveFault('html', settings, random)).toEqual({ kind: 'html', status: 502 });
    expect(resolveFault('invalid-json', settings, random)).toEqual({ kind: 'invalid-json', status: 200 });
  });
});
