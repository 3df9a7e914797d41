import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Observable, Subject, finalize } from 'rxjs';
import type WebSocket from 'ws';
import { createTaskClient, type TaskClient, type TaskStatusSource, type TaskTransition } from '../../../lib/index.js';
import { attachTaskSocketServer, type TaskFrame, type TaskSocketServer, type TransitionFrame } from '../../../lib/adapters/ws/index.js';
import { startSimulator, type Simulator } from '../../../lib/simulator/index.js';
import { TestSocket, eventually, settled, sleep, startSocketServer, type SocketServer } from './socket-kit.js';

const isTransition = (f: TaskFrame): f is TransitionFrame => f.type === 'transition';

describe('attachTaskSocketServer', () => {
  let sim: Simulator;
  let server: SocketServer;
  let client: TaskClient;
  let adapter: TaskSocketServer | undefined;
  const sockets: TestSocket[] = [];

  const connect = async (options?: WebSocket.ClientOptions): Promise<TestSocket> => {
    const socket = await TestSocket.open(server.url, options ?? {});
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    sim = await startSimulator({ seed: 7, durationMs: 300, retryRate: 0 });
  });
  afterAll(() => sim.close());

  beforeEach(async () => {
    server = await startSocketServer();
    client = createTaskClient({ baseUrl: sim.url, token: sim.token, interval: 40 });
  });
  afterEach(async () => {
    adapter?.close();
    adapter = undefined;
    for (const s of sockets.splice(0)) s.close();
    client.dispose();
    await server.close();
  });

  describe('subscribe', () => {
    it('sends each transition of the task, then complete, with the content size but not the bytes', async () => {
      adapter = attachTaskSocketServer(server.wss, client);
      const socket = await connect();
      const { taskId } = await sim.submit({ outcome: 'success', durationMs: 900 });
      socket.subscribe(taskId);
      await socket.waitFor((f) => f.type === 'complete');

      const transitions = socket.frames.filter(isTransition);
      expect(transitions[0]).toMatchObject({ type: 'transition', taskId, from: null, to: 'pending' });
      const last = transitions[transitions.length - 1]!;
      expect(last).toMatchObject({ taskId, to: 'succeeded', state: { phase: 'succeeded', status: 'SUCCESS' } });
      expect(typeof last.at).toBe('number');
      expect(last.polls).toBeGreaterThanOrEqual(2);
      if (last.state.phase !== 'succeeded') throw new Error('not succeeded');
      expect(last.state.contentBytes).toBeGreaterThan(100);
      expect(last.state.content).toBeUndefined();
      expect(last.state.result).toMatchObject({ status: 'SUCCESS', contentType: 'application/pdf' });
      // edges chain: each from is the previous to
      for (let i = 1; i < transitions.length; i++) expect(transitions[i]!.from).toBe(transitions[i - 1]!.to);
      expect(socket.frames[socket.frames.length - 1]).toEqual({ type: 'complete', taskId });
    });

    it('sends the content as base64 when the subscribe frame asks for it', async () => {
      adapter = attachTaskSocketServer(server.wss, client);
      const { taskId } = await sim.submit({ outcome: 'success', durationMs: 0 });
      const socket = await connect();
      socket.subscribe(taskId, true);
      const frame = await socket.waitFor((f) => isTransition(f) && f.to === 'succeeded');
      if (!isTransition(frame) || frame.state.phase !== 'succeeded') throw new Error('not succeeded');
      const bytes = Buffer.from(frame.state.content ?? '', 'base64');
      expect(bytes.length).toBe(frame.state.contentBytes);
      expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    });

    it('sends a rejection with its AFNOR details and a failure without its raw Celery result', async () => {
      adapter = attachTaskSocketServer(server.wss, client);
      const rejected = await sim.submit({ outcome: 'rejected', durationMs: 0 });
      const failed = await sim.submit({ outcome: 'failed', durationMs: 0 });
      const socket = await connect();
      socket.subscribe(rejected.taskId);
      socket.subscribe(failed.taskId);
      const r = await socket.waitFor((f) => isTransition(f) && f.taskId === rejected.taskId);
      const x = await socket.waitFor((f) => isTransition(f) && f.taskId === failed.taskId);
      expect(r).toMatchObject({ to: 'rejected', state: { phase: 'rejected', error: { errorCode: expect.any(String), details: expect.any(Array) } } });
      expect(x).toMatchObject({ to: 'failed', state: { phase: 'failed', error: { message: expect.any(String), type: expect.any(String) } } });
      if (!isTransition(x) || x.state.phase !== 'failed') throw new Error('not failed');
      expect(Object.keys(x.state.error).sort()).toEqual(['message', 'type']);
    });

    it('shares one poll loop between sockets following the same task, and ignores a repeated subscribe', async () => {
      adapter = attachTaskSocketServer(server.wss, client);
      const { taskId } = await sim.submit({ outcome: 'success', durationMs: 400 });
      const a = await connect();
      const b = await connect();
      a.subscribe(taskId);
      a.subscribe(taskId.toUpperCase());
      b.subscribe(taskId);
      await a.waitFor((f) => f.type === 'complete');
      await b.waitFor((f) => f.type === 'complete');
      // one loop: requests ≈ duration / interval, not twice that
      const alone = Math.ceil(400 / 40) + 3;
      expect(sim.stats(taskId).requests).toBeLessThanOrEqual(alone);
      const pendingOnA = a.frames.filter((f) => isTransition(f) && f.to === 'pending');
      expect(pendingOnA).toHaveLength(1);
      expect(a.frames.filter((f) => f.type === 'complete')).toHaveLength(1);
    });

    it('errors a task with the stream error class and message, never the token', async () => {
      const badClient = createTaskClient({ baseUrl: sim.url, token: 'not-a-valid-token', interval: 40 });
      adapter = attachTaskSocketServer(server.wss, badClient);
      try {
        const { taskId } = await sim.submit({ durationMs: 1000 });
        const socket = await connect();
        socket.subscribe(taskId);
        const frame = await socket.waitFor((f) => f.type === 'error');
        expect(frame).toMatchObject({ type: 'error', taskId, error: { name: 'AuthError', message: expect.any(String) } });
        expect(JSON.stringify(frame)).not.toContain('not-a-valid-token');
        // the task is no longer followed: subscribing again tries again
        socket.subscribe(taskId);
        await eventually(() => socket.frames.filter((f) => f.type === 'error').length === 2, 5000, 'a second error frame');
      } finally {
        badClient.dispose();
      }
    });

    it('limits the tasks one socket may follow', async () => {
      adapter = attachTaskSocketServer(server.wss, client, { maxTasksPerSocket: 2 });
      const ids = await Promise.all([0, 1, 2].map(() => sim.submit({ durationMs: 5000 }).then((t) => t.taskId)));
      const socket = await connect();
      for (const id of ids) socket.subscribe(id);
      const frame = await socket.waitFor((f) => f.type === 'error');
      expect(frame).toMatchObject({ taskId: ids[2], error: { name: 'LimitExceededError' } });
      expect(sim.stats(ids[2]!).requests).toBe(0);
      // unsubscribing one frees a slot
      socket.unsubscribe(ids[0]!);
      socket.subscribe(ids[2]!);
      await socket.waitFor((f) => isTransition(f) && f.taskId === ids[2]);
    });
  });

  describe('unsubscribe and close stop polling', () => {
    it('unsubscribe stops the task’s polls (counted at the simulator)', async () => {
      adapter = attachTaskSocketServer(server.wss, client);
      const { taskId } = await sim.submit({ durationMs: 60_000 });
      const socket = await connect();
      socket.subscribe(taskId);
      await eventually(() => sim.stats(taskId).requests >= 3, 5000, '3 polls');
      socket.unsubscribe(taskId);
      const after = await settled(() => sim.stats(taskId).requests);
      await sleep(300);
      expect(sim.stats(taskId).requests).toBe(after);
      expect(client.stats().tasks).toBe(0);
    });

    it('a closed socket unfollows everything, so its polls stop; others following go on', async () => {
      adapter = attachTaskSocketServer(server.wss, client);
      const one = await sim.submit({ durationMs: 60_000 });
      const two = await sim.submit({ durationMs: 60_000 });
      const a = await connect();
      const b = await connect();
      a.subscribe(one.taskId);
      a.subscribe(two.taskId);
      b.subscribe(two.taskId);
      await eventually(() => sim.stats(one.taskId).requests >= 3 && sim.stats(two.taskId).requests >= 3, 5000, 'polls of both tasks');

      a.close();
      const oneAfter = await settled(() => sim.stats(one.taskId).requests);
      const twoAfter = sim.stats(two.taskId).requests;
      await sleep(300);
      expect(sim.stats(one.taskId).requests).toBe(oneAfter);
      expect(sim.stats(two.taskId).requests).toBeGreaterThan(twoAfter + 2); // b still follows it

      b.close();
      const twoFinal = await settled(() => sim.stats(two.taskId).requests);
      await sleep(300);
      expect(sim.stats(two.taskId).requests).toBe(twoFinal);
      expect(client.stats().tasks).toBe(0);
    });

    it('close() closes the sockets it served with 1001 and stops their polls', async () => {
      adapter = attachTaskSocketServer(server.wss, client);
      const { taskId } = await sim.submit({ durationMs: 60_000 });
      const socket = await connect();
      socket.subscribe(taskId);
      await socket.waitFor(isTransition);
      adapter.close();
      adapter.close(); // idempotent
      expect((await socket.closed).code).toBe(1001);
      const after = await settled(() => sim.stats(taskId).requests);
      await sleep(200);
      expect(sim.stats(taskId).requests).toBe(after);
      // new connections are no longer served
      const late = await connect();
      late.subscribe(taskId);
      await sleep(200);
      expect(late.frames).toEqual([]);
    });
  });

  describe('authorize', () => {
    it('a denied subscribe gets an error frame and polls nothing', async () => {
      const seen: Array<{ taskId: string; cookie: string | undefined }> = [];
      adapter = attachTaskSocketServer(server.wss, client, {
        authorize: (taskId: string, req: IncomingMessage) => {
          seen.push({ taskId, cookie: req.headers.cookie });
          return false;
        },
      });
      const { taskId } = await sim.submit({ durationMs: 1000 });
      const socket = await connect({ headers: { cookie: 'sid=abc' } });
      socket.subscribe(taskId);
      const frame = await socket.waitFor((f) => f.type === 'error');
      expect(frame).toEqual({ type: 'error', taskId, error: { name: 'AccessDeniedError', message: 'not allowed to follow this task' } });
      expect(seen).toEqual([{ taskId, cookie: 'sid=abc' }]);
      await sleep(150);
      expect(sim.stats(taskId).requests).toBe(0);
      expect(socket.frames).toHaveLength(1);
    });

    it('accepts a promise; a rejection or a throw denies', async () => {
      const allowed = await sim.submit({ durationMs: 0 });
      const rejects = await sim.submit({ durationMs: 0 });
      const throws = await sim.submit({ durationMs: 0 });
      adapter = attachTaskSocketServer(server.wss, client, {
        authorize: async (taskId) => {
          await sleep(20);
          if (taskId === rejects.taskId) throw new Error('session store down');
          if (taskId === throws.taskId) return undefined as unknown as boolean; // not `true`: denied
          return true;
        },
      });
      const socket = await connect();
      socket.subscribe(allowed.taskId);
      socket.subscribe(rejects.taskId);
      socket.subscribe(throws.taskId);
      await socket.waitFor((f) => f.type === 'complete' && f.taskId === allowed.taskId);
      await eventually(() => socket.frames.filter((f) => f.type === 'error').length === 2, 5000, 'two denials');
      const denied = socket.frames.filter((f) => f.type === 'error').map((f) => f.taskId);
      expect(denied.sort()).toEqual([rejects.taskId, throws.taskId].sort());
      expect(sim.stats(rejects.taskId).requests).toBe(0);
      expect(sim.stats(throws.taskId).requests).toBe(0);
    });

    it('a synchronous throw denies', async () => {
      adapter = attachTaskSocketServer(server.wss, client, {
        authorize: () => {
          throw new Error('boom');
        },
      });
      const { taskId } = await sim.submit({ durationMs: 0 });
      const socket = await connect();
      socket.subscribe(taskId);
      expect(await socket.waitFor((f) => f.type === 'error')).toMatchObject({ error: { name: 'AccessDeniedError' } });
    });

    it('an unsubscribe while authorize is pending means nothing is polled', async () => {
      let release: (ok: boolean) => void = () => undefined;
      adapter = attachTaskSocketServer(server.wss, client, { authorize: () => new Promise<boolean>((resolve) => (release = resolve)) });
      const { taskId } = await sim.submit({ durationMs: 0 });
      const socket = await connect();
      socket.subscribe(taskId);
      await sleep(50);
      socket.unsubscribe(taskId);
      await sleep(50);
      release(true);
      await sleep(150);
      expect(sim.stats(taskId).requests).toBe(0);
      expect(socket.frames).toEqual([]);
    });
  });

  describe('malformed frames', () => {
    it('get a ProtocolError frame each, and the connection keeps working', async () => {
      adapter = attachTaskSocketServer(server.wss, client);
      const socket = await connect();
      const bad: unknown[] = [
        'not json',
        '{"type":"subscribe"',
        '[1,2]',
        'null',
        '42',
        { type: 'dance', taskId: 'x' },
        { type: 'subscribe' },
        { type: 'subscribe', taskId: 17 },
        { type: 'unsubscribe', taskId: '' },
        { type: 'subscribe', taskId: randomUUID(), content: 'yes' },
        'x'.repeat(10_000),
      ];
      for (const frame of bad) socket.send(frame);
      socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      await socket.waitForCount(bad.length + 1);
      for (const frame of socket.frames) expect(frame).toMatchObject({ type: 'error', error: { name: 'ProtocolError', message: expect.any(String) } });

      // an id that is not a UUID: a TypeError frame naming it
      socket.subscribe('../../etc/passwd');
      expect(await socket.waitFor((f) => f.type === 'error' && f.error.name === 'TypeError')).toMatchObject({ taskId: '../../etc/passwd' });

      const { taskId } = await sim.submit({ durationMs: 0 });
      socket.subscribe(taskId);
      await socket.waitFor((f) => f.type === 'complete');
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    });

    it('invalid UTF-8 closes only that socket; the server keeps serving', async () => {
      adapter = attachTaskSocketServer(server.wss, client);
      const rogue = await connect();
      // a text frame that is not UTF-8: ws closes it with 1007, the adapter must not crash
      rogue.ws.send(Buffer.from([0xff, 0xfe, 0xfd]), { binary: false });
      expect((await rogue.closed).code).toBe(1007);
      const other = await connect();
      const { taskId } = await sim.submit({ durationMs: 0 });
      other.subscribe(taskId);
      await other.waitFor((f) => f.type === 'complete');
    });
  });

  describe('slow readers', () => {
    it('closes a socket whose unsent data exceeds maxBufferedBytes (code 1008) and unfollows its tasks', async () => {
      const feed = new Subject<TaskTransition>();
      let unsubscribed = 0;
      const source: TaskStatusSource = {
        status$: () => feed.pipe(finalize(() => unsubscribed++)),
      };
      adapter = attachTaskSocketServer(server.wss, source, { maxBufferedBytes: 64 * 1024 });
      const taskId = randomUUID();
      const socket = await connect();
      socket.subscribe(taskId);
      await eventually(() => feed.observed, 5000, 'the subscription');
      socket.ws.pause(); // the browser stops reading

      const big = 'x'.repeat(256 * 1024);
      const serverSide = [...server.wss.clients][0]!;
      let sent = 0;
      while (serverSide.readyState === serverSide.OPEN && sent < 400) {
        feed.next({ taskId, from: 'pending', to: 'started', at: sent, polls: sent, state: { phase: 'started', status: 'PROGRESS', meta: { big } } });
        sent++;
        await sleep(1);
      }
      expect(serverSide.readyState).not.toBe(serverSide.OPEN);
      expect(unsubscribed).toBe(1);
      expect(feed.observed).toBe(false);
      socket.ws.resume();
      expect((await socket.closed).code).toBe(1008);
    });

    it('keeps a socket that reads, even when single frames are larger than the limit', async () => {
      const feed = new Subject<TaskTransition>();
      adapter = attachTaskSocketServer(server.wss, { status$: () => feed.asObservable() }, { maxBufferedBytes: 64 * 1024 });
      const taskId = randomUUID();
      const socket = await connect();
      socket.subscribe(taskId);
      await eventually(() => feed.observed, 5000, 'the subscription');
      const pad = 'y'.repeat(100 * 1024);
      for (let i = 0; i < 60; i++) {
        feed.next({ taskId, from: 'pending', to: 'started', at: i, polls: i, state: { phase: 'started', status: 'PROGRESS', meta: { i, pad } } });
        await sleep(5);
      }
      await socket.waitForCount(60);
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    });
  });

  describe('heartbeat', () => {
    it('terminates a peer that does not answer pings and unfollows its tasks', async () => {
      let live = 0;
      const source: TaskStatusSource = {
        status$: () =>
          new Observable<TaskTransition>(() => {
            live++;
            return () => live--;
          }),
      };
      adapter = attachTaskSocketServer(server.wss, source, { heartbeatMs: 50 });
      const dead = await connect({ autoPong: false });
      const alive = await connect();
      dead.subscribe(randomUUID());
      alive.subscribe(randomUUID());
      await eventually(() => live === 2, 5000, 'two subscriptions');
      const { code } = await dead.closed;
      expect(code).toBe(1006); // terminated, no close frame
      expect(live).toBe(1);
      await sleep(200); // several more heartbeats
      expect(alive.ws.readyState).toBe(alive.ws.OPEN);
      expect(live).toBe(1);
    });
  });

  describe('options', () => {
    it('are validated when called', () => {
      expect(() => attachTaskSocketServer({} as never, client)).toThrow(/\bwss: must be /);
      expect(() => attachTaskSocketServer(server.wss, {} as never)).toThrow(/\bclient: must be /);
      expect(() => attachTaskSocketServer(server.wss, client, { authorize: 'yes' as never })).toThrow(/\bauthorize: must be /);
      expect(() => attachTaskSocketServer(server.wss, client, { maxBufferedBytes: -1 })).toThrow(/\bmaxBufferedBytes: must be /);
      expect(() => attachTaskSocketServer(server.wss, client, { heartbeatMs: 1.5 })).toThrow(/\bheartbeatMs: must be /);
      expect(() => attachTaskSocketServer(server.wss, client, { maxTasksPerSocket: 0 })).toThrow(TypeError);
      expect(server.wss.listenerCount('connection')).toBe(0);
    });
  });
});
