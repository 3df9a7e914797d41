/**
 * A scripted fault-injection HTTP server for reliability tests, on 127.0.0.1 and a free port.
 *
 * Each test hands it a finite queue of scripted replies (`server.script(...)`); every request
 * takes the next one, in arrival order. A request that finds the queue empty is answered
 * `418 unscripted request` (not retried by the pipeline, so the stream ends) and recorded in
 * `unexpected`; `verify()` (call it in `afterEach`) then fails the test. The replies cover what
 * real networks and servers do wrong: resets, hangs, dripping, truncated and endless bodies,
 * Content-Length lies, any status with any headers, redirects, hostile JSON.
 *
 * `bytesWritten` sums what the server wrote on every connection (to show that a client which
 * stops reading leaves the server's writes bounded); `closeIdle()` closes idle keep-alive
 * connections; `reset()` (in `afterEach`) drops the queue and the log, clears every timer and
 * destroys the connections with a response in progress (idle keep-alive ones stay);
 * `close()` (in `afterAll`) stops the server, so Jest exits without open handles.
 *
 * @example
 * ```ts
 * const server = await startFaultServer()
 * afterEach(() => { server.verify(); server.reset() })
 * afterAll(() => server.close())
 *
 * it('retries a reset', async () => {
 *   server.script(reply.reset(), reply.task('SUCCESS', { status: 'SUCCESS' }))
 *   // … taskStatus$(id, { baseUrl: server.url, … }) …
 *   expect(server.requests).toHaveLength(2)
 * })
 * ```
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback, stopServer, waitUntil } from './loopback.js';

/** What a reply builder gets to know of the request it answers. */
export interface FaultRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The task id of a status path (`/…/tasks/{id}/status`), percent-decoded, or `undefined`. */
  readonly taskId: string | undefined;
  /** The kind of the scripted reply it got (`'unscripted'` beyond the queue). */
  readonly reply: string;
  /** `performance.now()` when it arrived. */
  readonly at: number;
}

/** One scripted reply. Build them with {@link reply}. */
export interface Reply {
  /** A short name for reports (`'reset'`, `'status 503'`, …). */
  readonly kind: string;
  /** Answers the request; may answer later, in pieces, or never. */
  readonly handle: (req: IncomingMessage, res: ServerResponse, ctx: ReplyContext) => void;
}

/** What a reply may use besides the request and response. */
export interface ReplyContext {
  readonly request: FaultRequest;
  /** Registers a timer the server clears on `reset()` / `close()` and when the response closes. */
  readonly every: (ms: number, tick: () => void) => void;
}

const STATUS_PATH = /\/tasks\/([^/?]+)\/status/;

