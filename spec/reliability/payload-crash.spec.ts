import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { config, Observable, of, type Subscription } from 'rxjs';
import { createRedisTaskHub } from '../../lib/adapters/redis/index.js';
import { attachTaskSocketServer, type TaskFrame } from '../../lib/adapters/ws/index.js';
import { taskEventsHandler } from '../../lib/adapters/sse/index.js';
import type { TaskStatusSource, TaskTransition } from '../../lib/index.js';
import { startSocketServer, TestSocket, type SocketServer } from '../adapters/ws/socket-kit.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { taskId } from './run-stream.js';

// Issue 14, item 6: no payload crashes a process. A PROGRESS answer whose `meta` is nested
// 50 000 deep, or a transition that cannot be encoded at all (a cycle, a BigInt), ends that one
// task with an error (a frame, an event, a stream error) while the server process stays up and
// its other tasks finish. The server runs in a child process with no uncaughtException or
// unhandledRejection handler: anything thrown out of an adapter would end it.

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'spec', 'helpers', 'ts-register.cjs');
const CHILD = join(__dirname, 'payload-child.cjs');
const DEPTH = 50_000;

const DEEP = taskId(0xdee9);
const OK = taskId(0x0c);
const LATER = taskId(0x1a7e);

/** `{"taskId":…,"status":"PROGRESS","result":{"a":{"a":…1…}}}`, nested `DEPTH` deep, built without recursion. */
function deepProgress(id: string): string {
  return `{"taskId":"${id}","status":"PROGRESS","result":${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}}`;
}

/** A fake FactPulse: DEEP reports a 50 000-deep PROGRESS meta for ever; any other task is PENDING once, then SUCCESS. */
async function fakeFactPulse(): Promise<TestServer> {
  const seen = new Map<string, number>();
  return startTestServer((req, res) => {
    const id = decodeURIComponent(/tasks\/([^/]+)\/status/.exec(req.url ?? '')?.[1] ?? '');
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    const body = id === DEEP ? deepProgress(id) : JSON.stringify({ taskId: id, status: n === 1 ? 'PENDING' : 'SUCCESS', result: n === 1 ? null : { status: 'SUCCESS' } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

interface Child {
  readonly process: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  stderr: string;
}

async function startChild(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ['--require', REGISTER, CHILD], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const out: Child = { process: child, port: 0, exited, stderr: '' };
  child.stderr!.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server process did not start: ${out.stderr}`)), 15_000);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    void exited.then((code) => reject(new Error(`the server process exited (${code}): ${out.stderr}`)));
  });
  return { ...out, port: (JSON.parse(line) as { port: number }).port, get stderr() { return out.stderr; } };
}

/** Reads an SSE stream until its `complete` or `error` event (bounded). */
function sseUntilEnd(port: number, id: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = get({ host: '127.0.0.1', port, path: `/?taskId=${id}`, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        if (/event: (complete|error)\n/.test(text)) {
          clearTimeout(timer);
          req.destroy();
          resolve(text);
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no end of the SSE stream of ${id}; got ${text.slice(0, 500)}`));
    }, timeoutMs);
    req.on('error', () => undefined);
  });
}

const errorOf = (frames: readonly TaskFrame[], id: string): TaskFrame | undefined => frames.find((f) => f.type === 'error' && f.taskId === id);

describe('no payload crashes a process (issue 14, item 6)', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await fakeFactPulse();
  });
  afterAll(() => api.close());

  const servers: Array<readonly [string, () => Record<string, string>]> = [['the ws and SSE servers', () => ({})]];
  if (process.env['FACTPULSE_RX_REDIS_URL'] !== undefined) {
    servers.push([
      'the ws and SSE servers behind a Redis hub (its poller)',
      () => ({ REDIS_URL: process.env['FACTPULSE_RX_REDIS_URL']!, KEY_PREFIX: `payload-crash-${process.pid}-${Date.now()}:` }),
    ]);
  }

  it.each(servers)('a 50 000-deep PROGRESS meta ends that task only; %s stay up and finish the others', async (_name, env) => {
    const child = await startChild({ FACTPULSE_URL: api.url, ...env() });
    const socket = await TestSocket.open(`ws://127.0.0.1:${child.port}`);
    try {
      socket.subscribe(DEEP);
      socket.subscribe(OK);
      await socket.waitFor((f) => f.type === 'complete' && f.taskId === OK, 10_000, 'OK to complete');
      await socket.waitFor((f) => f.type === 'error' && f.taskId === DEEP, 10_000, 'an error frame for DEEP');
      expect(['EncodeError', 'DecodeError']).toContain((errorOf(socket.frames, DEEP) as { error: { name: string } }).error.name);

      const events = await sseUntilEnd(child.port, DEEP);
      expect(events).toMatch(/event: error\ndata: .*"name":"(EncodeError|DecodeError)"/);

      // Still serving: a task subscribed afterwards is followed to its end, over both.
      socket.subscribe(LATER);
      await socket.waitFor((f) => f.type === 'complete' && f.taskId === LATER, 10_000, 'LATER to complete');
      expect(await sseUntilEnd(child.port, LATER)).toMatch(/event: complete/);
      expect(child.process.exitCode).toBeNull();
    } finally {
      socket.close();
      child.process.kill('SIGTERM');
      await child.exited;
    }
    expect(child.stderr).not.toMatch(/RangeError|Maximum call stack|Unhandled/);
  }, 30_000);
});

