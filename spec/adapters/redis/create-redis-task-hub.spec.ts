import { Redis } from 'ioredis';
import { Subscription, firstValueFrom, lastValueFrom, toArray, type Observable } from 'rxjs';
import { createRedisTaskHub, type RedisTaskHub } from '../../../lib/adapters/redis/index.js';
import { hubKeys } from '../../../lib/adapters/redis/hub-keys.js';
import type { TaskClientEvent } from '../../../lib/client/task-client-event.js';
import { startSimulator, type Simulator } from '../../../lib/simulator/index.js';
import { createTaskClient, type TaskClient } from '../../../lib/task-client.js';
import type { TaskClientOptions } from '../../../lib/client/task-client-options.js';
import type { TaskTransition } from '../../../lib/transitions.js';
import { chainProblems, edges } from './chains.js';
import { REDIS_URL, connect, deleteUnder, keysUnder, requireRedis, testPrefix } from './redis-test-server.js';

// Several hubs in one Node process, each with its own connections: to Redis they are as many
// processes. (spec/adapters/redis/multi-process.spec.ts does it with real processes.)

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms until it holds (at most `timeoutMs`). */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Node {
  readonly hub: RedisTaskHub;
  readonly client: TaskClient;
  readonly events: TaskClientEvent[];
}

