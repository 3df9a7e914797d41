import { firstValueFrom } from 'rxjs';
import { createRedisTaskHub, type RedisTaskHub } from '../../../lib/adapters/redis/index.js';
import { budgetWindow } from '../../../lib/adapters/redis/fleet-budget.js';
import { createTaskClient } from '../../../lib/task-client.js';
import { REDIS_URL, requireRedis, startOwnRedis, testPrefix, type OwnRedis } from './redis-test-server.js';

describe('budgetWindow (the fixed windows the fleet budget counts in)', () => {
  it.each([
    [5, 5, 5, 1],
    [10, 20, 20, 2],
    [0.5, 1, 1, 2],
    [2.5, 2.5, 2, 1],
    [100, 1, 100, 1],
  ])('%d/s, burst %d: %d requests per %d s (never more than the budget)', (perSecond, burst, points, durationS) => {
    expect(budgetWindow({ perSecond, burst })).toEqual({ points, durationS });
    expect(points / durationS).toBeLessThanOrEqual(perSecond);
  });
});

describe('maxRequestsBurst', () => {
  it('is validated when the client is created (a TypeError naming it)', () => {
    for (const bad of [0, 0.5, Infinity, '3', null]) {
      const attempt = (): unknown => createTaskClient({ maxRequestsPerSecond: 5, maxRequestsBurst: bad as never });
      expect(attempt).toThrow(TypeError);
      expect(attempt).toThrow(/^maxRequestsBurst: /);
    }
    expect(() => createTaskClient({ maxRequestsPerSecond: 5, maxRequestsBurst: 10 }).dispose()).not.toThrow();
  });
  it('rejects a hub whose requestBudget is not a function', () => {
    expect(() => createTaskClient({ hub: { requestBudget: 3 as never } })).toThrow(/hub\.requestBudget/);
  });
});

describe('the fleet budget of createRedisTaskHub (real redis-server)', () => {
  const hubs: RedisTaskHub[] = [];
  let own: OwnRedis | undefined;
  beforeAll(() => requireRedis());
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.close();
    await own?.stop();
    own = undefined;
  });

  it('gives two hubs on one prefix the permits of one budget, first come first served', async () => {
    const keyPrefix = testPrefix('fleet-budget');
    const [a, b] = [0, 1].map(() => createRedisTaskHub({ redis: REDIS_URL, keyPrefix }));
    hubs.push(a!, b!);
    const limit = { perSecond: 4, burst: 4 };
    const budgets = [a!.requestBudget(limit), b!.requestBudget(limit)];
    const started = Date.now();
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => firstValueFrom(budgets[i % 2]!.permit()).then(() => granted.push(Date.now() - started))),
    );
    granted.sort((x, y) => x - y);
    // Four in the first window, the other four only when Redis opens the next one (≈ 1 s on).
    expect(granted.slice(0, 4).every((ms) => ms < 800)).toBe(true);
    expect(granted.slice(4).every((ms) => ms >= 800)).toBe(true);
    for (const budget of budgets) budget.close();
  });

  it('gives a permit at once when Redis cannot count (the per-process budget applies)', async () => {
    own = await startOwnRedis();
    await own.stop();
    const hub = createRedisTaskHub({ redis: own.url, keyPrefix: testPrefix('fleet-down'), commandTimeout: 300 });
    hubs.push(hub);
    const budget = hub.requestBudget({ perSecond: 1, burst: 1 });
    const started = Date.now();
    for (let i = 0; i < 3; i++) await firstValueFrom(budget.permit());
    expect(Date.now() - started).toBeLessThan(1000);
    budget.close();
  });
});
