/**
 * A small `node:http` server for integration tests, on 127.0.0.1 and a free port.
 *
 * - `handle(fn)` sets the handler for the next requests (per test); without one every request
 *   gets `404`.
 * - `requests` logs every request (method, url, headers, the connection it came on, and a
 *   promise telling whether the client went away before the response finished).
 * - `connections` / `closedConnections` count TCP connections opened and closed (so keep-alive
 *   reuse and aborts are observable); `waitForRequests(n)` / `waitForClosedConnections(n)` wait,
 *   with a bound, for those counts.
 * - `reset()` (call it in `afterEach`) drops the handler, the log and the counts, and destroys
 *   open connections; `close()` (in `afterAll`) destroys every socket and stops the server, so
 *   Jest exits without open handles.
 *
 * @example
 * ```ts
 * let server: TestServer
 * beforeAll(async () => { server = await startTestServer() })
 * afterEach(() => server.reset())
 * afterAll(() => server.close())
 *
 * it('answers', async () => {
 *   server.handle((req, res) => sendJson(res, 200, { ok: true }))
 *   const res = await fetch(server.url + '/x')
 *   expect(server.requests[0]?.url).toBe('/x')
 * })
 * ```
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback, stopServer, waitUntil } from './loopback.js';

/** Handles one request; may answer at once, later, or never (then `reset`/`close` ends it). */
export type TestHandler = (req: IncomingMessage, res: ServerResponse, info: { readonly connection: number; readonly index: number }) => void;

/** One request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  /** Request headers, lower-case names. */
  readonly headers: IncomingHttpHeaders;
  /** Number (1-based) of the TCP connection the request came on. */
  readonly connection: number;
  /**
   * Settles when the exchange is over: `true` when the client closed the connection (abort,
   * cancel) before the response was complete, `false` when the response finished normally.
   */
  readonly closed: Promise<boolean>;
}

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Requests received since the last `reset()`, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** TCP connections opened since the last `reset()`. */
  readonly connections: number;
  /** TCP connections closed (by either side) since the last `reset()`. */
  readonly closedConnections: number;
  /** Sets the handler of the following requests. */
  handle(handler: TestHandler): void;
  /** Resolves once at least `count` requests arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once at least `count` connections closed; rejects after `timeoutMs`. */
  waitForClosedConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Forgets handler, log and counts, and destroys every open connection. */
  reset(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Sends `body` as JSON with `status` and optional extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Starts a server on 127.0.0.1, port 0. */
export async function startTestServer(handler?: TestHandler): Promise<TestServer> {
  let current: TestHandler | undefined = handler;
  let requests: RecordedRequest[] = [];
  let opened = 0;
  let closed = 0;
  let connectionSeq = 0;
  /** Bumped by reset(): sockets of an earlier generation no longer count. */
  let generation = 0;
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();
  const events = new EventEmitter();
  events.setMaxListeners(0);

  const server: Server = createServer((req, res) => {
    const connection = connectionIds.get(req.socket) ?? 0;
    const closedPromise = new Promise<boolean>((resolve) => {
      res.once('close', () => resolve(!res.writableFinished));
    });
    const record: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, connection, closed: closedPromise };
    requests.push(record);
    events.emit('change');
    if (current === undefined) {
      res.writeHead(404, { 'content-length': 0 });
      res.end();
      return;
    }
    current(req, res, { connection, index: requests.length - 1 });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: Socket) => {
    opened++;
    connectionIds.set(socket, ++connectionSeq);
    sockets.add(socket);
    const born = generation;
    socket.once('close', () => {
      sockets.delete(socket);
      if (born === generation) closed++;
      events.emit('change');
    });
    events.emit('change');
  });

  const { url, port } = await listenOnLoopback(server);
  const onChange = (listener: () => void): (() => void) => {
    events.on('change', listener);
    return () => events.off('change', listener);
  };
  const waitFor = (what: string, done: () => boolean, timeoutMs: number): Promise<void> => waitUntil('test server', () => what, done, onChange, timeoutMs);

  const destroyAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };

  return {
    url,
    port,
    get requests() {
      return requests;
    },
    get connections() {
      return opened;
    },
    get closedConnections() {
      return closed;
    },
    handle(next) {
      current = next;
    },
    waitForRequests(count, timeoutMs = 5_000) {
      return waitFor(`${count} request(s) (got ${requests.length})`, () => requests.length >= count, timeoutMs);
    },
    waitForClosedConnections(count, timeoutMs = 5_000) {
      return waitFor(`${count} closed connection(s) (got ${closed})`, () => closed >= count, timeoutMs);
    },
    reset() {
      destroyAll();
      generation++;
      current = handler;
      requests = [];
      opened = 0;
      closed = 0;
      connectionSeq = 0;
    },
    close() {
      return stopServer(server, sockets);
    },
  };
}
