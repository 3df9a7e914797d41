import { randomUUID } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { EventSource } from 'eventsource';
import { Observable, Subject, finalize } from 'rxjs';
import { createTaskClient, type TaskClient, type TaskStatusSource, type TaskTransition } from '../../../lib/index.js';
import { taskEventsHandler, type TaskFrame } from '../../../lib/adapters/sse/index.js';
import { startSimulator, type Simulator } from '../../../lib/simulator/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { eventually, settled, sleep } from '../ws/socket-kit.js';

/** An EventSource that records every named event's parsed data. */
function listen(url: string): { es: EventSource; frames: TaskFrame[]; opened: Promise<void> } {
  const es = new EventSource(url);
  const frames: TaskFrame[] = [];
  const push = (e: Event): void => {
    const data = (e as MessageEvent).data;
    if (typeof data === 'string') frames.push(JSON.parse(data) as TaskFrame);
  };
  for (const type of ['transition', 'error', 'complete']) es.addEventListener(type, push);
  const opened = new Promise<void>((resolve) => es.addEventListener('open', () => resolve(), { once: true }));
  return { es, frames, opened };
}

/** One GET, the whole answer (for status codes), with a fresh connection. */
function get(url: string, method = 'GET'): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('taskEventsHandler', () => {
  let sim: Simulator;
  let server: TestServer;
  let client: TaskClient;
  const sources: EventSource[] = [];
  const track = (l: ReturnType<typeof listen>): ReturnType<typeof listen> => {
    sources.push(l.es);
    return l;
  };

  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, retryRate: 0 });
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
    await sim.close();
  });
  beforeEach(() => {
    client = createTaskClient({ baseUrl: sim.url, token: sim.token, interval: 40 });
  });
  afterEach(() => {
    for (const es of sources.splice(0)) es.close();
    client.dispose();
    server.reset();
  });

  it('streams transition events then complete, with the same JSON as the websocket frames', async () => {
    server.handle(taskEventsHandler(client));
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 600 });
    const { es, frames } = track(listen(`${server.url}/tasks?taskId=${taskId}`));
    await eventually(() => frames.some((f) => f.type === 'complete'), 5000, 'the complete event');
    es.close();
    const transitions = frames.filter((f) => f.type === 'transition');
    expect(transitions.length).toBeGreaterThanOrEqual(2);
    expect(transitions[0]).toMatchObject({ type: 'transition', taskId, from: null });
    expect(transitions[transitions.length - 1]).toMatchObject({
      taskId,
      to: 'succeeded',
      state: { phase: 'succeeded', contentBytes: expect.any(Number) },
    });
    expect(JSON.stringify(transitions)).not.toContain('"content":');
    expect(frames[frames.length - 1]).toEqual({ type: 'complete', taskId });
  });

  it('answers text/event-stream, no-cache, and sends heartbeat comments', async () => {
    const feed = new Subject<TaskTransition>();
    server.handle(taskEventsHandler({ status$: () => feed.asObservable() }, { heartbeatMs: 30 }));
    const taskId = randomUUID();
    const text = await new Promise<{ headers: IncomingMessage['headers']; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/events/${taskId}`, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          if ((body.match(/: ping/g) ?? []).length >= 2) {
            feed.next({ taskId, from: null, to: 'pending', at: 1, polls: 1, state: { phase: 'pending', status: 'PENDING' } });
            feed.complete();
          }
        });
        res.on('end', () => resolve({ headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(text.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(text.headers['cache-control']).toContain('no-cache');
    expect(text.body.startsWith(': connected\n\n')).toBe(true);
    expect(text.body).toContain(': ping\n\n');
    expect(text.body).toContain(
      `event: transition\ndata: {"type":"transition","taskId":"${taskId}","from":null,"to":"pending","at":1,"polls":1,"state":{"phase":"pending","status":"PENDING"}}\n\n`,
    );
    expect(text.body.endsWith(`event: complete\ndata: {"type":"complete","taskId":"${taskId}"}\n\n`)).toBe(true);
  });

  it('the client closing the connection stops the polls (counted at the simulator)', async () => {
    server.handle(taskEventsHandler(client));
    const { taskId } = await sim.submit({ durationMs: 60_000 });
    const { es } = track(listen(`${server.url}/tasks/${taskId}`));
    await eventually(() => sim.stats(taskId).requests >= 3, 5000, '3 polls');
    es.close();
    const after = await settled(() => sim.stats(taskId).requests);
    await sleep(300);
    expect(sim.stats(taskId).requests).toBe(after);
    expect(client.stats().tasks).toBe(0);
  });

  it('sends an error event with the error class and message, then ends the stream', async () => {
    const bad = createTaskClient({ baseUrl: sim.url, token: 'not-a-valid-token' });
    try {
      server.handle(taskEventsHandler(bad));
      const { taskId } = await sim.submit({ durationMs: 1000 });
      const res = await get(`${server.url}/t/${taskId}`);
      expect(res.status).toBe(200);
      const match = /event: error\ndata: (.*)\n\n$/.exec(res.text);
      expect(match).not.toBeNull();
      expect(JSON.parse(match![1]!)).toMatchObject({ type: 'error', taskId, error: { name: 'AuthError', message: expect.any(String) } });
      expect(res.text).not.toContain('not-a-valid-token');
    } finally {
      bad.dispose();
    }
  });

  it('reads the id with the taskId option (Express-style params)', async () => {
    type ExpressLike = IncomingMessage & { params?: Record<string, string> };
    const handler = taskEventsHandler<ExpressLike>(client, { taskId: (req) => req.params?.['id'] });
    const { taskId } = await sim.submit({ outcome: 'rejected', durationMs: 0 });
    server.handle((req, res) => handler(Object.assign(req, { params: { id: taskId } }), res));
    const res = await get(`${server.url}/anything`);
    expect(res.text).toContain('"to":"rejected"');
    expect(res.text).toContain('event: complete');
  });

  it('answers 400 for a missing or malformed id, 405 for other methods', async () => {
    server.handle(taskEventsHandler(client));
    expect((await get(`${server.url}/`)).status).toBe(400);
    expect((await get(`${server.url}/tasks/not-a-uuid`)).status).toBe(400);
    expect((await get(`${server.url}/tasks/%E0%A4%A`)).status).toBe(400);
    const post = await get(`${server.url}/tasks/${randomUUID()}`, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET');
    expect(client.stats().requests).toBe(0);
  });

  it('answers 403 and polls nothing when authorize says no, throws or rejects', async () => {
    const { taskId } = await sim.submit({ durationMs: 0 });
    const verdicts = [() => false, () => Promise.resolve(false), () => Promise.reject(new Error('down')), (): boolean => { throw new Error('boom'); }];
    for (const verdict of verdicts) {
      server.handle(taskEventsHandler(client, { authorize: verdict }));
      expect((await get(`${server.url}/tasks/${taskId}`)).status).toBe(403);
    }
    expect(sim.stats(taskId).requests).toBe(0);
    server.handle(taskEventsHandler(client, { authorize: async (id, req) => id === taskId && req.url === `/tasks/${taskId}` }));
    const ok = await get(`${server.url}/tasks/${taskId}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('event: complete');
  });

  it('sends the content as base64 with includeContent', async () => {
    server.handle(taskEventsHandler(client, { includeContent: true }));
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 0 });
    const res = await get(`${server.url}/tasks/${taskId}`);
    const line = res.text.split('\n').find((l) => l.startsWith('data: {"type":"transition"'))!;
    const frame = JSON.parse(line.slice(6)) as { state: { content: string; contentBytes: number } };
    expect(Buffer.from(frame.state.content, 'base64').length).toBe(frame.state.contentBytes);
  });

  it('drops a client that stops reading once maxBufferedBytes is exceeded, and unfollows', async () => {
    const feed = new Subject<TaskTransition>();
    let live = 0;
    const source: TaskStatusSource = {
      status$: () =>
        new Observable<TaskTransition>((s) => {
          live++;
          return feed.pipe(finalize(() => live--)).subscribe(s);
        }),
    };
    server.handle(taskEventsHandler(source, { maxBufferedBytes: 64 * 1024, heartbeatMs: 0 }));
    const taskId = randomUUID();
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET /tasks/${taskId} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    socket.pause(); // never read
    await eventually(() => live === 1, 5000, 'the subscription');
    const big = 'z'.repeat(256 * 1024);
    for (let i = 0; i < 400 && live === 1; i++) {
      feed.next({ taskId, from: 'pending', to: 'started', at: i, polls: i, state: { phase: 'started', status: 'PROGRESS', meta: { big } } });
      await sleep(1);
    }
    expect(live).toBe(0);
    socket.destroy();
  });

  it('keeps a client that reads, even when single events are larger than maxBufferedBytes', async () => {
    const feed = new Subject<TaskTransition>();
    server.handle(taskEventsHandler({ status$: () => feed.asObservable() }, { maxBufferedBytes: 64 * 1024, heartbeatMs: 0 }));
    const taskId = randomUUID();
    const l = track(listen(`${server.url}/tasks/${taskId}`));
    await l.opened;
    await eventually(() => feed.observed, 5000, 'the subscription');
    const pad = 'q'.repeat(100 * 1024);
    for (let i = 0; i < 40; i++) {
      feed.next({ taskId, from: 'pending', to: 'started', at: i, polls: i, state: { phase: 'started', status: 'PROGRESS', meta: { i, pad } } });
      await sleep(5);
    }
    feed.complete();
    await eventually(() => l.frames.some((f) => f.type === 'complete'), 5000, 'the complete event');
    expect(l.frames.filter((f) => f.type === 'transition')).toHaveLength(40);
  });

  it('validates its options when called', () => {
    expect(() => taskEventsHandler({} as never)).toThrow(/\bclient: must be /);
    expect(() => taskEventsHandler(client, { taskId: 'id' as never })).toThrow(/\btaskId: must be /);
    expect(() => taskEventsHandler(client, { authorize: true as never })).toThrow(/\bauthorize: must be /);
    expect(() => taskEventsHandler(client, { heartbeatMs: -5 })).toThrow(/\bheartbeatMs: must be /);
    expect(() => taskEventsHandler(client, { maxBufferedBytes: Number.NaN })).toThrow(/\bmaxBufferedBytes: must be /);
    expect(() => taskEventsHandler(client, { includeContent: 1 as never })).toThrow(/\bincludeContent: must be /);
  });
});