describe('createRedisTaskHub (real redis-server)', () => {
  let sim: Simulator;
  let redis: Redis;
  let prefix: string;
  let nodes: Node[] = [];
  let subscriptions = new Subscription();

  beforeAll(async () => {
    await requireRedis();
    redis = connect(REDIS_URL);
    await redis.connect();
    sim = await startSimulator({ seed: 11, retryRate: 0 });
  });
  beforeEach(() => {
    prefix = testPrefix('hub');
  });
  afterEach(async () => {
    subscriptions.unsubscribe();
    subscriptions = new Subscription();
    for (const node of nodes) {
      await node.hub.close();
      node.client.dispose();
    }
    nodes = [];
    await deleteUnder(redis, prefix);
  });
  afterAll(async () => {
    await sim?.close();
    redis?.disconnect();
  });

  /** A "process": its own hub (own connections) and client. */
  const node = (hubOptions: Partial<Parameters<typeof createRedisTaskHub>[0]> = {}, clientOptions: TaskClientOptions = {}): Node => {
    const hub = createRedisTaskHub({ redis: REDIS_URL, keyPrefix: prefix, leaseMs: 1000, ...hubOptions });
    const client = createTaskClient({ baseUrl: sim.url, token: sim.token, interval: 50, hub, ...clientOptions });
    const events: TaskClientEvent[] = [];
    subscriptions.add(client.events$.subscribe((e) => events.push(e)));
    const created = { hub, client, events };
    nodes.push(created);
    return created;
  };
  const all = (source: Observable<TaskTransition>): Promise<TaskTransition[]> => lastValueFrom(source.pipe(toArray()));
  const roles = (n: Node, taskId: string): string[] => n.events.flatMap((e) => (e.type === 'hub-role' && e.taskId === taskId ? [e.role] : []));

  it('polls each task in one process only; every process gets the same transitions, content bytes included', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 1500, retry: true });
    const [a, b, c] = [node(), node(), node()];
    const seen = await Promise.all([a, b, c].map((n) => all(n.client.status$(taskId))));
    for (const list of seen) {
      expect(chainProblems(list)).toEqual([]);
      expect(edges(list)).toBe(edges(seen[0]!));
      expect(list.map((t) => t.taskId)).toEqual(list.map(() => taskId));
    }
    expect(edges(seen[0]!)).toMatch(/retrying→started started→succeeded$/);
    const [first, ...others] = seen.map((list) => list.at(-1)!);
    expect(first!.state.phase === 'succeeded' && first!.state.content).toBeInstanceOf(Uint8Array);
    for (const other of others) expect(other).toEqual(first);
    // One process sent every request; the other two sent none.
    const requests = [a, b, c].map((n) => n.client.stats().requests).sort((x, y) => x - y);
    expect(requests.slice(0, 2)).toEqual([0, 0]);
    expect(requests[2]).toBe(sim.stats(taskId).requests);
    expect([a, b, c].map((n) => roles(n, taskId)[0]).sort()).toEqual(['follower', 'follower', 'poller']);
    // The terminal transition deleted the lease.
    expect(await redis.exists(hubKeys(prefix, taskId).lease)).toBe(0);
  });

  it('gives a late subscriber in another process the latest state at once, with no request', async () => {
    const { taskId } = await sim.submit({ outcome: 'rejected', durationMs: 1500 });
    const a = node();
    const fromA: TaskTransition[] = [];
    subscriptions.add(a.client.status$(taskId).subscribe((t) => fromA.push(t)));
    await until(() => fromA.some((t) => t.to === 'started'), 'started in A');

    const b = node();
    const asked = Date.now();
    const first = await firstValueFrom(b.client.status$(taskId));
    expect(Date.now() - asked).toBeLessThan(500);
    expect(first).toEqual(fromA.at(-1));
    expect(first).toMatchObject({ from: 'pending', to: 'started' });
    expect(b.client.stats().requests).toBe(0);
    expect(await b.hub.latest(taskId)).toEqual(fromA.at(-1));

    // After the end, a process that was never there gets the terminal state from Redis alone.
    await until(() => fromA.some((t) => t.to === 'rejected'), 'rejected in A', 5000);
    const c = node();
    const late = await all(c.client.status$(taskId));
    expect(late).toEqual([fromA.at(-1)]);
    expect(late[0]!.state).toMatchObject({ phase: 'rejected', error: { errorCode: expect.any(String) } });
    expect(c.client.stats().requests).toBe(0);
  });

  it('hands the lease over at once when the poller stops following, and releases it when the last follower leaves', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 60_000 });
    const { lease } = hubKeys(prefix, taskId);
    const [a, b] = [node({ leaseMs: 10_000 }), node({ leaseMs: 10_000 })];
    const subA = a.client.status$(taskId).subscribe();
    await until(() => roles(a, taskId).includes('poller'), 'A polls');
    const fromB: TaskTransition[] = [];
    const subB = b.client.status$(taskId).subscribe((t) => fromB.push(t));
    await until(() => roles(b, taskId).includes('follower') && fromB.length > 0, 'B follows');
    expect(await redis.get(lease)).toMatch(/.+/);
    const heldByA = await redis.get(lease);

    subA.unsubscribe();
    const left = Date.now();
    await until(() => roles(b, taskId).includes('poller'), 'B takes over');
    // Far sooner than the 10 s lease: A released it and told B.
    expect(Date.now() - left).toBeLessThan(1000);
    expect(await redis.get(lease)).not.toBe(heldByA);
    const before = b.client.stats().requests;
    await until(() => b.client.stats().requests > before, 'B polls');
    expect(chainProblems([...fromB, { from: fromB.at(-1)!.to, to: 'succeeded' }])).toEqual([]);

    subB.unsubscribe();
    await until(async () => (await redis.exists(lease)) === 0, 'the lease released');
    expect((await keysUnder(redis, prefix)).filter((k) => k.endsWith(':lease'))).toEqual([]);
    expect(a.hub.stats()).toEqual({ following: 0, polling: 0, local: 0 });
    expect(b.hub.stats()).toEqual({ following: 0, polling: 0, local: 0 });
  });

  it('releases its leases when closed, so that another process takes over at once', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 60_000 });
    const [a, b] = [node({ leaseMs: 10_000 }), node({ leaseMs: 10_000 })];
    subscriptions.add(a.client.status$(taskId).subscribe());
    await until(() => roles(a, taskId).includes('poller'), 'A polls');
    subscriptions.add(b.client.status$(taskId).subscribe());
    await until(() => roles(b, taskId).includes('follower'), 'B follows');
    const closing = Date.now();
    await a.hub.close();
    await until(() => roles(b, taskId).includes('poller'), 'B takes over');
    expect(Date.now() - closing).toBeLessThan(1000);
    // A's subscriber still gets its transitions: A polls on its own now.
    expect(a.events.filter((e) => e.type === 'hub-fallback')).toEqual([expect.objectContaining({ taskId, reason: 'the Redis hub was closed' })]);
    expect(a.hub.stats()).toEqual({ following: 1, polling: 0, local: 1 });
  });

  it('renews only its own lease: a poller whose lease was taken stops polling and follows', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 60_000 });
    const { lease, channel } = hubKeys(prefix, taskId);
    const a = node({ leaseMs: 300 });
    subscriptions.add(a.client.status$(taskId).subscribe());
    await until(() => roles(a, taskId).includes('poller'), 'A polls');
    // Another owner got the lease (as if A had stalled past leaseMs).
    await redis.set(lease, 'someone-else', 'PX', 60_000);
    await until(() => roles(a, taskId).at(-1) === 'follower', 'A steps down');
    const stopped = a.client.stats().requests;
    await sleep(300);
    expect(a.client.stats().requests).toBeLessThanOrEqual(stopped + 1);
    expect(await redis.get(lease)).toBe('someone-else');
    // The intruder lets go: A takes over again.
    await redis.del(lease);
    await redis.publish(channel, 'r');
    await until(() => roles(a, taskId).at(-1) === 'poller', 'A polls again');
    expect(a.hub.stats()).toEqual({ following: 1, polling: 1, local: 0 });
  });

  it('carries hints between processes: a hint sent anywhere makes the poller poll at once', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 200 });
    // Polls once, then not for a minute unless hinted.
    const [a, b] = [node({}, { interval: 60_000 }), node({}, { interval: 60_000 })];
    const fromA = all(a.client.status$(taskId));
    await until(() => roles(a, taskId).includes('poller'), 'A polls');
    const fromB = all(b.client.status$(taskId));
    await until(() => roles(b, taskId).includes('follower'), 'B follows');
    await sleep(300);
    expect(await b.hub.hint({ event_type: 'generation.completed', data: { taskId } })).toBe(true);
    expect(await b.hub.hint({ nothing: true })).toBe(false);
    const [listA, listB] = await Promise.all([fromA, fromB]);
    expect(listA.at(-1)!.to).toBe('succeeded');
    expect(edges(listB)).toBe(edges(listA));
    expect(b.client.stats().requests).toBe(0);
  });

  it('shares one loop between clients of one process that use the same hub', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 300 });
    const a = node();
    const other = createTaskClient({ baseUrl: sim.url, token: sim.token, interval: 50, hub: a.hub });
    try {
      const [one, two] = await Promise.all([all(a.client.status$(taskId)), all(other.status$(taskId))]);
      expect(edges(two)).toBe(edges(one));
      expect(a.client.stats().requests + other.stats().requests).toBe(sim.stats(taskId).requests);
      expect(Math.min(a.client.stats().requests, other.stats().requests)).toBe(0);
    } finally {
      other.dispose();
    }
  });

  it('keeps the transitions with a TTL (terminalTtlMs), renewed while the task is polled', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 100 });
    const a = node({ terminalTtlMs: 60_000 });
    await all(a.client.status$(taskId));
    const ttl = await redis.pttl(hubKeys(prefix, taskId).transitions);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});