/** A TaskStatusSource whose task `bad` emits `badTransition`; every other task is pending then succeeds. */
function sourceWith(bad: string, badTransition: () => TaskTransition): TaskStatusSource {
  return {
    status$: (id: string) =>
      id === bad
        ? new Observable<TaskTransition>((s) => {
            s.next(badTransition());
            // stays open: the adapter must end it
          })
        : of(
            { taskId: id, from: null, to: 'pending', state: { phase: 'pending', status: 'PENDING' }, at: 0, polls: 1 } as TaskTransition,
            { taskId: id, from: 'pending', to: 'succeeded', state: { phase: 'succeeded', status: 'SUCCESS', result: {} }, at: 1, polls: 2 } as TaskTransition,
          ),
  };
}

function cyclicMeta(): unknown {
  const meta: Record<string, unknown> = { current: 1, total: 2 };
  meta['self'] = meta;
  return meta;
}

const UNENCODABLE: Array<readonly [string, () => unknown]> = [
  ['a cyclic meta', cyclicMeta],
  ['a BigInt in meta', () => ({ current: 1n, total: 2n })],
  ['a meta nested 50 000 deep', () => {
    let meta: unknown = 1;
    for (let i = 0; i < DEPTH; i++) meta = { a: meta };
    return meta;
  }],
];

describe('a transition that cannot be encoded becomes that task’s error, in every adapter', () => {
  let server: SocketServer;
  const unhandled: unknown[] = [];
  let previous: typeof config.onUnhandledError;
  let subs: Subscription[] = [];

  beforeAll(async () => {
    server = await startSocketServer();
  });
  beforeEach(() => {
    unhandled.length = 0;
    previous = config.onUnhandledError;
    config.onUnhandledError = (error) => unhandled.push(error);
  });
  afterEach(() => {
    config.onUnhandledError = previous;
    for (const s of subs) s.unsubscribe();
    subs = [];
  });
  afterAll(() => server.close());

  const bad = taskId(0xbad);
  const good = taskId(0x600d);
  const transitionWith = (meta: () => unknown) => (): TaskTransition =>
    ({ taskId: bad, from: null, to: 'started', state: { phase: 'started', status: 'PROGRESS', meta: meta() }, at: 0, polls: 1 }) as TaskTransition;

  it.each(UNENCODABLE)('ws: %s gives an EncodeError frame for that task; the socket’s other task goes on', async (_name, meta) => {
    const tasks = attachTaskSocketServer(server.wss, sourceWith(bad, transitionWith(meta)), { heartbeatMs: 0 });
    const socket = await TestSocket.open(server.url);
    try {
      socket.subscribe(bad);
      socket.subscribe(good);
      await socket.waitFor((f) => f.type === 'complete' && f.taskId === good);
      const error = await socket.waitFor((f) => f.type === 'error' && f.taskId === bad);
      expect(error).toMatchObject({ error: { name: 'EncodeError' } });
      // The task is no longer followed: subscribing again is allowed and errors again.
      socket.subscribe(bad);
      await socket.waitFor(() => socket.frames.filter((f) => f.type === 'error' && f.taskId === bad).length === 2);
      expect(unhandled).toEqual([]);
    } finally {
      socket.close();
      tasks.close();
    }
  });

  it.each(UNENCODABLE)('SSE: %s gives an EncodeError event and ends that response; other streams go on', async (_name, meta) => {
    const handler = taskEventsHandler(sourceWith(bad, transitionWith(meta)), { heartbeatMs: 0 });
    const http = await startTestServer((req, res) => handler(req, res));
    try {
      const [badText, goodText] = await Promise.all([sseUntilEnd(http.port, bad), sseUntilEnd(http.port, good)]);
      expect(badText).toMatch(/event: error\ndata: .*"name":"EncodeError"/);
      expect(goodText).toMatch(/event: complete/);
      expect(unhandled).toEqual([]);
    } finally {
      await http.close();
    }
  });
});

describe('the Redis hub’s poller: a transition that cannot be stored ends that task only', () => {
  const redisUrl = process.env['FACTPULSE_RX_REDIS_URL'];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };
  beforeAll(() => {
    if (redisUrl === undefined) throw new Error('needs the suite’s redis-server (FACTPULSE_RX_REDIS_URL, set by the globalSetup)');
    process.on('unhandledRejection', onRejection);
  });
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
  });

  it.each(UNENCODABLE.slice(0, 2))('%s: that task’s stream errors with a DecodeError; the hub and another task go on', async (_name, meta) => {
    const hub = createRedisTaskHub({ redis: redisUrl!, keyPrefix: `payload-crash-unit-${process.pid}-${Date.now()}:` });
    const bad = taskId(0xbad2);
    const good = taskId(0x600e);
    try {
      const badPoll$ = new Observable<TaskTransition>((s) => {
        s.next({ taskId: bad, from: null, to: 'started', state: { phase: 'started', status: 'PROGRESS', meta: meta() }, at: 0, polls: 1 } as TaskTransition);
      });
      const goodPoll$ = sourceWith(bad, () => undefined as never).status$(good);
      const outcome = (source: Observable<TaskTransition>): Promise<{ to: string[]; error: unknown }> =>
        new Promise((resolve) => {
          const to: string[] = [];
          source.subscribe({ next: (t) => to.push(t.to), error: (error: unknown) => resolve({ to, error }), complete: () => resolve({ to, error: undefined }) });
        });
      const [badEnd, goodEnd] = await Promise.all([outcome(hub.follow(bad, badPoll$)), outcome(hub.follow(good, goodPoll$))]);
      expect(badEnd.error).toMatchObject({ name: 'DecodeError', taskId: bad });
      expect(goodEnd).toEqual({ to: ['pending', 'succeeded'], error: undefined });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(rejections).toEqual([]);
    } finally {
      await hub.close();
    }
  });
});
