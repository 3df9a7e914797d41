import { RetryBudget, RETRY_BUDGET_DEFAULTS } from '../../lib/client/retry-budget.js';
import { HttpError, NetworkError, RequestTimeoutError } from '../../lib/errors/index.js';

const http503 = new HttpError(503, {});

describe('RetryBudget (AWS SDK standard retry quota)', () => {
  it('uses the AWS SDK defaults: 500 tokens, 5 a retry, 10 a timeout retry, 1 back a success', () => {
    expect(RETRY_BUDGET_DEFAULTS).toEqual({ capacity: 500, retryCost: 5, timeoutRetryCost: 10, noRetryIncrement: 1 });
    const quota = new RetryBudget();
    expect(quota.acquire(http503)).toBe(5);
    expect(quota.acquire(new RequestTimeoutError(100))).toBe(10);
    expect(quota.acquire(new NetworkError('reset'))).toBe(10);
    expect(quota.available).toBe(475);
  });

  it('refuses a retry it cannot pay for', () => {
    const quota = new RetryBudget({ capacity: 12 });
    expect(quota.acquire(http503)).toBe(5);
    expect(quota.acquire(http503)).toBe(5);
    expect(quota.acquire(http503)).toBeUndefined();
    expect(quota.acquire(new RequestTimeoutError(1))).toBeUndefined();
    expect(quota.available).toBe(2);
  });

  it('gives back a retry’s cost when it led to a success, 1 otherwise, never above capacity', () => {
    const quota = new RetryBudget({ capacity: 20 });
    const cost = quota.acquire(new RequestTimeoutError(1));
    expect(quota.available).toBe(10);
    quota.release(cost);
    expect(quota.available).toBe(20);
    quota.acquire(http503);
    quota.release();
    expect(quota.available).toBe(16);
    for (let i = 0; i < 10; i++) quota.release();
    expect(quota.available).toBe(20);
  });

  it('bounds the retries of many failing callers by capacity / cost', () => {
    const quota = new RetryBudget();
    let granted = 0;
    for (let task = 0; task < 1000; task++) for (let attempt = 0; attempt < 5; attempt++) if (quota.acquire(http503) !== undefined) granted++;
    expect(granted).toBe(100);
  });
});