describe('createRedisTaskHub options', () => {
  it.each([
    [{}, /^redis: must be a redis:\/\/ or rediss:\/\/ URL or an ioredis Redis instance, got undefined$/],
    [{ redis: 42 }, /^redis: must be .*, got 42$/],
    [{ redis: 'http://localhost:6379' }, /^redis: must be .*, got a string$/],
    [{ redis: { status: 'ready' } }, /^redis: must be .*, got an object$/],
    [{ redis: 'redis://127.0.0.1:1', keyPrefix: 3 }, /^keyPrefix: must be a string, got 3$/],
    [{ redis: 'redis://127.0.0.1:1', leaseMs: 0 }, /^leaseMs: must be a whole number ≥ 30, got 0$/],
    [{ redis: 'redis://127.0.0.1:1', leaseMs: 10.5 }, /^leaseMs: must be a whole number ≥ 30, got 10.5$/],
    [{ redis: 'redis://127.0.0.1:1', terminalTtlMs: -1 }, /^terminalTtlMs: must be a whole number ≥ 1, got -1$/],
    [{ redis: 'redis://127.0.0.1:1', commandTimeout: 0 }, /^commandTimeout: must be a whole number ≥ 1, got 0$/],
    [{ redis: 'redis://127.0.0.1:1', onUnavailable: 'retry' }, /^onUnavailable: must be 'fallback' or 'fail', got a string$/],
    [{ redis: 'redis://127.0.0.1:1', scheduler: {} }, /^scheduler: must be an RxJS SchedulerLike, got an object$/],
    [{ redis: 'redis://127.0.0.1:1', random: 0.5 }, /^random: must be a function returning numbers in \[0, 1\), got 0.5$/],
  ])('refuses %j with a TypeError naming the option', (options, message) => {
    const create = (): unknown => createRedisTaskHub(options as Parameters<typeof createRedisTaskHub>[0]);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(message);
  });

  it('never shows the password of a URL in an error', () => {
    expect(() => createRedisTaskHub({ redis: 'redis://user:s3cret@host:6379', leaseMs: -1 })).toThrow(/leaseMs/);
    expect(() => createRedisTaskHub({ redis: 'redis://user:s3cret@host:6379', leaseMs: -1 })).not.toThrow(/s3cret/);
    expect(() => createRedisTaskHub({ redis: 'redis://user:s3cret@host 6379' })).toThrow(/^redis: must be .*, got a string$/);
    expect(() => createRedisTaskHub({ redis: 'redis://user:s3cret@host 6379' })).not.toThrow(/s3cret/);
  });
});
