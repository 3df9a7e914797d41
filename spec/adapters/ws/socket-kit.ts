/**
 * Test kit for the websocket adapter: a `node:http` server with a `WebSocketServer` on
 * 127.0.0.1 port 0, and `ws` clients that record every frame they receive.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { TaskFrame } from '../../../lib/adapters/ws/index.js';

/** A running http + ws server. */
export interface SocketServer {
  readonly url: string;
  readonly wss: WebSocketServer;
  readonly http: Server;
  close(): Promise<void>;
}

/** Starts an http server with a WebSocketServer on it (127.0.0.1, port 0). */
export async function startSocketServer(): Promise<SocketServer> {
  const http = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const sockets = new Set<Socket>();
  http.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ server: http });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    wss,
    http,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const s of sockets) s.destroy();
      if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A ws client that records frames. */
export class TestSocket {
  readonly frames: TaskFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as TaskFrame);
      for (const w of [...this.waiters]) w();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
    const ws = new WebSocket(url, options);
    const socket = new TestSocket(ws);
    await once(ws, 'open');
    return socket;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  subscribe(taskId: string, content?: boolean): void {
    this.send(content === undefined ? { type: 'subscribe', taskId } : { type: 'subscribe', taskId, content });
  }

  unsubscribe(taskId: string): void {
    this.send({ type: 'unsubscribe', taskId });
  }

  /** Resolves with the first frame (received before or after the call) that `match` accepts. */
  waitFor(match: (frame: TaskFrame) => boolean, timeoutMs = 5000, what = 'a matching frame'): Promise<TaskFrame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.frames.find(match);
        if (found === undefined) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.frames).slice(0, 2000)}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once `count` frames were received in all. */
  waitForCount(count: number, timeoutMs = 5000): Promise<TaskFrame> {
    return this.waitFor(() => this.frames.length >= count, timeoutMs, `${count} frames`);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Resolves after `ms` real milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms until it holds; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = 'a condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Waits until a count stops changing for `quietMs`, then returns it (bounded by `timeoutMs`). */
export async function settled(read: () => number, quietMs = 250, timeoutMs = 5000): Promise<number> {
  const end = Date.now() + timeoutMs;
  let last = read();
  for (;;) {
    await sleep(quietMs);
    const now = read();
    if (now === last) return now;
    if (Date.now() > end) throw new Error(`count still changing after ${timeoutMs} ms (${last} → ${now})`);
    last = now;
  }
}
