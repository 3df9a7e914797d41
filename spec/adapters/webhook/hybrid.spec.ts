/**
 * Webhooks and polling together, against the simulator: FactPulse's webhook makes the end of a
 * task known at once (an immediate poll of that task), and polling is only the safety net.
 */
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { filter, firstValueFrom, last, tap, toArray } from 'rxjs';
import { constantSchedule, createTaskClient, hintTaskId, isTerminal, type TaskClient, type TaskTransition } from '../../../lib/index.js';
import { createWebhookHandler, type WebhookHandler } from '../../../lib/adapters/webhook/index.js';
import { safetyNetSchedule } from '../../../lib/schedules/safety-net-schedule.js';
import { startSimulator, type Simulator } from '../../../lib/simulator/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { eventually } from '../ws/socket-kit.js';

describe('webhooks + polling (hybrid)', () => {
  let sim: Simulator;
  let receiver: TestServer;
  let webhook: WebhookHandler;
  /** performance.now() when each task's webhook request reached the receiver. */
  const arrivals = new Map<string, number>();
  const clients: TaskClient[] = [];
  /** The safety-net schedule of the test, told of each webhook (as `onEvent: schedule.heard` does). */
  let heard: ((event: unknown) => void) | undefined;
  const newClient = (options: Parameters<typeof createTaskClient>[0]): TaskClient => {
    const c = createTaskClient({ baseUrl: sim.url, token: sim.token, ...options });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, retryRate: 0, webhookSecret: 'hybrid-secret' });
    receiver = await startTestServer();
    const arrivedAt = new WeakMap<IncomingMessage, number>();
    webhook = createWebhookHandler({
      secret: sim.webhookSecret,
      onEvent: (event, req) => {
        const id = hintTaskId(event);
        const at = arrivedAt.get(req);
        if (id !== undefined && at !== undefined && !arrivals.has(id)) arrivals.set(id, at);
        heard?.(event);
      },
    });
    // The arrival time is taken when the webhook request comes in.
    receiver.handle((req, res) => {
      arrivedAt.set(req, performance.now());
      webhook(req, res);
    });
    // Warm the path once (module loading, JIT, connection pools), so the timings below measure the
    // steady state a server is in, not a cold start.
    const warm = createTaskClient({ baseUrl: sim.url, token: sim.token, interval: 60_000, hints: webhook.events$ });
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 50, callbackUrl: `${receiver.url}/warm` });
    await firstValueFrom(warm.status$(taskId).pipe(last()));
    warm.dispose();
  });
  afterAll(async () => {
    await receiver.close();
    await sim.close();
  });
  afterEach(() => {
    heard = undefined;
    for (const c of clients.splice(0)) c.dispose();
  });

  const callbackUrl = (): string => `${receiver.url}/factpulse/webhook`;

  /** Follows a task to its end; resolves with its transitions and when the terminal one arrived. */
  const follow = async (client: TaskClient, taskId: string): Promise<{ transitions: TaskTransition[]; endedAt: number }> => {
    let endedAt = Number.NaN;
    const transitions = await firstValueFrom(
      client.status$(taskId).pipe(
        tap((t) => {
          if (isTerminal(t.to)) endedAt = performance.now();
        }),
        toArray(),
      ),
    );
    return { transitions, endedAt };
  };

  it('a task’s end reaches subscribers within 50 ms of its webhook, with no poll in between', async () => {
    // Polling alone would not look again for a minute: only the webhook can end this in time.
    const client = newClient({ interval: 60_000, hints: webhook.events$ });
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 400, callbackUrl: callbackUrl() });
    const { transitions, endedAt } = await follow(client, taskId);

    expect(transitions.map((t) => t.to)).toEqual(['pending', 'succeeded']);
    expect(sim.stats(taskId).webhooks).toEqual([{ status: 200 }]);
    const arrived = arrivals.get(taskId);
    expect(arrived).toBeDefined();
    expect(endedAt - arrived!).toBeGreaterThanOrEqual(0);
    expect(endedAt - arrived!).toBeLessThan(50);
    expect(sim.stats(taskId).requests).toBe(2); // the first poll, then the one the webhook asked for
  });

  it('with webhooks on, the simulator counts fewer polls than without, and the end is seen as soon', async () => {
    // Without webhooks: a plain 50 ms schedule.
    const plain = newClient({ interval: constantSchedule(50) });
    const without = await sim.submit({ outcome: 'success', durationMs: 800 });
    await follow(plain, without.taskId);
    const pollsWithout = sim.stats(without.taskId).requests;

    // With webhooks: the same 50 ms schedule until webhooks are seen to arrive, then a 5 s safety net.
    const schedule = safetyNetSchedule({ interval: 50, safetyNet: 5000 });
    heard = schedule.heard;
    const hybrid = newClient({ interval: schedule, hints: webhook.events$ });
    const warmUp = await sim.submit({ outcome: 'success', durationMs: 200, callbackUrl: callbackUrl() });
    await follow(hybrid, warmUp.taskId);
    await eventually(() => sim.stats(warmUp.taskId).webhooks.length === 1, 5000, 'the warm-up webhook');
    expect(schedule.isLive()).toBe(true);

    const withHooks = await sim.submit({ outcome: 'success', durationMs: 800, callbackUrl: callbackUrl() });
    const { transitions, endedAt } = await follow(hybrid, withHooks.taskId);
    const pollsWith = sim.stats(withHooks.taskId).requests;

    expect(transitions[transitions.length - 1]!.to).toBe('succeeded');
    expect(endedAt - arrivals.get(withHooks.taskId)!).toBeLessThan(50);
    expect(pollsWithout).toBeGreaterThanOrEqual(10);
    expect(pollsWith).toBeLessThanOrEqual(3);
    expect(pollsWith).toBeLessThan(pollsWithout);
  });

  it('a webhook that never comes is caught by the safety-net poll, and polling speeds up again', async () => {
    const schedule = safetyNetSchedule({ interval: 50, safetyNet: 700 });
    heard = schedule.heard;
    const client = newClient({ interval: schedule, hints: webhook.events$ });
    const warmUp = await sim.submit({ outcome: 'success', durationMs: 100, callbackUrl: callbackUrl() });
    await follow(client, warmUp.taskId);
    await eventually(() => sim.stats(warmUp.taskId).webhooks.length === 1, 5000, 'the warm-up webhook');
    expect(schedule.isLive()).toBe(true);

    // Submitted without a callbackUrl: no webhook will ever announce its end.
    const silent = await sim.submit({ outcome: 'failed', durationMs: 300 });
    const started = performance.now();
    const end = await firstValueFrom(client.status$(silent.taskId).pipe(last()));
    expect(end.to).toBe('failed');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(sim.stats(silent.taskId).requests).toBeLessThanOrEqual(3);
    expect(schedule.isLive()).toBe(false); // the miss put it back on the 50 ms schedule

    const next = await sim.submit({ outcome: 'success', durationMs: 600 });
    await firstValueFrom(client.status$(next.taskId).pipe(filter((t) => isTerminal(t.to))));
    expect(sim.stats(next.taskId).requests).toBeGreaterThanOrEqual(8);
  });

  it('ignores webhooks for tasks the client does not follow', async () => {
    const client = newClient({ interval: 60_000, hints: webhook.events$ });
    const followed = await sim.submit({ durationMs: 60_000 });
    const other = await sim.submit({ outcome: 'success', durationMs: 50, callbackUrl: callbackUrl() });
    const sub = client.status$(followed.taskId).subscribe();
    await eventually(() => sim.stats(other.taskId).webhooks.length === 1, 5000, 'the other task’s webhook');
    expect(sim.stats(followed.taskId).requests).toBe(1);
    expect(sim.stats(other.taskId).requests).toBe(0);
    sub.unsubscribe();
  });
});
