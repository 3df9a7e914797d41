/**
 * Example: a Node server that submits invoices to FactPulse (here the offline simulator), follows
 * them with one task client, learns their end from FactPulse's signed webhooks, and pushes every
 * transition to browsers over websockets. `npm run example:server`, then open the printed URL.
 *
 * In your code the imports read `factpulse-rx`, `factpulse-rx/ws`, `factpulse-rx/webhook`,
 * `factpulse-rx/sse` and `factpulse-rx/simulator`; here they point at the sources so that the
 * example runs without a build.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { createTaskClient, type TaskClient } from '../../lib/index.js';
import { safetyNetSchedule } from '../../lib/schedules/safety-net-schedule.js';
import { attachTaskSocketServer } from '../../lib/adapters/ws/index.js';
import { taskEventsHandler } from '../../lib/adapters/sse/index.js';
import { createWebhookHandler } from '../../lib/adapters/webhook/index.js';
import { startSimulator, type Simulator } from '../../lib/simulator/index.js';

/** Options of {@link startExampleServer}. */
export interface ExampleServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Poll interval (ms) while webhooks are not known to arrive. @default 1000 */
  readonly interval?: number;
  /** Poll interval (ms) while they arrive: polling is only the safety net then. @default 15000 */
  readonly safetyNet?: number;
}

/** A running example server. */
export interface ExampleServer {
  /** `http://127.0.0.1:<port>`: open it in a browser. */
  readonly url: string;
  readonly simulator: Simulator;
  readonly client: TaskClient;
  close(): Promise<void>;
}

const PUBLIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const OUTCOMES = new Set(['success', 'rejected', 'failed']);
const MAX_JSON_BYTES = 4096;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...SECURITY_HEADERS });
  res.end(text);
}

/** The session id from the `sid` cookie, if any. */
function sessionOf(req: IncomingMessage): string | undefined {
  const cookie = req.headers.cookie ?? '';
  const match = /(?:^|;\s*)sid=([0-9a-f]{32})(?:;|$)/.exec(cookie);
  return match?.[1];
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_JSON_BYTES) {
        reject(new RangeError('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown));
      } catch (error) {
        reject(error as Error);
      }
    });
    req.on('error', reject);
  });
}

/**
 * Starts the simulator and the example server on 127.0.0.1.
 *
 * @example
 * ```ts
 * const example = await startExampleServer({ port: 3000 })
 * console.log(`open ${example.url}`)
 * ```
 */
export async function startExampleServer(options: ExampleServerOptions = {}): Promise<ExampleServer> {
  const { port = 0, interval = 1000, safetyNet = 15_000 } = options;
  const publicDir = join(__dirname, 'public');
  const files = new Map(Object.entries(PUBLIC).map(([path, { file, type }]) => [path, { body: readFileSync(join(publicDir, file)), type }]));

  // 1. FactPulse, offline: tasks take a few seconds; webhooks are signed with its secret.
  const simulator = await startSimulator({ durationMs: 4000 });

  // 2. Webhooks tell the schedule they work (it then polls only as a safety net) and, as hints,
  //    poll the task they name at once.
  const schedule = safetyNetSchedule({ interval, safetyNet });
  const webhook = createWebhookHandler({ secret: simulator.webhookSecret, onEvent: schedule.heard });
  const client = createTaskClient({ baseUrl: simulator.url, token: simulator.token, interval: schedule, hints: webhook.events$ });

  /** Who submitted which task: a browser may only follow its own. */
  const owners = new Map<string, string>();
  const authorize = (taskId: string, req: IncomingMessage): boolean => {
    const sid = sessionOf(req);
    return sid !== undefined && owners.get(taskId.toLowerCase()) === sid;
  };
  const events = taskEventsHandler(client, { authorize, taskId: (req) => /^\/api\/tasks\/([^/]+)\/events$/.exec(req.url?.split('?')[0] ?? '')?.[1] });

  let selfUrl = '';
  const submit = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sid = sessionOf(req);
    if (sid === undefined) return sendJson(res, 401, { error: 'no session: load the page first' });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { error: 'send JSON' });
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return sendJson(res, 400, { error: 'the body must be JSON of at most 4 KiB' });
    }
    const { outcome, durationMs } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (outcome !== undefined && outcome !== 'random' && !(typeof outcome === 'string' && OUTCOMES.has(outcome))) {
      return sendJson(res, 400, { error: 'outcome must be success, rejected, failed or random' });
    }
    if (durationMs !== undefined && !(typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0 && durationMs <= 120_000)) {
      return sendJson(res, 400, { error: 'durationMs must be between 0 and 120000' });
    }
    // What your server does with FactPulse: POST the invoice with a callbackUrl for the webhook.
    const answer = await fetch(`${simulator.url}/api/v1/processing/generate-invoice`, {
      method: 'POST',
      headers: { authorization: `Bearer ${simulator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...(outcome === undefined || outcome === 'random' ? {} : { outcome }),
        ...(durationMs === undefined ? {} : { durationMs }),
        callbackUrl: `${selfUrl}/webhooks/factpulse`,
      }),
    });
    const created = (await answer.json()) as { taskId?: string; task_id?: string };
    const taskId = created.taskId ?? created.task_id;
    if (!answer.ok || taskId === undefined) return sendJson(res, 502, { error: `submission failed (HTTP ${answer.status})` });
    owners.set(taskId.toLowerCase(), sid);
    sendJson(res, 202, { taskId });
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/webhooks/factpulse') return webhook(req, res);
    if (path === '/api/invoices' && req.method === 'POST') {
      submit(req, res).catch(() => sendJson(res, 500, { error: 'internal error' }));
      return;
    }
    if (path.startsWith('/api/tasks/') && path.endsWith('/events')) return events(req, res);
    const file = files.get(path);
    if (file !== undefined && req.method === 'GET') {
      const headers: Record<string, string | number> = { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-store', ...SECURITY_HEADERS };
      if (path === '/' && sessionOf(req) === undefined) headers['set-cookie'] = `sid=${randomBytes(16).toString('hex')}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers);
      res.end(file.body);
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  };

  const server: Server = createServer(route);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  // 3. Websockets on /ws: same-origin pages only (the cookie rides along), small frames.
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    maxPayload: 16 * 1024,
    verifyClient: ({ origin, req }: { origin: string; req: IncomingMessage }) => origin === `http://${req.headers.host ?? ''}`,
  });
  const tasks = attachTaskSocketServer(wss, client, { authorize, heartbeatMs: 20_000 });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  selfUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  return {
    url: selfUrl,
    simulator,
    client,
    close() {
      closing ??= (async () => {
        tasks.close();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        client.dispose();
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await simulator.close();
      })();
      return closing;
    },
  };
}
