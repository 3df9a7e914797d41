import { startSimulator, type Simulator } from '../../../lib/simulator/index.js';
import { chainProblems } from './chains.js';
import { startChild, type ChildConfig, type ChildLine, type HubChild } from './hub-children.js';
import { REDIS_URL, requireRedis, startOwnRedis, testPrefix, type OwnRedis } from './redis-test-server.js';

// The fleet as an operator runs it: several Node processes, each with its own client and Redis
// hub, behind one FactPulse account. One request budget for all of them, one poller per task
// spread over the processes, and recovery when Redis is killed and restarted or a process stalls.

type Transition = Extract<ChildLine, { kind: 'transition' }>;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const chainsOf = (child: HubChild, taskIds: readonly string[]): string[] => {
  const byTask = new Map<string, Transition[]>();
  for (const line of child.lines) if (line.kind === 'transition') byTask.set(line.taskId, [...(byTask.get(line.taskId) ?? []), line]);
  return taskIds.flatMap((id) => chainProblems(byTask.get(id) ?? []).map((p) => `${child.name} ${id}: ${p}`));
};
const errorsOf = (child: HubChild): ChildLine[] => child.lines.filter((l) => l.kind === 'error');

/** Polls `check` every 50 ms until it holds; resolves with the ms it took (rejects after `timeoutMs`). */
async function within(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (let i = 0; i < 10_000; i++) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) break;
    await sleep(50);
  }
  throw new Error(`no ${what} within ${timeoutMs} ms`);
}

