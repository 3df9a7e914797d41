import { Redis } from 'ioredis';
import { startSimulator, type Simulator } from '../../../lib/simulator/index.js';
import { chainProblems, edges, isLateView } from './chains.js';
import { startChild, type ChildConfig, type ChildLine, type HubChild } from './hub-children.js';
import { REDIS_URL, connect, deleteUnder, keysUnder, requireRedis, testPrefix } from './redis-test-server.js';

// Several Node processes, each with its own task client and Redis hub, following the same tasks
// on one simulator: the way a websocket tier of N servers behind a load balancer would.

type Transition = Extract<ChildLine, { kind: 'transition' }>;

const transitionsOf = (child: HubChild): Map<string, Transition[]> => {
  const byTask = new Map<string, Transition[]>();
  for (const line of child.lines) {
    if (line.kind !== 'transition') continue;
    const list = byTask.get(line.taskId) ?? [];
    list.push(line);
    byTask.set(line.taskId, list);
  }
  return byTask;
};

const requestsOf = (child: HubChild): Record<string, number> => {
  const end = child.lines.find((l): l is Extract<ChildLine, { kind: 'done' | 'stopped' }> => l.kind === 'done' || l.kind === 'stopped');
  return end?.requests ?? {};
};

/** Checks every task's transitions in `child`: a full chain, nothing twice, no stream error. */
function expectCompleteChains(child: HubChild, taskIds: readonly string[]): Map<string, Transition[]> {
  const byTask = transitionsOf(child);
  const problems: string[] = [];
  for (const id of taskIds) {
    for (const p of chainProblems(byTask.get(id) ?? [])) problems.push(`${child.name} ${id}: ${p}`);
  }
  // Redis stays up in these specs: no stream error, no fallback to local polling.
  const errors = child.lines.filter((l) => l.kind === 'error' || (l.kind === 'event' && l.type === 'hub-fallback'));
  expect(errors).toEqual([]);
  expect(problems).toEqual([]);
  return byTask;
}

/** Each process saw the same transitions as the others, from the latest one when it joined. */
function expectSameViews(seen: ReadonlyArray<Map<string, Transition[]>>, taskIds: readonly string[]): void {
  const mismatches: string[] = [];
  for (const id of taskIds) {
    const views = seen.map((byTask) => byTask.get(id)!);
    const full = views.reduce((a, b) => (b.length > a.length ? b : a));
    for (const view of views) {
      if (!isLateView(view, full)) mismatches.push(`${id}: ${edges(view)} vs ${edges(full)}`);
      if (JSON.stringify(view.at(-1)!.bytes) !== JSON.stringify(full.at(-1)!.bytes)) mismatches.push(`${id}: content differs`);
    }
  }
  expect(mismatches).toEqual([]);
}

