import type { IncomingMessage } from 'node:http';
import type { Subscription } from 'rxjs';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import {
  adapterErrorFrame,
  checkFunction,
  checkNumber,
  checkObject,
  errorFrame,
  failOption,
  isTaskId,
  optionError,
  subscribeTaskFrames,
  type TaskFrame,
  type TaskStatusSource,
} from '../../index.js';
import { MAX_FRAME_LENGTH, parseClientFrame } from './client-frame.js';

/**
 * Decides whether the connection opened by `request` may follow `taskId`: `true` or a promise of
 * `true` allows it; `false`, a throw or a rejection denies it (an error frame, nothing polled).
 *
 * @example
 * ```ts
 * const authorize: TaskAuthorizer = async (taskId, req) => (await sessions.of(req))?.owns(taskId) === true
 * ```
 */
export type TaskAuthorizer = (taskId: string, request: IncomingMessage) => boolean | Promise<boolean>;

/**
 * Options of {@link attachTaskSocketServer}. All optional.
 *
 * @example
 * ```ts
 * attachTaskSocketServer(wss, client, { authorize, maxBufferedBytes: 256 * 1024, heartbeatMs: 20_000 })
 * ```
 */
export interface TaskSocketServerOptions {
  /**
   * Who may follow which task; called for every `subscribe` with the task id and the HTTP upgrade
   * request (cookies, headers, URL). Without it any connection may follow any task id it knows.
   * @default undefined (every subscribe is allowed)
   */
  readonly authorize?: TaskAuthorizer | undefined;
  /**
   * A connection whose unsent data (`socket.bufferedAmount`) exceeds this many bytes when a frame
   * is due is a reader that stopped reading: it is closed with code 1008 (policy violation) and
   * all its tasks are unfollowed, rather than buffered without limit. A connection thus holds at
   * most this much plus one frame; one frame larger than the limit is still sent.
   * @default 1048576 (1 MiB)
   */
  readonly maxBufferedBytes?: number | undefined;
  /**
   * Every this many ms each connection is pinged; one that has not answered the previous ping
   * is terminated (its tasks unfollowed). `0` turns heartbeats off.
   * @default 30000
   */
  readonly heartbeatMs?: number | undefined;
  /**
   * Tasks one connection may follow at once, those waiting for `authorize` included (also after
   * an `unsubscribe`: an `authorize` call still running keeps its place until it settles, so a
   * subscribe/unsubscribe loop cannot pile calls up); a `subscribe` beyond gets a
   * `LimitExceededError` frame.
   * @default 100
   */
  readonly maxTasksPerSocket?: number | undefined;
  /**
   * ms an `authorize` call may take: past it the subscribe is denied (an `AccessDeniedError`
   * frame), its place freed, and a late answer ignored. `Infinity` waits for ever.
   * @default 10000
   */
  readonly authorizeTimeout?: number | undefined;
}

/**
 * What {@link attachTaskSocketServer} returns.
 *
 * @example
 * ```ts
 * const tasks: TaskSocketServer = attachTaskSocketServer(wss, client)
 * process.on('SIGTERM', () => tasks.close())
 * ```
 */
export interface TaskSocketServer {
  /**
   * Stops serving: stops listening for connections, stops the heartbeat, unfollows every task and
   * closes every connection it served with code 1001 (going away). The `WebSocketServer` itself
   * stays open (it is yours). Idempotent.
   */
  close(): void;
}

/** The WebSocket close code sent to a reader that fell more than `maxBufferedBytes` behind. */
const CLOSE_TOO_SLOW = 1008;
const CLOSE_GOING_AWAY = 1001;
/** Sent when the adapter itself fails (it should not: every callback is guarded). */
const CLOSE_INTERNAL_ERROR = 1011;
/** Longest timer Node accepts (2^31 − 1 ms). */
const MAX_TIMER_DELAY = 2_147_483_647;
/** `WebSocket.OPEN`, as a number so that this module needs only the types of `ws`. */
const OPEN = 1;

const DEFAULTS = { maxBufferedBytes: 1024 * 1024, heartbeatMs: 30_000, maxTasksPerSocket: 100, authorizeTimeout: 10_000 } as const;

/** One task followed (or waiting for `authorize`) by one connection. */
interface Follow {
  readonly taskId: string;
  subscription: Subscription | undefined;
  /** Waiting for `authorize`. */
  pending: boolean;
  /** Unsubscribed while `authorize` was pending: it keeps its place until the call settles. */
  cancelled: boolean;
  includeContent: boolean;
}

const OWNER = 'attachTaskSocketServer';

