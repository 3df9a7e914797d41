import { request } from 'node:http';
import { VirtualTimeScheduler } from 'rxjs';
import { createWebhookHandler, type WebhookPayload } from '../../../lib/adapters/webhook/index.js';
import { signWebhookBody } from '../../../lib/simulator/index.js';
import { createTaskClient } from '../../../lib/task-client.js';
import { sendJson, startTestServer, type TestServer } from '../../helpers/test-server.js';

// Issue 14, item 3: a captured webhook replayed 200 times is one event (and so at most one poll);
// the memory it takes is bounded; the window is read from the scheduler's clock.

const secret = 'whsec-fake-replay';
const TASK = '0b8f7a4e-1f7c-4a55-9d7e-2b1f0c3d4e5f';
const bodyFor = (n: number, taskId = TASK): string => JSON.stringify({ event_type: 'generation.completed', data: { taskId, n } });

function post(url: string, body: string, signature = signWebhookBody(body, secret)): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-webhook-signature': signature };
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('createWebhookHandler against replays', () => {
  let hooks: TestServer;
  let api: TestServer;
  beforeAll(async () => {
    [hooks, api] = await Promise.all([startTestServer(), startTestServer()]);
  });
  afterEach(() => {
    hooks.reset();
    api.reset();
  });
  afterAll(async () => {
    await Promise.all([hooks.close(), api.close()]);
  });

  it('200 replays of one captured webhook are answered 200 and make 1 event, so a client polls once for them', async () => {
    const handler = createWebhookHandler({ secret });
    const events: WebhookPayload[] = [];
    const sub = handler.events$.subscribe((e) => events.push(e));
    hooks.handle(handler);
    api.handle((_req, res) => sendJson(res, 200, { taskId: TASK, status: 'PENDING' }));
    const client = createTaskClient({ baseUrl: api.url, token: 'fake-test-token', fetch: globalThis.fetch, interval: 60_000, hintFloor: 0, hints: handler.events$, pauseWhenHidden: false });
    const follow = client.status$(TASK).subscribe();
    try {
      await api.waitForRequests(1);
      const body = bodyFor(1);
      const answers = [];
      for (let i = 0; i < 200; i++) answers.push(await post(`${hooks.url}/hook`, body));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers[0]!.json).toEqual({ received: true });
      expect(answers[199]!.json).toEqual({ received: true, duplicate: true });
      expect(events).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(api.requests.length).toBeLessThanOrEqual(2);
    } finally {
      follow.unsubscribe();
      client.dispose();
      sub.unsubscribe();
    }
  });

  it('different bodies are different events; a replay is not given to onEvent', async () => {
    const handled: number[] = [];
    const handler = createWebhookHandler({ secret, onEvent: (e) => void handled.push(e.data?.['n'] as number) });
    hooks.handle(handler);
    for (const n of [1, 2, 1, 3, 2]) expect((await post(hooks.url, bodyFor(n))).status).toBe(200);
    expect(handled).toEqual([1, 2, 3]);
  });

  it('forgets a body after replayWindow, read from the scheduler', async () => {
    const scheduler = new VirtualTimeScheduler();
    const handler = createWebhookHandler({ secret, replayWindow: 60_000, scheduler });
    const events: WebhookPayload[] = [];
    handler.events$.subscribe((e) => events.push(e));
    hooks.handle(handler);
    await post(hooks.url, bodyFor(1));
    scheduler.frame = 59_999;
    await post(hooks.url, bodyFor(1));
    expect(events).toHaveLength(1);
    scheduler.frame = 60_001;
    await post(hooks.url, bodyFor(1));
    expect(events).toHaveLength(2);
  });

  it('remembers at most replayCacheSize bodies (bounded memory), the least recently seen forgotten first', async () => {
    const handler = createWebhookHandler({ secret, replayCacheSize: 3 });
    const events: WebhookPayload[] = [];
    handler.events$.subscribe((e) => events.push(e));
    hooks.handle(handler);
    for (const n of [1, 2, 3, 4]) await post(hooks.url, bodyFor(n));
    await post(hooks.url, bodyFor(4));
    expect(events).toHaveLength(4);
    await post(hooks.url, bodyFor(1)); // forgotten: emitted again
    expect(events).toHaveLength(5);
  });

  it('replayWindow: 0 turns it off; the options are validated when called', async () => {
    const handler = createWebhookHandler({ secret, replayWindow: 0 });
    const events: WebhookPayload[] = [];
    handler.events$.subscribe((e) => events.push(e));
    hooks.handle(handler);
    await post(hooks.url, bodyFor(1));
    await post(hooks.url, bodyFor(1));
    expect(events).toHaveLength(2);
    expect(() => createWebhookHandler({ secret, replayWindow: -1 })).toThrow(/replayWindow/);
    expect(() => createWebhookHandler({ secret, replayCacheSize: 0 })).toThrow(/replayCacheSize/);
    expect(() => createWebhookHandler({ secret, scheduler: {} as never })).toThrow(/scheduler/);
  });

  it('a forged signature is still a 401, not a duplicate', async () => {
    const handler = createWebhookHandler({ secret });
    hooks.handle(handler);
    const body = bodyFor(9);
    expect((await post(hooks.url, body)).status).toBe(200);
    expect((await post(hooks.url, body, signWebhookBody(body, 'another-secret'))).status).toBe(401);
  });
});
