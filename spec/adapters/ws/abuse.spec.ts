import { createTaskClient, type TaskClient } from '../../../lib/index.js';
import { attachTaskSocketServer, type TaskSocketServer } from '../../../lib/adapters/ws/index.js';
import { sendJson, startTestServer, type TestServer } from '../../helpers/test-server.js';
import { TestSocket, settled, sleep, startSocketServer, type SocketServer } from './socket-kit.js';

// Issue 14, item 4, over a real websocket: one browser tab looping subscribe/unsubscribe must
// not turn into requests to FactPulse, nor into a pile of pending `authorize` calls.

const TASK = '0b1f0c8e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';
const id = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describe('attachTaskSocketServer against a peer that abuses it', () => {
  let api: TestServer;
  let server: SocketServer;
  let client: TaskClient;
  let adapter: TaskSocketServer | undefined;
  let socket: TestSocket | undefined;

  beforeAll(async () => {
    api = await startTestServer();
  });
  afterAll(() => api.close());
  beforeEach(async () => {
    api.reset();
    api.handle((req, res) => {
      const taskId = decodeURIComponent(/tasks\/([^/]+)\/status/.exec(req.url ?? '')?.[1] ?? '');
      sendJson(res, 200, { taskId, status: 'PENDING' });
    });
    server = await startSocketServer();
    client = createTaskClient({ baseUrl: api.url, token: 'fake-test-token', fetch: globalThis.fetch, interval: 2500, pauseWhenHidden: false });
  });
  afterEach(async () => {
    socket?.close();
    socket = undefined;
    adapter?.close();
    adapter = undefined;
    client.dispose();
    await server.close();
  });

  it('300 subscribe/unsubscribe cycles of one task over one websocket send at most one request per interval', async () => {
    adapter = attachTaskSocketServer(server.wss, client, { heartbeatMs: 0 });
    socket = await TestSocket.open(server.url);
    const started = Date.now();
    // Like a tab that reconnects in a loop: subscribe, get the task's state, unsubscribe.
    for (let i = 1; i <= 300; i++) {
      socket.subscribe(TASK);
      await socket.waitFor(() => socket!.frames.filter((f) => f.type === 'transition').length >= i, 5000, `transition #${i}`);
      socket.unsubscribe(TASK);
    }
    const requests = await settled(() => api.requests.length, 200, 5000);
    const elapsed = Date.now() - started;
    expect(requests).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 2500));
    expect(requests).toBeLessThan(5);
  });

  it('pending authorize calls count toward maxTasksPerSocket, also once unsubscribed: a loop cannot pile them up', async () => {
    let calls = 0;
    adapter = attachTaskSocketServer(server.wss, client, {
      heartbeatMs: 0,
      maxTasksPerSocket: 10,
      authorizeTimeout: 60_000,
      authorize: () => {
        calls++;
        return new Promise<boolean>(() => undefined); // never answers
      },
    });
    socket = await TestSocket.open(server.url);
    for (let i = 0; i < 5000; i++) {
      socket.subscribe(id(i % 50));
      socket.unsubscribe(id(i % 50));
    }
    socket.subscribe(id(9999));
    await socket.waitFor((f) => f.type === 'error' && f.taskId === id(9999), 5000);
    await settled(() => socket!.frames.length, 200, 5000);
    expect(calls).toBeLessThanOrEqual(10);
    expect(socket.frames.find((f) => f.taskId === id(9999))).toMatchObject({ type: 'error', error: { name: 'LimitExceededError' } });
    expect(api.requests).toHaveLength(0);
  });

  it('a subscribe again while its authorize is pending is decided by that same call', async () => {
    const releases: Array<(ok: boolean) => void> = [];
    adapter = attachTaskSocketServer(server.wss, client, {
      heartbeatMs: 0,
      authorize: () => new Promise<boolean>((resolve) => releases.push(resolve)),
    });
    socket = await TestSocket.open(server.url);
    socket.subscribe(TASK);
    socket.unsubscribe(TASK);
    socket.subscribe(TASK);
    await sleep(50);
    expect(releases).toHaveLength(1);
    releases[0]!(true);
    await socket.waitFor((f) => f.type === 'transition' && f.taskId === TASK, 5000);
  });

  it('authorize has a time limit (authorizeTimeout): past it the subscribe is denied and its place freed', async () => {
    let calls = 0;
    adapter = attachTaskSocketServer(server.wss, client, {
      heartbeatMs: 0,
      maxTasksPerSocket: 1,
      authorizeTimeout: 50,
      authorize: (taskId) => {
        calls++;
        return taskId === TASK ? Promise.resolve(true) : new Promise<boolean>(() => undefined);
      },
    });
    socket = await TestSocket.open(server.url);
    socket.subscribe(id(1));
    const denied = await socket.waitFor((f) => f.type === 'error' && f.taskId === id(1), 2000);
    expect(denied).toMatchObject({ error: { name: 'AccessDeniedError', message: expect.stringMatching(/50 ms/) } });
    socket.subscribe(TASK);
    await socket.waitFor((f) => f.type === 'transition' && f.taskId === TASK, 5000);
    expect(calls).toBe(2);
  });

  it('validates authorizeTimeout when called', () => {
    expect(() => attachTaskSocketServer(server.wss, client, { authorizeTimeout: 0 })).toThrow(/authorizeTimeout/);
    expect(() => attachTaskSocketServer(server.wss, client, { authorizeTimeout: 1.5 })).toThrow(/authorizeTimeout/);
    attachTaskSocketServer(server.wss, client, { authorizeTimeout: Infinity, heartbeatMs: 0 }).close();
  });
});