function checkCount(name: string, value: unknown, min: number, infinity = false): number | undefined {
  return checkNumber(`${OWNER}: ${name}`, value, { min, integer: true, infinity });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

/**
 * Serves task transitions over websockets (`factpulse-rx/ws`, on the `ws` package): attach it to
 * a `WebSocketServer` and browsers follow tasks through the server's {@link TaskStatusSource}
 * (usually a `createTaskClient`), so a task followed by many browsers costs one poll loop.
 *
 * Protocol, JSON text frames. From the browser: `{"type":"subscribe","taskId":"…"}` (add
 * `"content":true` to get a success's content as base64), `{"type":"unsubscribe","taskId":"…"}`.
 * To the browser: `{"type":"transition","taskId","from","to","at","polls","state"}` (a success's
 * state carries `contentBytes`, not the bytes, unless asked), `{"type":"error","taskId","error":
 * {"name","message"}}`, `{"type":"complete","taskId"}` (see {@link TaskFrame}).
 *
 * - `authorize(taskId, request)` decides who may follow a task; a denied subscribe (or one
 *   whose `authorize` takes longer than `authorizeTimeout`) gets an `AccessDeniedError` frame and
 *   nothing is polled. Calls still pending count toward `maxTasksPerSocket`, even once
 *   unsubscribed, so a subscribe/unsubscribe loop cannot pile them up.
 * - No payload takes the server down: a transition that cannot be encoded as JSON (nested too
 *   deep, cyclic) ends that task with an `EncodeError` frame; the socket's other tasks go on.
 * - A malformed, binary or unknown frame gets a `ProtocolError` frame; the connection stays open.
 * - A subscribe for a task already followed on the connection changes nothing.
 * - A connection that stops reading (more than `maxBufferedBytes` unsent) is closed with code
 *   1008; one that does not answer pings is terminated; any closed connection unfollows every
 *   task it followed, so their polls stop when no one else follows them.
 *
 * Options are validated now: a `TypeError` names the bad one. Only connections made after the
 * call are served. Needs only the types of `ws`: the server is yours.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { WebSocketServer } from 'ws'
 * import { createTaskClient } from 'factpulse-rx'
 * import { attachTaskSocketServer } from 'factpulse-rx/ws'
 *
 * const server = createServer(app)
 * const wss = new WebSocketServer({ server, path: '/tasks', maxPayload: 64 * 1024 })
 * const tasks = attachTaskSocketServer(wss, createTaskClient({ token }), {
 *   authorize: (taskId, req) => sessionOf(req)?.taskIds.has(taskId) === true,
 * })
 * ```
 */
export function attachTaskSocketServer(wss: WebSocketServer, client: TaskStatusSource, options: TaskSocketServerOptions = {}): TaskSocketServer {
  if (typeof wss !== 'object' || wss === null || typeof wss.on !== 'function') failOption(`${OWNER}: wss`, 'a WebSocketServer from the ws package', wss);
  if (typeof client !== 'object' || client === null || typeof client.status$ !== 'function') {
    failOption(`${OWNER}: client`, 'an object with a status$(taskId) method (a TaskClient)', client);
  }
  checkObject(`${OWNER}: options`, options);
  const authorize = checkFunction(`${OWNER}: authorize`, options.authorize);
  const maxBufferedBytes = checkCount('maxBufferedBytes', options.maxBufferedBytes, 0) ?? DEFAULTS.maxBufferedBytes;
  const heartbeatMs = checkCount('heartbeatMs', options.heartbeatMs, 0) ?? DEFAULTS.heartbeatMs;
  const maxTasksPerSocket = checkCount('maxTasksPerSocket', options.maxTasksPerSocket, 1) ?? DEFAULTS.maxTasksPerSocket;
  const authorizeTimeout =
    checkCount('authorizeTimeout', options.authorizeTimeout, 1, true) ?? DEFAULTS.authorizeTimeout;

  const connections = new Set<Connection>();
  let closed = false;

  class Connection {
    alive = true;
    ended = false;
    readonly follows = new Map<string, Follow>();

    constructor(
      readonly socket: WebSocket,
      readonly request: IncomingMessage,
    ) {}

    /** Sends a frame, unless the reader is already more than `maxBufferedBytes` behind: then it is dropped. */
    send(frame: TaskFrame): void {
      this.sendText(JSON.stringify(frame));
    }

    sendText(text: string): void {
      if (this.ended || this.socket.readyState !== OPEN) return;
      if (this.socket.bufferedAmount > maxBufferedBytes) {
        this.end();
        this.socket.close(CLOSE_TOO_SLOW, 'reader too slow: unsent data over the limit');
        return;
      }
      this.socket.send(text);
    }

    /** Something the adapter did not expect threw: drop this connection, never the process. */
    fault(): void {
      if (this.ended) return;
      this.end();
      try {
        this.socket.close(CLOSE_INTERNAL_ERROR, 'internal error');
      } catch {
        this.socket.terminate();
      }
    }

    /** Unfollows everything; later frames are ignored. */
    end(): void {
      if (this.ended) return;
      this.ended = true;
      connections.delete(this);
      const follows = [...this.follows.values()];
      this.follows.clear();
      for (const follow of follows) follow.subscription?.unsubscribe();
    }

    onMessage(data: RawData, isBinary: boolean): void {
      try {
        this.handle(data, isBinary);
      } catch {
        this.fault();
      }
    }

    private handle(data: RawData, isBinary: boolean): void {
      if (this.ended) return;
      if (isBinary) {
        this.send(adapterErrorFrame(null, 'ProtocolError', 'frames must be JSON text, not binary'));
        return;
      }
      if (rawLength(data) > MAX_FRAME_LENGTH) {
        this.send(adapterErrorFrame(null, 'ProtocolError', `a frame must be at most ${MAX_FRAME_LENGTH} bytes`));
        return;
      }
      const frame = parseClientFrame(rawText(data));
      if ('problem' in frame) {
        this.send(adapterErrorFrame(frame.taskId, 'ProtocolError', frame.problem));
        return;
      }
      const key = frame.taskId.toLowerCase();
      const known = this.follows.get(key);
      if (frame.type === 'unsubscribe') {
        if (known === undefined) return;
        // A pending `authorize` keeps its place until it settles (then nothing is polled).
        if (known.pending) {
          known.cancelled = true;
          return;
        }
        this.follows.delete(key);
        known.subscription?.unsubscribe();
        return;
      }
      if (known !== undefined) {
        // Subscribed again while `authorize` is still pending: the same call decides.
        if (known.pending && known.cancelled) {
          known.cancelled = false;
          known.includeContent = frame.content === true;
        }
        return;
      }
      if (!isTaskId(frame.taskId as unknown)) {
        this.send(errorFrame(frame.taskId.length <= 64 ? frame.taskId : null, optionError('taskId', 'a UUID', frame.taskId)));
        return;
      }
      if (this.follows.size >= maxTasksPerSocket) {
        this.send(adapterErrorFrame(frame.taskId, 'LimitExceededError', `at most ${maxTasksPerSocket} tasks may be followed on one connection`));
        return;
      }
      const follow: Follow = { taskId: frame.taskId, subscription: undefined, pending: true, cancelled: false, includeContent: frame.content === true };
      this.follows.set(key, follow);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const decide = (allowed: boolean, denial = 'not allowed to follow this task'): void => {
        if (!follow.pending) return; // decided already (a late answer after the time limit)
        follow.pending = false;
        if (timer !== undefined) clearTimeout(timer);
        if (this.ended || this.follows.get(key) !== follow) return; // closed meanwhile
        if (follow.cancelled) {
          this.follows.delete(key); // unsubscribed meanwhile: nothing is polled
          return;
        }
        if (!allowed) {
          this.follows.delete(key);
          this.send(adapterErrorFrame(follow.taskId, 'AccessDeniedError', denial));
          return;
        }
        this.start(key, follow);
      };
      if (authorize === undefined) {
        decide(true);
        return;
      }
      let verdict: boolean | Promise<boolean>;
      try {
        verdict = authorize(follow.taskId, this.request);
      } catch {
        decide(false);
        return;
      }
      if (typeof verdict === 'boolean') {
        decide(verdict);
        return;
      }
      if (authorizeTimeout !== Infinity) {
        timer = setTimeout(() => decide(false, `authorize did not answer within ${authorizeTimeout} ms`), Math.min(authorizeTimeout, MAX_TIMER_DELAY));
        timer.unref?.();
      }
      Promise.resolve(verdict)
        .then(
          (v) => decide(v === true),
          () => decide(false),
        )
        .catch(() => this.fault());
    }

    private start(key: string, follow: Follow): void {
      const { taskId } = follow;
      let over = false;
      let subscription: Subscription | undefined = undefined; // read by finish(), which may run during subscribe
      const finish = (frame: TaskFrame): void => {
        if (over) return;
        over = true;
        if (this.follows.get(key) === follow) this.follows.delete(key);
        subscription?.unsubscribe();
        this.send(frame);
      };
      // A transition that cannot be encoded ends that task with an EncodeError frame.
      subscription = subscribeTaskFrames(client, taskId, { includeContent: follow.includeContent }, {
        transition: (json) => this.sendText(json),
        end: finish,
        fault: () => this.fault(),
      });
      if (subscription === undefined) return;
      // The stream may have ended (a cached result) or the reader been dropped while subscribing.
      if (over || this.ended || this.follows.get(key) !== follow) subscription.unsubscribe();
      else follow.subscription = subscription;
    }
  }

  const onConnection = (socket: WebSocket, request: IncomingMessage): void => {
    if (closed) return;
    const connection = new Connection(socket, request);
    connections.add(connection);
    // Without an 'error' listener, a protocol error from a peer would throw; ws closes the socket itself.
    socket.on('error', () => connection.end());
    socket.on('close', () => connection.end());
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data: RawData, isBinary: boolean) => connection.onMessage(data, isBinary));
  };
  wss.on('connection', onConnection);

  const heartbeat =
    heartbeatMs > 0
      ? setInterval(() => {
          for (const connection of [...connections]) {
            if (!connection.alive) {
              connection.end();
              connection.socket.terminate();
              continue;
            }
            connection.alive = false;
            try {
              connection.socket.ping();
            } catch {
              // a socket closing between checks: its 'close' event ends it
            }
          }
        }, heartbeatMs)
      : undefined;
  heartbeat?.unref();

  return {
    close() {
      if (closed) return;
      closed = true;
      wss.off('connection', onConnection);
      if (heartbeat !== undefined) clearInterval(heartbeat);
      for (const connection of [...connections]) {
        connection.end();
        connection.socket.close(CLOSE_GOING_AWAY, 'server shutting down');
      }
    },
  };
}
