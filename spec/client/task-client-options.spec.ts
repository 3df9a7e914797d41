import { of } from 'rxjs';
import { CLIENT_DEFAULTS, checkTaskClientOptions, normaliseClientOptions } from '../../lib/client/task-client-options.js';

describe('normaliseClientOptions', () => {
  it('fills in the client defaults, and removes hints from what every loop shares', () => {
    const hints = of('7c9e6679-7425-40de-944b-e07fc1f90ae7');
    const o = normaliseClientOptions({ hints });
    expect(o).toMatchObject({
      maxConcurrent: CLIENT_DEFAULTS.maxConcurrent,
      cacheTtl: CLIENT_DEFAULTS.cacheTtl,
      cacheSize: CLIENT_DEFAULTS.cacheSize,
      pauseWhenHidden: true,
      resumeWindow: 30_000,
      maxRequestsPerSecond: undefined,
      retryBudget: { capacity: 500, retryCost: 5, timeoutRetryCost: 10, noRetryIncrement: 1 },
    });
    expect(o.hints).toBe(hints);
    expect(o.poll.hints).toBeUndefined();
  });

  it('keeps the resume window at least one numeric interval; retryBudget false turns the budget off', () => {
    expect(normaliseClientOptions({ interval: 60_000 }).resumeWindow).toBe(60_000);
    expect(normaliseClientOptions({ interval: Infinity }).resumeWindow).toBe(30_000);
    expect(normaliseClientOptions({ retryBudget: false }).retryBudget).toBe(false);
    expect(normaliseClientOptions({ maxConcurrent: Infinity }).maxConcurrent).toBe(Infinity);
  });
});

describe('checkTaskClientOptions', () => {
  it('throws what createTaskClient would throw, and nothing for good options', () => {
    expect(() => checkTaskClientOptions({ cacheSize: 1.5 })).toThrow(new TypeError('cacheSize: must be a whole number ≥ 0, got 1.5'));
    expect(() => checkTaskClientOptions({ token: 'fake-token', baseUrl: 'http://api.example.com' })).toThrow(/^allowInsecureHttp: must be true/);
    expect(() => checkTaskClientOptions({ maxRequestsPerSecond: 5, interval: 2000 })).not.toThrow();
    expect(() => checkTaskClientOptions(undefined)).not.toThrow();
  });

  it('never quotes a string value it refuses', () => {
    expect(() => checkTaskClientOptions({ cacheTtl: 'fake-secret-value' as unknown as number })).toThrow(
      expect.objectContaining({ message: 'cacheTtl: must be a number ≥ 0 or Infinity, got a string' }),
    );
  });
});