function taskIdOf(url: string): string | undefined {
  const match = STATUS_PATH.exec(url);
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

function sendText(res: ServerResponse, status: number, text: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Writes `bytes` bytes of filler as fast as the client reads them (backpressure honoured). */
function pump(res: ServerResponse, total: number, chunkBytes: number): void {
  const chunk = Buffer.alloc(chunkBytes, 0x61);
  let sent = 0;
  const write = (): void => {
    while (sent < total && !res.destroyed) {
      const n = Math.min(chunkBytes, total - sent);
      sent += n;
      const ok = res.write(n === chunkBytes ? chunk : chunk.subarray(0, n));
      if (!ok) {
        res.once('drain', write);
        return;
      }
    }
    if (sent >= total && !res.destroyed) res.end();
  };
  write();
}

/** A raw HTTP/1.1 head, for replies Node's `ServerResponse` would refuse to send. */
function rawHead(status: number, headers: Record<string, string>): string {
  return `HTTP/1.1 ${status} X\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}

/**
 * Builders of scripted replies.
 *
 * @example
 * ```ts
 * server.script(reply.status(503, { headers: { 'retry-after': '0' } }), reply.task('PENDING'), reply.task('SUCCESS', { status: 'SUCCESS' }))
 * ```
 */
export const reply = {
  /** 200 with `{ taskId: <id of the path>, status, result? }`. */
  task(status: string, result?: unknown, headers: Record<string, string> = {}): Reply {
    return {
      kind: `task ${status}`,
      handle: (_req, res, { request }) => {
        const body = result === undefined ? { taskId: request.taskId, status } : { taskId: request.taskId, status, result };
        sendText(res, 200, JSON.stringify(body), headers);
      },
    };
  },
  /** Any status with a JSON body (default `{ detail: 'status N' }`) and headers. */
  status(status: number, options: { readonly body?: unknown; readonly headers?: Record<string, string> } = {}): Reply {
    return {
      kind: `status ${status}`,
      handle: (_req, res) => sendText(res, status, JSON.stringify(options.body ?? { detail: `status ${status}` }), options.headers),
    };
  },
  /** Any status with a raw text body (not necessarily JSON) and a content type. */
  text(status: number, text: string, contentType = 'text/plain', headers: Record<string, string> = {}): Reply {
    return { kind: `text ${status}`, handle: (_req, res) => sendText(res, status, text, { 'content-type': contentType, ...headers }) };
  },
  /** The connection is destroyed before any header is sent. */
  reset(): Reply {
    return { kind: 'reset', handle: (req) => req.socket.destroy() };
  },
  /** Never answers (the client must time out; `reset()` ends it). */
  hang(): Reply {
    return { kind: 'hang', handle: () => undefined };
  },
  /** 200 with the right Content-Length, then the body one byte every `everyMs` ms. */
  drip(text: string, everyMs = 100): Reply {
    return {
      kind: 'drip',
      handle: (_req, res, { every }) => {
        const bytes = Buffer.from(text);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
        let i = 0;
        every(everyMs, () => {
          if (i < bytes.length) res.write(bytes.subarray(i, ++i));
          if (i >= bytes.length) res.end();
        });
      },
    };
  },
  /** A chunked 200 whose connection is destroyed halfway through the body. */
  truncated(text: string): Reply {
    return {
      kind: 'truncated',
      handle: (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(text.slice(0, Math.floor(text.length / 2)), () => req.socket.destroy());
      },
    };
  },
  /** 200 announcing `declared` bytes in Content-Length but sending `text` (shorter), then closing the connection. */
  shortBody(text: string, declared: number): Reply {
    return {
      kind: 'content-length above the body',
      handle: (req) => {
        req.socket.end(rawHead(200, { 'content-type': 'application/json', 'content-length': String(declared) }) + text);
      },
    };
  },
  /** 200 announcing `declared` bytes in Content-Length but sending all of `text` (longer), then closing. */
  longBody(text: string, declared: number): Reply {
    return {
      kind: 'content-length below the body',
      handle: (req) => {
        req.socket.end(rawHead(200, { 'content-type': 'application/json', 'content-length': String(declared) }) + text);
      },
    };
  },
  /** A chunked 200 whose body never ends (written as fast as the client reads). */
  endless(chunkBytes = 16 * 1024): Reply {
    return { kind: 'endless', handle: (_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), pump(res, Infinity, chunkBytes)) };
  },
  /** A 200 of `bytes` bytes of filler, with or without Content-Length, written with backpressure. */
  huge(bytes: number, { declare = true, status = 200 }: { readonly declare?: boolean; readonly status?: number } = {}): Reply {
    return {
      kind: `huge ${status}`,
      handle: (_req, res) => {
        res.writeHead(status, declare ? { 'content-type': 'application/json', 'content-length': String(bytes) } : { 'content-type': 'application/json' });
        pump(res, bytes, 64 * 1024);
      },
    };
  },
  /** A redirect; `location` may depend on the request. */
  redirect(status: number, location: string | ((request: FaultRequest) => string)): Reply {
    return {
      kind: `redirect ${status}`,
      handle: (_req, res, { request }) => {
        const to = typeof location === 'string' ? location : location(request);
        sendText(res, status, JSON.stringify({ detail: 'moved' }), { location: to });
      },
    };
  },
  /** Anything else. */
  custom(kind: string, handle: Reply['handle']): Reply {
    return { kind, handle };
  },
};

/** A running fault server. */
export interface FaultServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Appends replies to the queue. */
  script(...replies: Reply[]): void;
  /** Requests received since the last `reset()`, in arrival order. */
  readonly requests: readonly FaultRequest[];
  /** Requests that found the queue empty (each one fails `verify()`). */
  readonly unexpected: readonly FaultRequest[];
  /** Replies not used yet. */
  readonly remaining: number;
  /** Bytes written to every connection since the last `reset()` (open and closed ones). */
  readonly bytesWritten: number;
  /** Connections open now. */
  readonly openConnections: number;
  /** Resolves once `count` requests arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once no response is in progress (every exchange finished or its connection closed); rejects after `timeoutMs`. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  /** Throws when a request found the queue empty, or (with `allUsed`) when replies are left. */
  verify(options?: { readonly allUsed?: boolean }): void;
  /** Closes keep-alive connections that are idle (no request in flight). */
  closeIdle(): void;
  /** Drops the queue and the log, clears timers, destroys connections with a response in progress. */
  reset(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a fault server on 127.0.0.1, port 0. */
export async function startFaultServer(): Promise<FaultServer> {
  let queue: Reply[] = [];
  let requests: FaultRequest[] = [];
  let unexpected: FaultRequest[] = [];
  let closedBytes = 0;
  const sockets = new Set<Socket>();
  /** Sockets with a response in progress (a hang, a drip, an endless body…), and that response. */
  const busy = new Map<Socket, ServerResponse>();
  /** bytesWritten of each socket when the current test began. */
  const baseline = new WeakMap<Socket, number>();
  const timers = new Set<ReturnType<typeof setInterval>>();
  const waiters = new Set<() => void>();
  const changed = (): void => {
    for (const w of [...waiters]) w();
  };

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const next = queue.shift();
    const request: FaultRequest = {
      method: req.method ?? '',
      url,
      headers: req.headers,
      taskId: taskIdOf(url),
      reply: next?.kind ?? 'unscripted',
      at: performance.now(),
    };
    requests.push(request);
    busy.set(req.socket, res);
    res.once('finish', changed);
    res.once('close', () => {
      if (busy.get(req.socket) === res) busy.delete(req.socket);
      changed();
    });
    changed();
    if (next === undefined) {
      unexpected.push(request);
      sendText(res, 418, JSON.stringify({ detail: 'unscripted request' }), { connection: 'close' });
      return;
    }
    const every = (ms: number, tick: () => void): void => {
      const timer = setInterval(tick, ms);
      timers.add(timer);
      res.once('close', () => {
        clearInterval(timer);
        timers.delete(timer);
      });
    };
    next.handle(req, res, { request, every });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    baseline.set(socket, 0);
    // A reset reply destroys the socket on purpose; the resulting errors are expected.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      closedBytes += socket.bytesWritten - (baseline.get(socket) ?? 0);
      sockets.delete(socket);
      busy.delete(socket);
      sockets.delete(socket);
      changed();
    });
  });
  const { url, port } = await listenOnLoopback(server);
  const onChange = (listener: () => void): (() => void) => {
    waiters.add(listener);
    return () => waiters.delete(listener);
  };
  const waitFor = (what: () => string, done: () => boolean, timeoutMs: number): Promise<void> => waitUntil('fault server', what, done, onChange, timeoutMs);

  const stopTimers = (): void => {
    for (const timer of timers) clearInterval(timer);
    timers.clear();
  };

  return {
    url,
    port,
    script(...replies) {
      queue.push(...replies);
    },
    get requests() {
      return requests;
    },
    get unexpected() {
      return unexpected;
    },
    get remaining() {
      return queue.length;
    },
    get bytesWritten() {
      let open = 0;
      for (const socket of sockets) open += socket.bytesWritten - (baseline.get(socket) ?? 0);
      return closedBytes + open;
    },
    get openConnections() {
      return sockets.size;
    },
    waitForRequests(count, timeoutMs = 5_000) {
      return waitFor(() => `${count} request(s) (got ${requests.length})`, () => requests.length >= count, timeoutMs);
    },
    waitForIdle(timeoutMs = 5_000) {
      const idle = (): boolean => [...busy.values()].every((res) => res.writableFinished);
      return waitFor(() => `no response in progress (${busy.size} busy)`, idle, timeoutMs);
    },
    verify({ allUsed = false } = {}) {
      if (unexpected.length > 0) {
        throw new Error(`fault server: ${unexpected.length} unscripted request(s): ${unexpected.map((r) => `${r.method} ${r.url}`).join(', ')}`);
      }
      if (allUsed && queue.length > 0) {
        throw new Error(`fault server: ${queue.length} scripted repl(ies) not used: ${queue.map((r) => r.kind).join(', ')}`);
      }
    },
    closeIdle() {
      server.closeIdleConnections();
    },
    reset() {
      // Connections with a response in progress are destroyed; idle keep-alive ones are kept, as
      // a real server keeps them (destroying them would make the client's next request race the
      // close and fail with a reset no test asked for).
      stopTimers();
      // (A response fully written is over even if its 'close' event has not run yet: its socket
      // may already be back in the client's pool.)
      for (const [socket, res] of busy) if (!res.writableFinished) socket.destroy();
      busy.clear();
      for (const socket of sockets) baseline.set(socket, socket.bytesWritten);
      queue = [];
      requests = [];
      unexpected = [];
      closedBytes = 0;
    },
    close() {
      stopTimers();
      queue = [];
      return stopServer(server, sockets);
    },
  };
}

/** A loopback URL on which nothing listens (a port just freed), for "connection refused". */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  const { url } = await listenOnLoopback(server);
  await stopServer(server, []);
  return url;
}
