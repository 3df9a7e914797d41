import { Subscription, lastValueFrom, toArray } from 'rxjs';
import { createRedisTaskHub, isRedisUnavailableError, RedisUnavailableError, type RedisTaskHub } from '../../../lib/adapters/redis/index.js';
import type { TaskClientEvent } from '../../../lib/client/task-client-event.js';
import { startSimulator, type Simulator } from '../../../lib/simulator/index.js';
import { createTaskClient, type TaskClient } from '../../../lib/task-client.js';
import type { TaskTransition } from '../../../lib/transitions.js';
import { isTaskStatusError } from '../../../lib/errors/task-status-error.js';
import { chainProblems } from './chains.js';
import { startOwnRedis, type OwnRedis } from './redis-test-server.js';
import { eventually, grown, resourceCounts } from '../../reliability/resources.js';

// Redis going away under the hub: each spec runs its own redis-server, so that killing it
// disturbs nobody else.

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Node {
  readonly hub: RedisTaskHub;
  readonly client: TaskClient;
  readonly events: TaskClientEvent[];
}

describe('Redis hub when Redis is unreachable', () => {
  let sim: Simulator;
  let own: OwnRedis | undefined;
  let nodes: Node[] = [];
  let subscriptions = new Subscription();

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, retryRate: 0.3 });
  });
  afterEach(async () => {
    subscriptions.unsubscribe();
    subscriptions = new Subscription();
    for (const n of nodes) {
      await n.hub.close();
      n.client.dispose();
    }
    nodes = [];
    await own?.stop();
    own = undefined;
  });
  afterAll(() => sim?.close());

  const node = (redis: string, onUnavailable: 'fallback' | 'fail' = 'fallback'): Node => {
    const hub = createRedisTaskHub({ redis, keyPrefix: 'down:', leaseMs: 600, commandTimeout: 500, onUnavailable });
    const client = createTaskClient({ baseUrl: sim.url, token: sim.token, interval: 50, hub });
    const events: TaskClientEvent[] = [];
    subscriptions.add(client.events$.subscribe((e) => events.push(e)));
    const created = { hub, client, events };
    nodes.push(created);
    return created;
  };
  const fallbacks = (n: Node): string[] => n.events.flatMap((e) => (e.type === 'hub-fallback' ? [e.taskId] : []));

  it('falls back to local polling when Redis stops mid-run: every task still ends in each process, none twice', async () => {
    own = await startOwnRedis();
    const taskIds: string[] = [];
    for (let i = 0; i < 20; i++) taskIds.push((await sim.submit({ durationMs: 2000 })).taskId);
    const [a, b] = [node(own.url), node(own.url)];
    const seen = [a, b].map((n) => taskIds.map((id) => lastValueFrom(n.client.status$(id).pipe(toArray()))));
    await sleep(700);
    // Midway: the hub works (one process polls each task), nothing is over yet.
    expect(a.client.stats().requests + b.client.stats().requests).toBeGreaterThan(0);
    expect([...a.events, ...b.events].filter((e) => e.type === 'hub-fallback')).toEqual([]);
    const requestsBefore = [a, b].map((n) => n.client.stats().requests);
    await own.stop();

    const [fromA, fromB] = await Promise.all(seen.map((lists) => Promise.all(lists)));
    for (const lists of [fromA!, fromB!]) {
      const problems = lists.flatMap((list, i) => chainProblems(list).map((p) => `${taskIds[i]}: ${p}`));
      expect(problems).toEqual([]);
    }
    // Both processes reported the fallback of every task, and both polled after it.
    for (const n of [a, b]) expect(new Set(fallbacks(n))).toEqual(new Set(taskIds));
    expect(a.client.stats().requests).toBeGreaterThan(requestsBefore[0]!);
    expect(b.client.stats().requests).toBeGreaterThan(requestsBefore[1]!);
    const event = a.events.find((e) => e.type === 'hub-fallback');
    expect(event).toMatchObject({ type: 'hub-fallback', error: expect.stringMatching(/Error/), reason: expect.stringMatching(/\w/), at: expect.any(Number) });
  }, 30_000);

  it("errors each stream with RedisUnavailableError when Redis stops and onUnavailable is 'fail'", async () => {
    own = await startOwnRedis();
    const { taskId } = await sim.submit({ durationMs: 5000 });
    const a = node(own.url, 'fail');
    const got: TaskTransition[] = [];
    const failed = new Promise<unknown>((resolve) => subscriptions.add(a.client.status$(taskId).subscribe({ next: (t) => got.push(t), error: resolve })));
    await sleep(400);
    expect(got.length).toBeGreaterThan(0);
    await own.stop();
    const error = await failed;
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(isRedisUnavailableError(error) && isTaskStatusError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'RedisUnavailableError', taskId });
    expect(fallbacks(a)).toEqual([taskId]);
  });

  it('polls locally at once when Redis cannot be reached from the start', async () => {
    own = await startOwnRedis();
    await own.stop(); // a port where nothing listens
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 200 });
    const a = node(own.url);
    const started = Date.now();
    const list = await lastValueFrom(a.client.status$(taskId).pipe(toArray()));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(chainProblems(list)).toEqual([]);
    expect(list.at(-1)!.state).toMatchObject({ phase: 'succeeded', content: expect.any(Uint8Array) });
    expect(fallbacks(a)).toEqual([taskId]);
    expect(a.client.stats().requests).toBe(sim.stats(taskId).requests);
    await expect(a.hub.hint(taskId)).rejects.toThrow();
  });

  it("fails at once when Redis cannot be reached from the start and onUnavailable is 'fail'", async () => {
    own = await startOwnRedis();
    await own.stop();
    const { taskId } = await sim.submit({ durationMs: 200 });
    const a = node(own.url, 'fail');
    await expect(lastValueFrom(a.client.status$(taskId))).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(a.client.stats().requests).toBe(0);
  });

  it('keeps following locally the tasks still open when the hub is closed', async () => {
    own = await startOwnRedis();
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 800 });
    const a = node(own.url);
    const all = lastValueFrom(a.client.status$(taskId).pipe(toArray()));
    await sleep(300);
    await a.hub.close();
    const list = await all;
    expect(chainProblems(list)).toEqual([]);
    expect(fallbacks(a)).toEqual([taskId]);
    expect(a.events.find((e) => e.type === 'hub-fallback')).toMatchObject({ reason: 'the Redis hub was closed' });
  });

  it('leaves no timer or socket behind when closed while Redis is down', async () => {
    own = await startOwnRedis();
    const before = resourceCounts();
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 3000 });
    const a = node(own.url);
    const got: TaskTransition[] = [];
    subscriptions.add(a.client.status$(taskId).subscribe((t) => got.push(t)));
    await sleep(300);
    expect(got.length).toBeGreaterThan(0);
    await own.stop();
    // Down for a while: the hub falls back and ioredis keeps trying to reconnect.
    expect(await eventually(() => fallbacks(a).length > 0, 3000)).toBe(true);
    await sleep(400);
    subscriptions.unsubscribe();
    await a.hub.close();
    a.client.dispose();
    nodes = nodes.filter((n) => n !== a);
    const left = (): Record<string, number> => {
      const g = grown(before, resourceCounts());
      delete g['TCPServerWrap']; // the simulator's own server
      return g;
    };
    // Nothing is left to keep the process alive once close() resolved (a few turns for sockets
    // to finish closing, far less than any reconnect or command timer).
    await eventually(() => Object.keys(left()).length === 0, 500);
    expect(left()).toEqual({});
  });
});