describe('Redis hub across Node processes (real redis-server)', () => {
  let sim: Simulator;
  let redis: Redis;
  const children: HubChild[] = [];
  const prefixes: string[] = [];

  beforeAll(async () => {
    await requireRedis();
    redis = connect(REDIS_URL);
    await redis.connect();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill();
      await child.exited;
    }
    await sim?.close();
    for (const prefix of prefixes.splice(0)) await deleteUnder(redis, prefix);
  });
  afterAll(() => redis?.disconnect());

  const submitMany = async (count: number, durationMs: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await sim.submit({ durationMs })).taskId);
    return ids;
  };

  it('three processes following the same 200 tasks cost the requests of one process', async () => {
    sim = await startSimulator({ seed: 9, retryRate: 0.3 });
    const keyPrefix = testPrefix('three');
    prefixes.push(keyPrefix);
    const config: ChildConfig = { redisUrl: REDIS_URL, keyPrefix, leaseMs: 5000, baseUrl: sim.url, token: sim.token, interval: 200 };
    children.push(...(await Promise.all(['one', 'two', 'three'].map((name) => startChild(name, config)))));
    const taskIds = await submitMany(200, 2500);
    for (const child of children) child.follow(taskIds);
    await Promise.all(children.map((c) => c.waitFor((l) => l.kind === 'done', 40_000)));

    const seen = children.map((c) => expectCompleteChains(c, taskIds));
    // Every process saw the same transitions (from the latest one at the time it joined) and the
    // same content bytes, as a Uint8Array.
    expectSameViews(seen, taskIds);
    const succeeded = [...seen[0]!.values()].filter((list) => list.at(-1)!.to === 'succeeded');
    expect(succeeded.length).toBeGreaterThan(0);
    for (const list of succeeded) expect(list.at(-1)!.bytes).toMatchObject({ isUint8Array: true, length: expect.any(Number) });

    // Each task was polled by exactly one process, and the simulator saw those requests only.
    const perChild = children.map(requestsOf);
    let total = 0;
    for (const id of taskIds) {
      const counts = perChild.map((r) => r[id] ?? 0);
      expect(counts.filter((n) => n > 0)).toHaveLength(1);
      expect(sim.stats(id).requests).toBe(counts.reduce((a, b) => a + b, 0));
      total += sim.stats(id).requests;
    }
    // One loop per task: about (duration / interval) polls each, not three times that.
    expect(total).toBeLessThan(taskIds.length * (2500 / 200 + 4));
    expect(await keysUnder(redis, `${keyPrefix}`).then((keys) => keys.filter((k) => k.endsWith(':lease')))).toEqual([]);
  }, 60_000);

  it('when the polling process is killed, the others take over within leaseMs: every task ends in each, none twice', async () => {
    sim = await startSimulator({ seed: 3, retryRate: 0.5 });
    const keyPrefix = testPrefix('kill');
    prefixes.push(keyPrefix);
    // Long enough that a busy CI machine (event-loop stalls of half a second) keeps its leases.
    const leaseMs = 3000;
    const config: ChildConfig = { redisUrl: REDIS_URL, keyPrefix, leaseMs, baseUrl: sim.url, token: sim.token, interval: 200 };
    const isRole = (role: string) => (l: ChildLine) => l.kind === 'event' && l.type === 'hub-role' && l.role === role;
    const [poller, ...followers] = await Promise.all(['poller', 'follower-1', 'follower-2'].map((name) => startChild(name, config)));
    children.push(poller!, ...followers);
    // Long tasks (started at 20 %, for some RETRY at 45 % and STARTED again at 65 %, terminal at
    // 20 s), so that the kill falls midway even on a slow machine, and phases change after the
    // takeover.
    const taskIds = await submitMany(200, 20_000);

    // The first process polls every task; the two others follow.
    poller!.follow(taskIds);
    await poller!.waitForCount(isRole('poller'), taskIds.length, 20_000);
    for (const f of followers) f.follow(taskIds);
    await Promise.all(followers.map((f) => f.waitForCount(isRole('follower'), taskIds.length, 20_000)));
    // Midway: each follower emitted each task's state, none is over.
    const allSeen = (lines: readonly ChildLine[]): boolean => new Set(lines.flatMap((l) => (l.kind === 'transition' ? [l.taskId] : []))).size === taskIds.length;
    await Promise.all(followers.map((f) => f.waitUntil(allSeen, 'a transition of every task', 20_000)));
    const before = followers.map((f) => f.lines.filter((l) => l.kind === 'transition').length);
    expect(followers.flatMap((f) => f.lines).filter((l) => l.kind === 'transition' && ['succeeded', 'rejected', 'failed'].includes(l.to))).toEqual([]);
    poller!.kill();
    const killedAt = Date.now();
    await poller!.exited;
    const requestsBeforeKill = new Map(taskIds.map((id) => [id, sim.stats(id).requests]));

    await Promise.all(followers.map((f) => f.waitFor((l) => l.kind === 'done', 60_000)));
    const seen = followers.map((f) => expectCompleteChains(f, taskIds));
    expectSameViews(seen, taskIds);
    // Transitions did arrive after the kill, from the new pollers.
    followers.forEach((f, i) => expect(f.lines.filter((l) => l.kind === 'transition').length).toBeGreaterThan(before[i]!));

    // Each task was taken over by one follower, within about leaseMs of the kill. (Issue 18: when
    // the takeover left one follower polling far more than its share, it hands leases over to
    // the other at its renewals — a task moves once at most, one poller at a time.)
    const takeovers = followers.flatMap((f) => f.lines.filter(isRole('poller')).map((l) => ({ name: f.name, ...(l as { taskId: string; received: number }) })));
    expect(new Set(takeovers.map((t) => t.taskId)).size).toBe(taskIds.length);
    const byTask = new Map<string, Array<{ name: string; received: number }>>();
    for (const t of takeovers) byTask.set(t.taskId, [...(byTask.get(t.taskId) ?? []), t]);
    expect([...byTask.values()].filter((list) => list.length > 2)).toEqual([]);
    const latest = Math.max(...[...byTask.values()].map((list) => Math.min(...list.map((t) => t.received)) - killedAt));
    expect(latest).toBeLessThan(leaseMs + 1000);
    const perChild = followers.map(requestsOf);
    for (const id of taskIds) {
      const counts = perChild.map((r) => r[id] ?? 0);
      expect(counts.filter((n) => n > 0)).toHaveLength(byTask.get(id)!.length === 1 ? 1 : new Set(byTask.get(id)!.map((t) => t.name)).size);
      // Besides the followers' requests, the simulator saw the killed process's: those counted
      // at the kill, plus at most the one it had in flight then (it may arrive a little later).
      const fromKilled = sim.stats(id).requests - counts[0]! - counts[1]! - requestsBeforeKill.get(id)!;
      expect([0, 1]).toContain(fromKilled);
    }
  }, 120_000);
});