describe('the fleet: several processes on one Redis (real redis-server)', () => {
  let sim: Simulator | undefined;
  let own: OwnRedis | undefined;
  const children: HubChild[] = [];

  beforeAll(() => requireRedis());
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill();
      await child.exited;
    }
    await sim?.close();
    sim = undefined;
    await own?.stop();
    own = undefined;
  });

  const start = async (names: readonly string[], config: ChildConfig): Promise<HubChild[]> => {
    const started = await Promise.all(names.map((name) => startChild(name, config)));
    children.push(...started);
    return started;
  };
  const submitMany = async (count: number, durationMs: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await sim!.submit({ durationMs })).taskId);
    return ids;
  };

  it('four processes with maxRequestsPerSecond share one budget: the API never sees more than it', async () => {
    const arrivals: number[] = [];
    sim = await startSimulator({ seed: 21, retryRate: 0, onRequest: (e) => e.route === 'status' && arrivals.push(e.at) });
    const rate = 10;
    const config: ChildConfig = {
      redisUrl: REDIS_URL,
      keyPrefix: testPrefix('budget'),
      leaseMs: 3000,
      baseUrl: sim.url,
      token: sim.token,
      interval: 100,
      maxRequestsPerSecond: rate,
    };
    const fleet = await start(['one', 'two', 'three', 'four'], config);
    // Far more demand than the budget: 120 tasks polled every 100 ms would be 1200 requests/s.
    const taskIds = await submitMany(120, 60_000);
    for (const child of fleet) child.follow(taskIds);
    await sleep(5000);
    const stats = await Promise.all(fleet.map((c) => c.stats(5000)));
    const sent = stats.reduce((n, s) => n + s.requests, 0);

    // Every window of 2 s holds at most three of the budget's 1 s windows (points = rate each),
    // plus two requests in flight across a window's edge. Four per-process budgets would be 4×.
    const sorted = arrivals.sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
      while (sorted[i]! - sorted[j]! > 2000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(3 * rate + 2);
    const spanS = (sorted.at(-1)! - sorted[0]!) / 1000;
    expect(sorted.length).toBeLessThanOrEqual(Math.ceil(rate * (spanS + 1)) + 2);
    // …and the budget is used, by every process: no process starves the others.
    expect(sorted.length).toBeGreaterThan(rate * spanS * 0.6);
    expect(sent).toBe(sorted.length);
    for (const s of stats) expect(s.requests).toBeGreaterThan(0);
    for (const child of fleet) expect(errorsOf(child)).toEqual([]);
  }, 60_000);

  it('spreads the leases: with four processes following the same tasks, each polls about a quarter', async () => {
    sim = await startSimulator({ seed: 22, retryRate: 0 });
    const config: ChildConfig = { redisUrl: REDIS_URL, keyPrefix: testPrefix('spread'), leaseMs: 3000, baseUrl: sim.url, token: sim.token, interval: 200 };
    const fleet = await start(['one', 'two', 'three', 'four'], config);
    const taskIds = await submitMany(200, 60_000);
    for (const child of fleet) child.follow(taskIds);
    let shares: number[] = [];
    const balanced = (): boolean => shares.every((n) => n >= taskIds.length * 0.15 && n <= taskIds.length * 0.35);
    // New leases go to the processes that poll fewest, and a process that polls more than its share
    // hands the excess over at its renewals (every leaseMs / 3): balanced within a few leases.
    const took = await within(
      async () => {
        const stats = await Promise.all(fleet.map((c) => c.stats(5000)));
        shares = stats.map((s) => s.polling);
        return shares.reduce((a, b) => a + b, 0) === taskIds.length && balanced();
      },
      'balanced pollers',
      4 * config.leaseMs,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; shares ${shares.join(', ')}`);
    });
    expect(took).toBeLessThan(4 * config.leaseMs);
    // One poller per task; none polls more than 35 % or fewer than 15 % of them.
    expect(shares.reduce((a, b) => a + b, 0)).toBe(taskIds.length);
    expect(balanced()).toBe(true);
  }, 60_000);

  it('after redis-server is killed and restarted, one process polls each task again within leaseMs + one interval; no transition lost or twice', async () => {
    own = await startOwnRedis();
    sim = await startSimulator({ seed: 23, retryRate: 0.4 });
    const leaseMs = 1500;
    const interval = 200;
    const config: ChildConfig = {
      redisUrl: own.url,
      keyPrefix: testPrefix('restart'),
      leaseMs,
      baseUrl: sim.url,
      token: sim.token,
      interval,
      commandTimeout: 500,
    };
    const fleet = await start(['one', 'two', 'three'], config);
    const taskIds = await submitMany(60, 12_000);
    for (const child of fleet) child.follow(taskIds);
    const stats = (): Promise<Array<Extract<ChildLine, { kind: 'stats' }>>> => Promise.all(fleet.map((c) => c.stats(5000)));
    const onePollerEach = async (): Promise<boolean> => {
      const s = await stats();
      return s.every((x) => x.local === 0) && s.reduce((n, x) => n + x.polling, 0) === taskIds.length;
    };
    await within(onePollerEach, 'poller for every task', 15_000);

    await own.stop();
    // Redis is gone: every process polls every task it follows, alone.
    await within(async () => (await stats()).every((x) => x.local === taskIds.length), 'local fallback everywhere', 10_000);
    await sleep(500);
    own = await startOwnRedis(own.port);
    const took = await within(onePollerEach, 'one poller per task after the restart', 10_000);
    expect(took).toBeLessThanOrEqual(leaseMs + interval);

    await Promise.all(fleet.map((c) => c.waitFor((l) => l.kind === 'done', 40_000)));
    const problems = fleet.flatMap((c) => chainsOf(c, taskIds));
    expect(problems).toEqual([]);
    for (const child of fleet) expect(errorsOf(child)).toEqual([]);
    // Every process ended each task in the same state.
    for (const id of taskIds) {
      const ends = fleet.map((c) => c.lines.filter((l): l is Transition => l.kind === 'transition' && l.taskId === id).at(-1)!.to);
      expect(new Set(ends).size).toBe(1);
    }
  }, 90_000);

  it('a poller paused (SIGSTOP) past its lease, then resumed, never emits a transition twice', async () => {
    sim = await startSimulator({ seed: 24, retryRate: 0.5 });
    const leaseMs = 1000;
    const config: ChildConfig = { redisUrl: REDIS_URL, keyPrefix: testPrefix('stop'), leaseMs, baseUrl: sim.url, token: sim.token, interval: 100 };
    const [paused, other] = await start(['paused', 'other'], config);
    const taskIds = await submitMany(30, 6000);
    const isPoller = (l: ChildLine): boolean => l.kind === 'event' && l.type === 'hub-role' && l.role === 'poller';
    // The first process polls every task, the second follows them.
    paused!.follow(taskIds);
    await paused!.waitForCount(isPoller, taskIds.length, 15_000);
    other!.follow(taskIds);
    await other!.waitForCount((l) => l.kind === 'transition', taskIds.length, 15_000);

    paused!.signal('SIGSTOP');
    try {
      // Past its lease: the other process takes every task over.
      await other!.waitForCount(isPoller, taskIds.length, 10_000);
      await sleep(500);
    } finally {
      paused!.signal('SIGCONT');
    }
    await Promise.all([paused!, other!].map((c) => c.waitFor((l) => l.kind === 'done', 30_000)));
    expect([...chainsOf(paused!, taskIds), ...chainsOf(other!, taskIds)]).toEqual([]);
    for (const child of [paused!, other!]) expect(errorsOf(child)).toEqual([]);
  }, 60_000);
});
