/**
 * `factpulse-rx/otel` with `factpulse-rx/redis`: clients sharing a task through a Redis hub (the
 * suite's own redis-server) are instrumented like any client. The poller records the requests;
 * the follower records the task, its transitions and its hub role, and no request.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { createRedisTaskHub, type RedisTaskHub } from '../../../lib/adapters/redis/index.js';
import { instrumentTaskClient } from '../../../lib/adapters/otel/index.js';
import { METRICS } from '../../../lib/adapters/otel/telemetry-names.js';
import { createTaskClient, type TaskClient } from '../../../lib/index.js';
import { startSimulator, type Simulator } from '../../../lib/simulator/index.js';
import { REDIS_URL, connect, deleteUnder, requireRedis, testPrefix } from '../redis/redis-test-server.js';
import { createTelemetry, pointsOf, spansNamed, total, type Telemetry } from './otel-kit.js';

describe('instrumentTaskClient on clients with a Redis hub', () => {
  let sim: Simulator;
  const hubs: RedisTaskHub[] = [];
  const clients: TaskClient[] = [];
  const telemetries: Telemetry[] = [];
  const prefix = testPrefix('otel');

  beforeAll(async () => {
    await requireRedis();
    sim = await startSimulator({ seed: 21, retryRate: 0 });
  });
  afterAll(async () => {
    for (const c of clients) c.dispose();
    for (const h of hubs) await h.close();
    for (const t of telemetries) await t.shutdown();
    const redis = connect(REDIS_URL);
    await redis.connect();
    await deleteUnder(redis, prefix);
    redis.disconnect();
    await sim?.close();
  });

  const node = (): { client: TaskClient; telemetry: Telemetry } => {
    const hub = createRedisTaskHub({ redis: REDIS_URL, keyPrefix: prefix, leaseMs: 1000 });
    const client = createTaskClient({ baseUrl: sim.url, token: sim.token, interval: 50, hub });
    const telemetry = createTelemetry();
    instrumentTaskClient(client, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    hubs.push(hub);
    clients.push(client);
    telemetries.push(telemetry);
    return { client, telemetry };
  };

  it('records one poller and one follower, requests only where they are sent', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 600 });
    const [a, b] = [node(), node()];
    const [fromA, fromB] = await Promise.all([a, b].map((n) => lastValueFrom(n.client.status$(taskId).pipe(toArray()))));
    expect(fromA!.at(-1)!.to).toBe('succeeded');
    expect(fromB!.at(-1)!.to).toBe('succeeded');
    const [ma, mb] = await Promise.all([a.telemetry.metrics(), b.telemetry.metrics()]);
    const roles = [ma, mb].map((m) => pointsOf(m, METRICS.hubRoles).map((p) => p.attributes['factpulse.hub.role']));
    expect(roles.map((r) => r[0]).sort()).toEqual(['follower', 'poller']);
    const [poller, follower] = roles[0]![0] === 'poller' ? [a, b] : [b, a];
    const [mp, mf] = poller === a ? [ma, mb] : [mb, ma];
    expect(total(mp, METRICS.requests)).toBe(sim.stats(taskId).requests);
    expect(total(mf, METRICS.requests)).toBe(0);
    // Both record the task: its span (a hub role event on it), its transitions, its duration.
    for (const [n, m] of [
      [poller, mp],
      [follower, mf],
    ] as const) {
      const [span] = spansNamed(n.telemetry.spans, 'factpulse.task');
      expect(span?.attributes['factpulse.task.outcome']).toBe('succeeded');
      expect(span?.events.some((e) => e.name === 'factpulse.hub.role')).toBe(true);
      expect(total(m, METRICS.taskDuration, { 'factpulse.task.outcome': 'succeeded' })).toBe(1);
    }
    expect(spansNamed(follower.telemetry.spans, 'GET')).toHaveLength(0);
    expect(spansNamed(poller.telemetry.spans, 'GET')).toHaveLength(sim.stats(taskId).requests);
  });
});
